package load

import (
	"strings"
	"testing"
)

// TestAlternatives reads ```output {pg=N} blocks after the expected output
// as the block's expected outputs on other versions, with their spans in
// the file, and since="N: why" as the block's first version.
func TestAlternatives(t *testing.T) {
	src := "---\ntitle: A\n---\n\n" +
		"```sql {node=db since=\"15: the view is new in 15\"}\nSELECT 1;\n```\n\n" +
		"```output\none\n```\n\n" +
		"```output {pg=15}\nuno\n```\n\n" +
		"```output {pg=18}\neins\n```\n\n" +
		"```sql {node=db}\nSELECT 2;\n```\n\n" +
		"```output\ntwo\n```\n"
	ch, err := Chapter("content/01-a.md", []byte(src), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Blocks) != 2 {
		t.Fatalf("%d blocks, want 2", len(ch.Blocks))
	}
	b := ch.Blocks[0]
	if b.Since != 15 || b.SinceWhy != "the view is new in 15" {
		t.Errorf("since = %d %q", b.Since, b.SinceWhy)
	}
	if len(b.Alternatives) != 2 {
		t.Fatalf("%d alternatives, want 2", len(b.Alternatives))
	}
	for i, want := range []struct {
		v    int
		text string
		line int
	}{{15, "uno\n", 13}, {18, "eins\n", 17}} {
		a := b.Alternatives[i]
		if a.Version != want.v || a.Text != want.text || a.Pos.Line != want.line {
			t.Errorf("alternative %d = %d %q at %d, want %d %q at %d", i, a.Version, a.Text, a.Pos.Line, want.v, want.text, want.line)
		}
		if got := src[a.Span[0]:a.Span[1]]; got != want.text {
			t.Errorf("alternative %d span holds %q", i, got)
		}
	}
	if text, alt := b.ExpectedFor(18); text != "eins\n" || alt == nil {
		t.Errorf("ExpectedFor(18) = %q", text)
	}
	if text, alt := b.ExpectedFor(16); text != "one\n" || alt != nil {
		t.Errorf("ExpectedFor(16) = %q, want the main output", text)
	}
	if !b.SkippedOn(14) || b.SkippedOn(15) || b.SkippedOn(0) {
		t.Error("SkippedOn: since=15 skips 14 only (0 is the main version)")
	}
	if n := ch.Blocks[1]; n.Alternatives != nil || n.Since != 0 || !strings.HasPrefix(n.Expected, "two") {
		t.Errorf("second block: %+v", n)
	}
}
