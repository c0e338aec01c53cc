package update

import (
	"strings"
	"testing"

	"replcourse/builder/course"
	"replcourse/builder/load"
)

func chapter(t *testing.T, src string) *course.Chapter {
	t.Helper()
	ch, err := load.Chapter("c.md", []byte(src), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func apply(t *testing.T, src, text string) (string, error) {
	t.Helper()
	ch := chapter(t, src)
	files, err := Apply([]Change{{Block: ch.Blocks[0], Text: text}}, t.TempDir())
	if err != nil {
		return "", err
	}
	return string(files[0].Data), nil
}

const head = "---\ntitle: T\n---\n\n"

func TestSpliceKeepsUnchangedLineBytes(t *testing.T) {
	src := head + "```sql {node=primary}\nSELECT 1;\n```\n\n```output\n a  \n---\n 1\n(1 row)\n\n```\n\nafter\n"
	got, err := apply(t, src, " a\n---\n 2\n(1 row)\n")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, " 1\n(1 row)", " 2\n(1 row)", 1)
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestSpliceIndentedAndEmptyBlocks(t *testing.T) {
	src := head + "- step\n\n  ```sh {node=primary}\n  echo a; echo b\n  ```\n\n  ```output\n  x\n  ```\n"
	got, err := apply(t, src, "a\n\nb\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(src, "  x\n", "  a\n\n  b\n", 1); got != want {
		t.Errorf("indented: got %q\nwant %q", got, want)
	}
	empty := head + "```sh {node=primary}\necho a\n```\n\n```output\n```\n"
	if got, err = apply(t, empty, "a\n"); err != nil || got != strings.Replace(empty, "```output\n```", "```output\na\n```", 1) {
		t.Errorf("empty block: %q %v", got, err)
	}
	if got, err = apply(t, strings.Replace(empty, "```output\n```", "```output\nold\n```", 1), ""); err != nil || got != empty {
		t.Errorf("emptied block: %q %v", got, err)
	}
}

func TestSpliceCRLF(t *testing.T) {
	// The loader wants its front matter with \n; the body may use \r\n.
	src := head + strings.ReplaceAll("```sh {node=primary}\necho a\n```\n\n```output\nb\nc\n```\n", "\n", "\r\n")
	got, err := apply(t, src, "b\nd\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(src, "c\r\n", "d\r\n", 1); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestOutputWithFenceIsRefused: an output line that would close the
// fence must not damage the chapter.
func TestOutputWithFenceIsRefused(t *testing.T) {
	src := head + "```sh {node=primary}\necho a\n```\n\n```output\na\n```\n\nafter\n"
	if _, err := apply(t, src, "a\n```\nb\n"); err == nil || !strings.Contains(err.Error(), "fence") {
		t.Errorf("got %v", err)
	}
}

// TestSpliceCROnly: a chapter whose lines end in a lone CR (CommonMark
// §2.1) is rewritten with CR line ends, every other byte kept.
func TestSpliceCROnly(t *testing.T) {
	src := strings.ReplaceAll(head+"```sh {node=primary}\necho a\n```\n\n```output\nb\nc\n```\n\nafter\n", "\n", "\r")
	got, err := apply(t, src, "b\nd\ne\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(src, "c\r", "d\re\r", 1); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestSpliceInBlockquote: an output inside a blockquote keeps its markers
// on every line, a blank one included, so it stays inside the quote.
func TestSpliceInBlockquote(t *testing.T) {
	src := head + "> Note:\n>\n> ```sh {node=primary}\n> echo a\n> ```\n>\n> ```output\n> x\n>\n> y\n> ```\n\nafter\n"
	got, err := apply(t, src, "x\n\nz\nw\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(src, "> y\n", "> z\n> w\n", 1); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	empty := head + "> ```sh {node=primary}\n> echo a\n> ```\n>\n> ```output\n> ```\n"
	if got, err = apply(t, empty, "a\n\nb\n"); err != nil || got != strings.Replace(empty, "> ```output\n> ```", "> ```output\n> a\n>\n> b\n> ```", 1) {
		t.Errorf("empty block: %q %v", got, err)
	}
	crlf := strings.ReplaceAll(src, "\n", "\r\n")
	if got, err = apply(t, crlf, "x\n\nz\n"); err != nil || got != strings.Replace(crlf, "> y\r\n", "> z\r\n", 1) {
		t.Errorf("CR LF: %q %v", got, err)
	}
}
