package update

import (
	"strings"
	"testing"
)

// A change for a version rewrites that version's ```output {pg=N} block
// only: the main output and the other alternatives keep their bytes, and
// an empty alternative is filled.
func TestSpliceAlternative(t *testing.T) {
	src := head + "```sql {node=db}\nSELECT 1;\n```\n\n```output\nseventeen\n```\n\n" +
		"```output {pg=15}\nfifteen\n```\n\n```output {pg=18}\n```\n\nafter\n"
	ch := chapter(t, src)
	b := ch.Blocks[0]
	files, err := Apply([]Change{{Block: b, Text: "eighteen\n", Version: 18}, {Block: b, Text: "quince\n", Version: 15}}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(src, "```output {pg=18}\n```", "```output {pg=18}\neighteen\n```", 1), "fifteen", "quince", 1)
	if got := string(files[0].Data); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	back := files[0].Chapter.Blocks[0]
	if back.Expected != "seventeen\n" || back.Alternatives[1].Text != "eighteen\n" {
		t.Errorf("read back: %q %+v", back.Expected, back.Alternatives)
	}
	if _, err := Apply([]Change{{Block: b, Text: "x\n", Version: 16}}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no output {pg=16} block") {
		t.Errorf("a version without an alternative: %v", err)
	}
}
