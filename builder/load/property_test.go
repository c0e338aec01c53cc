package load

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"replcourse/builder/course"
)

// genChapter is a generated chapter and what loading it must give.
type genChapter struct {
	lines []string // without line endings
	// runs are the blocks that must run, in order, when no opener is bad.
	runs []genRun
	// bad is the line of the first opening fence meant for a runnable
	// block that CommonMark does not read as one; 0 if there is none.
	bad  int
	desc []string // what each element was, for failure messages
}

type genRun struct {
	line           int
	lang, node     string
	code, expected string
	rest           string // prefix of the block's lines after the first (container and indentation)
}

func (g *genChapter) add(lines ...string) int {
	g.lines = append(g.lines, lines...)
	return len(g.lines) - len(lines) + 1 // line number of the first
}

func (g *genChapter) markBad(line int) {
	if g.bad == 0 {
		g.bad = line
	}
}

// container is where a runnable block sits: first prefixes its opening
// line, rest every later line, blank its blank lines.
type container struct{ name, first, rest, blank string }

var containers = []container{
	{"top level", "", "", ""},
	{"blockquote", "> ", "> ", ">"},
	{"bullet list", "- ", "  ", ""},
	{"ordered list", "1. ", "   ", ""},
	{"blockquote in a list", "- > ", "  > ", "  >"},
	{"list in a blockquote", "> * ", ">   ", ">"},
}

// genRunnable adds a runnable block (and its output block) in a random
// container, indentation and fence, and records whether CommonMark reads
// its opening fence as one.
func (g *genChapter) genRunnable(r *rand.Rand) {
	c := containers[r.IntN(len(containers))]
	indent := strings.Repeat(" ", r.IntN(6)) // 4 or more: an indented code block
	tab := c.name == "top level" && r.IntN(8) == 0
	if tab {
		indent = "\t"
	}
	fenceText := []string{"```", "~~~", "````", "~~~~"}[r.IntN(4)]
	node := []string{"primary", "replica", "subscriber"}[r.IntN(3)]
	code := []string{"SELECT 1;"}
	if r.IntN(2) == 0 {
		code = append(code, "SELECT 2;")
	}
	var info, lang string
	var output []string
	switch r.IntN(4) {
	case 0, 1:
		lang, info = "sql", fmt.Sprintf("sql {node=%s}", node)
		output = []string{" ?column? ", "----------", "        1", "(1 row)"}
	case 2:
		lang, info = "sh", fmt.Sprintf(`sh {node=%s nocompare="varies"}`, node)
		code = []string{"hostname"}
	case 3:
		lang, info = "sh", fmt.Sprintf("sh {node=%s nocompare=\"prints `date`\"}", node)
		code = []string{"date"}
	}
	first, rest := c.first+indent, c.rest+indent
	open := g.add(first + fenceText + info)
	for _, l := range code {
		g.add(rest + l)
	}
	g.add(rest + fenceText)
	if output != nil {
		g.add(c.blank)
		g.add(rest + fenceText + "output")
		for _, l := range output {
			g.add(rest + l)
		}
		g.add(rest + fenceText)
	}
	g.desc = append(g.desc, fmt.Sprintf("line %d: %s, indent %q, %s %s", open, c.name, indent, fenceText, info))
	if tab || len(indent) >= 4 || fenceText[0] == '`' && strings.Contains(info, "`") {
		g.markBad(open)
		return
	}
	run := genRun{line: open, lang: lang, node: node, code: strings.Join(code, "\n") + "\n", rest: rest}
	if output != nil {
		run.expected = strings.Join(output, "\n") + "\n"
	}
	g.runs = append(g.runs, run)
}

// generate returns a chapter of random elements, each set apart by a
// paragraph of prose at the top level so that no container runs on.
func generate(r *rand.Rand) *genChapter {
	g := &genChapter{}
	g.add("---", "title: Generated", "---")
	for n := r.IntN(6) + 1; n > 0; n-- {
		g.add("", "Some prose, with `inline code`.", "")
		switch k := r.IntN(12); {
		case k < 5:
			g.genRunnable(r)
		case k == 5: // a display block
			f := []string{"```", "~~~"}[r.IntN(2)]
			g.add(f+"text", "plain", f)
		case k == 6: // fences shown as text inside a longer or another fence
			outer := []string{"````", "~~~", "~~~~~"}[r.IntN(3)]
			g.add(outer+"markdown", "```sql {node=primary}", "SELECT 1;", "```", "", "```output", "1", "```", outer)
			g.desc = append(g.desc, "a fence shown as text in "+outer)
		case k == 7: // inline code that looks like a fence, in prose
			g.add("```sql {node=primary}``` starts a block that runs.")
		case k == 8: // a stray fence that swallows the runnable block after it
			line := g.add("```", "```sh {node=primary nocompare=\"varies\"}", "hostname", "```")
			g.desc = append(g.desc, fmt.Sprintf("line %d: a stray fence before a runnable block", line))
			g.markBad(line + 1)
		case k == 9: // a runnable block inside an HTML block
			line := g.add("<div>", "```sh {node=primary nocompare=\"varies\"}", "hostname", "```", "</div>")
			g.desc = append(g.desc, fmt.Sprintf("line %d: a runnable block in an HTML block", line))
			g.markBad(line + 1)
		case k == 10: // a runnable block commented out: norun says why
			line := g.add("<!-- not yet:", "```sql {node=primary}", "SELECT 1;", "```", "-->")
			g.desc = append(g.desc, fmt.Sprintf("line %d: a runnable block in a comment", line))
			g.markBad(line + 1)
		case k == 11: // a comment left open: it runs to the end of the file
			line := g.add("<!-- left open", "```sh {node=primary nocompare=\"varies\"}", "hostname", "```")
			g.desc = append(g.desc, fmt.Sprintf("line %d: a runnable block in a comment left open", line))
			g.markBad(line + 1)
		}
	}
	return g
}

// encode joins the lines with one of the line endings an editor may save,
// and maybe a byte order mark.
func (g *genChapter) encode(r *rand.Rand) ([]byte, string) {
	eol := []string{"\n", "\r\n", "\r", "mixed"}[r.IntN(4)]
	var b strings.Builder
	bom := r.IntN(4) == 0
	if bom {
		b.WriteString("\uFEFF")
	}
	for i, l := range g.lines {
		end := eol
		if eol == "mixed" { // LF front matter, CR LF body
			end = "\r\n"
			if i < 3 {
				end = "\n"
			}
		}
		b.WriteString(l + end)
	}
	return []byte(b.String()), fmt.Sprintf("line ending %q, BOM %v", eol, bom)
}

// TestEveryRunnableFenceRunsOrIsAnError is the property over generated
// chapters: every line an author means as the opening fence of a runnable
// block (node=, or an output block), in any container, indentation, fence
// character, line ending or encoding, either becomes that block — with its
// code, node, expected output, line, and an expected output span that
// covers the output in the file's bytes — or the chapter fails to load
// with an error at that line. The generator is seeded, so the test is the
// same on every run.
func TestEveryRunnableFenceRunsOrIsAnError(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	stand := t.TempDir()
	var good, bad int
	for i := range 3000 {
		g := generate(r)
		src, enc := g.encode(r)
		ch, err := Chapter("gen.md", src, stand)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("chapter %d (%s; %s):\n%s\n%s", i, enc, strings.Join(g.desc, "; "), fmt.Sprintf(format, args...), strings.Join(g.lines, "\n"))
		}
		if g.bad > 0 {
			bad++
			ce, ok := err.(*course.Error)
			if !ok || ce.Pos.File != "gen.md" || ce.Pos.Line != g.bad {
				fail("got %v, want an error at line %d", err, g.bad)
			}
			continue
		}
		good++
		if err != nil {
			fail("%v", err)
		}
		var got []*course.Block
		for _, b := range ch.Blocks {
			if b.Run {
				got = append(got, b)
			}
		}
		if len(got) != len(g.runs) {
			fail("%d running blocks, want %d", len(got), len(g.runs))
		}
		for j, w := range g.runs {
			b := got[j]
			if b.Pos.Line != w.line || b.Lang != w.lang || b.Node != w.node || b.Code != w.code || b.Expected != w.expected || b.HasExpected != (w.expected != "") {
				fail("block %d: line %d %s on %s, code %q, expected %q; want line %d %s on %s, code %q, expected %q",
					j, b.Pos.Line, b.Lang, b.Node, b.Code, b.Expected, w.line, w.lang, w.node, w.code, w.expected)
			}
			if !b.HasExpected {
				continue
			}
			span := string(src[b.ExpectedSpan[0]:b.ExpectedSpan[1]])
			span = strings.ReplaceAll(strings.ReplaceAll(span, "\r\n", "\n"), "\r", "\n")
			lines := strings.SplitAfter(span, "\n")
			for k := 1; k < len(lines); k++ {
				lines[k] = strings.TrimPrefix(lines[k], w.rest)
			}
			if strings.Join(lines, "") != b.Expected {
				fail("block %d: expected output span covers %q", j, span)
			}
		}
	}
	// Both outcomes must have been exercised, or the property says nothing.
	if good < 500 || bad < 500 {
		t.Errorf("generated %d chapters that load and %d that must not; want at least 500 of each", good, bad)
	}
	t.Logf("%d chapters load, %d are errors at the expected line", good, bad)
}
