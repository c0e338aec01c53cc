package load

import (
	"fmt"
	"strings"
	"testing"

	"replcourse/builder/course"
)

// lf joins lines with LF, each line ended.
func lf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// runs returns the chapter's running blocks as "line lang node code",
// with their expected outputs.
func runs(t *testing.T, src string) []string {
	t.Helper()
	ch, err := Chapter("c.md", []byte(src), t.TempDir())
	if err != nil {
		t.Fatalf("%v\nsource:\n%s", err, src)
	}
	var out []string
	for _, b := range ch.Blocks {
		if b.Run {
			out = append(out, strings.Join([]string{fmt.Sprintf("%03d", b.Pos.Line), b.Lang, b.Node, b.Code, b.Expected}, "|"))
		}
	}
	return out
}

func TestFencesInContainersRun(t *testing.T) {
	cases := map[string]struct {
		src  string
		want []string
	}{
		"blockquote": {lf("---", "title: A", "---", "",
			"> ```text", "> x", "> ```", "",
			"> ```sql {node=primary}", "> SELECT 1;", "> ```", ">", "> ```output", "> 1", "> ```"),
			[]string{"009|sql|primary|SELECT 1;\n|1\n"}},
		"list": {lf("---", "title: A", "---", "",
			"1. Connect:", "", "   ```sql {node=primary}", "   SELECT 1;", "   ```", "", "   ```output", "   1", "   ```",
			"2. Then:", "   ```sh {node=replica nocompare=\"varies\"}", "   hostname", "   ```"),
			[]string{"007|sql|primary|SELECT 1;\n|1\n", "015|sh|replica|hostname\n|"}},
		"tilde fence with a backtick in its info string": {lf("---", "title: A", "---", "",
			"~~~sh {node=primary nocompare=\"prints `date`\"}", "date", "~~~"),
			[]string{"005|sh|primary|date\n|"}},
		"indented up to 3 spaces": {lf("---", "title: A", "---", "",
			"   ```sh {node=primary nocompare=\"varies\"}", "   date", "   ```"),
			[]string{"005|sh|primary|date\n|"}},
		"fences shown as text in a longer or other fence": {lf("---", "title: A", "---", "",
			"````markdown", "```sql {node=primary}", "SELECT 1;", "```", "````", "",
			"~~~markdown", "```output", "~~~", "",
			"Inline: ```sql {node=primary}``` is how a block starts."),
			nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := runs(t, c.src)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("running blocks\n got: %q\nwant: %q", got, c.want)
			}
		})
	}
}

// TestLineEndings: a chapter saved with CR LF or CR line endings, or with a
// byte order mark, reads as the same chapter with LF, its positions are
// the file's lines, and its expected output's span is in the file's bytes.
func TestLineEndings(t *testing.T) {
	fm := lf("---", "title: A", "---")
	body := lf("", "```sh {node=primary}", "echo hi", "```", "", "```output", "hi", "there", "```")
	variants := map[string]string{
		"LF":                     fm + body,
		"CR LF":                  strings.ReplaceAll(fm+body, "\n", "\r\n"),
		"CR":                     strings.ReplaceAll(fm+body, "\n", "\r"),
		"LF front matter, CR LF": fm + strings.ReplaceAll(body, "\n", "\r\n"),
		"BOM, CR LF":             "\uFEFF" + strings.ReplaceAll(fm+body, "\n", "\r\n"),
		"BOM":                    "\uFEFF" + fm + body,
	}
	for name, src := range variants {
		t.Run(name, func(t *testing.T) {
			ch, err := Chapter("c.md", []byte(src), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if ch.Title != "A" || len(ch.Blocks) != 1 {
				t.Fatalf("title %q, %d blocks", ch.Title, len(ch.Blocks))
			}
			b := ch.Blocks[0]
			if b.Code != "echo hi\n" || b.Expected != "hi\nthere\n" || b.Pos.Line != 5 || b.ExpectedPos.Line != 9 {
				t.Errorf("block %q expected %q at lines %d, %d", b.Code, b.Expected, b.Pos.Line, b.ExpectedPos.Line)
			}
			if strings.ContainsRune(string(ch.Body), '\r') {
				t.Errorf("body keeps a CR")
			}
			span := string(ch.Source[b.ExpectedSpan[0]:b.ExpectedSpan[1]])
			asLF := strings.ReplaceAll(strings.ReplaceAll(span, "\r\n", "\n"), "\r", "\n")
			if asLF != b.Expected {
				t.Errorf("expected span covers %q", span)
			}
		})
	}
}

func TestUTF16IsRefused(t *testing.T) {
	for _, bom := range []string{"\xFF\xFE", "\xFE\xFF"} {
		_, err := Chapter("c.md", []byte(bom+"-\x00-\x00-\x00"), t.TempDir())
		ce, ok := err.(*course.Error)
		if !ok || ce.Pos.Line != 1 || !strings.Contains(ce.Msg, "UTF-16") {
			t.Errorf("%q: got %v", bom, err)
		}
	}
}
