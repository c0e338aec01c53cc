package load

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	gmparser "github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"replcourse/builder/course"
)

// fence is what the parser records about a fenced code block as goldmark
// opens it: goldmark's tree keeps neither where the opening fence line
// starts nor whether a closing fence ended the block.
type fence struct {
	start  int  // offset of the start of the opening fence's line
	char   byte // ` or ~
	length int  // number of fence characters
	closed bool // ended by a closing fence, not by the end of its container
}

// fenceTracker wraps goldmark's fenced code block parser (CommonMark §4.5)
// and records a fence for each block it opens. Parsing is unchanged.
type fenceTracker struct {
	gmparser.BlockParser
	lineStart func(off int) int
	fences    map[ast.Node]*fence
}

func (t *fenceTracker) Open(parent ast.Node, reader text.Reader, pc gmparser.Context) (ast.Node, gmparser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	n, st := t.BlockParser.Open(parent, reader, pc)
	if n != nil && pos >= 0 && pos < len(line) {
		f := &fence{start: t.lineStart(seg.Start), char: line[pos]}
		for i := pos; i < len(line) && line[i] == f.char; i++ {
			f.length++
		}
		t.fences[n] = f
	}
	return n, st
}

func (t *fenceTracker) Continue(node ast.Node, reader text.Reader, pc gmparser.Context) gmparser.State {
	st := t.BlockParser.Continue(node, reader, pc)
	// goldmark's fenced code block parser closes a block from Continue
	// only on its closing fence; the end of a container or of the file
	// closes it through Close alone.
	if st&gmparser.Close != 0 {
		if f := t.fences[node]; f != nil {
			f.closed = true
		}
	}
	return st
}

// newParser returns goldmark's CommonMark parser (as goldmark.New has it)
// with the fenced code block parser wrapped to fill fences.
func newParser(lineStart func(int) int, fences map[ast.Node]*fence) gmparser.Parser {
	bps := gmparser.DefaultBlockParsers()
	fcb := gmparser.NewFencedCodeBlockParser()
	for i, v := range bps {
		if v.Value == fcb {
			bps[i] = util.Prioritized(&fenceTracker{BlockParser: fcb, lineStart: lineStart, fences: fences}, v.Priority)
		}
	}
	return gmparser.NewParser(gmparser.WithBlockParsers(bps...),
		gmparser.WithInlineParsers(gmparser.DefaultInlineParsers()...),
		gmparser.WithParagraphTransformers(gmparser.DefaultParagraphTransformers()...),
	)
}

// fenceLine matches a line that looks like an opening code fence once the
// markers of the containers it may sit in are taken off: blockquote
// markers (>) and list item markers (-, +, *, 1., 1)), with any
// indentation. Group 1 is the indentation before the fence, group 2 the
// fence, group 3 the rest of the line.
var fenceLine = regexp.MustCompile("^(?:[ \t]*(?:>|[-+*](?:[ \t]|$)|[0-9]{1,9}[.)](?:[ \t]|$)))*([ \t]*)(`{3,}|~{3,})(.*)$")

// nodeAttr finds a node= attribute in an info string.
var nodeAttr = regexp.MustCompile(`(?:^|[\s{,])node\s*=`)

// runnableFence reports whether line reads as an opening fence an author
// means for a runnable block or its expected output: an info string that
// carries node=, or the output info string. It returns the fence and the
// info string. A backtick fence whose info string holds a run of backticks
// as long as the fence is inline code at the start of a paragraph line
// (```sql {node=primary}``` in prose), not a fence.
func runnableFence(line string) (indent, fenceText, info string, ok bool) {
	m := fenceLine.FindStringSubmatch(line)
	if m == nil {
		return "", "", "", false
	}
	indent, fenceText, info = m[1], m[2], strings.TrimSpace(m[3])
	lang, _, _ := strings.Cut(info, " ")
	lang, _, _ = strings.Cut(lang, "{")
	if lang != "output" && !nodeAttr.MatchString(info) {
		return "", "", "", false
	}
	if fenceText[0] == '`' && hasRun(info, '`', len(fenceText)) {
		return "", "", "", false
	}
	return indent, fenceText, info, true
}

// hasRun reports whether s holds a run of exactly n c characters.
func hasRun(s string, c byte, n int) bool {
	for i := 0; i < len(s); {
		if s[i] != c {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == c {
			j++
		}
		if j-i == n {
			return true
		}
		i = j
	}
	return false
}

// unreadFences returns an error for the first line that looks like the
// opening fence of a runnable block (or of its output) but that CommonMark
// does not read as the opening fence of a fenced code block, so that such
// a block is an error rather than a block that silently never runs. Such
// a line is accepted only in the content of a fenced block whose fence
// could not have been closed by it (another fence character, or a longer
// fence: the way to show a fence as text); with the same character and a
// fence at least as long, the outer block has swallowed a block that was
// meant to run. An HTML comment is no exception: a comment left open runs
// to the next --> anywhere below, and norun="why" is how a block is kept
// from running.
func (p *parser) unreadFences(doc ast.Node) error {
	type owner struct {
		node ast.Node
		kind string // "content", "indented", "html"
	}
	owners := map[int]owner{} // 1-based line → the node holding it
	opens := map[int]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		kind := ""
		switch n.(type) {
		case *ast.FencedCodeBlock:
			kind = "content"
			if f := p.fences[n]; f != nil {
				opens[p.line(f.start)] = true
			}
		case *ast.CodeBlock:
			kind = "indented"
		case *ast.HTMLBlock:
			kind = "html"
		default:
			return ast.WalkContinue, nil
		}
		for i := 0; i < n.Lines().Len(); i++ {
			owners[p.line(n.Lines().At(i).Start)] = owner{n, kind}
		}
		return ast.WalkSkipChildren, nil
	})
	src := string(p.ch.Body)
	for i, start := range p.lineAt {
		end := len(src)
		if i+1 < len(p.lineAt) {
			end = p.lineAt[i+1] - 1
		}
		lineNo := i + 1
		indent, fenceText, info, ok := runnableFence(src[start:end])
		if !ok || opens[lineNo] {
			continue
		}
		pos := p.pos(start)
		o := owners[lineNo]
		switch o.kind {
		case "content":
			f := p.fences[o.node]
			if f == nil || f.char != fenceText[0] || len(fenceText) < f.length {
				continue // a fence shown as text inside a longer or other fence
			}
			outer := strings.Repeat(string(f.char), f.length)
			return course.Errorf(pos, "this fence is inside the %s block opened at line %d, which is not closed before it, so its block would never run: close that block first (to show a fence as text, put it in a longer fence such as %s, or in a ~~~ fence)",
				outer, p.line(f.start), outer+string(f.char))
		case "indented":
			return course.Errorf(pos, "this fence is indented 4 or more columns, so CommonMark reads it as an indented code block, which is shown and never run: indent a fence at most 3 spaces (in a list item or a blockquote, at most 3 past the item's text or the >)")
		case "html":
			hb := o.node.(*ast.HTMLBlock)
			first := p.line(hb.Lines().At(0).Start)
			switch hb.HTMLBlockType {
			case ast.HTMLBlockType2:
				if !hb.HasClosure() {
					return course.Errorf(pos, "this fence is inside the HTML comment that starts at line %d and is never closed by -->, so its block would never run: close the comment", first)
				}
				return course.Errorf(pos, "this fence is inside the HTML comment that starts at line %d, so its block would never run: a block that is not to run says why with norun=\"why\"; one that is not wanted is deleted", first)
			case ast.HTMLBlockType6, ast.HTMLBlockType7:
				return course.Errorf(pos, "this fence is inside the HTML block that starts at line %d (it runs to the next blank line), so it is not read as a fence and its block would never run: put a blank line before the fence", first)
			}
			return course.Errorf(pos, "this fence is inside the HTML block that starts at line %d, so it is not read as a fence and its block would never run: move it out of the HTML block", first)
		}
		if fenceText[0] == '`' && strings.Contains(info, "`") {
			return course.Errorf(pos, "the info string of a ``` fence cannot contain a backtick (CommonMark §4.5), so this line is read as prose and its block would never run: use a ~~~ fence, or remove the backtick")
		}
		if strings.Contains(indent, "\t") {
			return course.Errorf(pos, "this fence is indented with a tab, which counts as 4 columns, so it is not read as a fence and its block would never run: indent it with at most 3 spaces")
		}
		return course.Errorf(pos, "this line looks like the opening fence of a runnable block, but CommonMark does not read it as one, so its block would never run: put the fence on a line of its own, after a blank line")
	}
	return nil
}
