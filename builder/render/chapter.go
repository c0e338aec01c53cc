package render

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"replcourse/builder/course"
)

// newMarkdown returns a goldmark configured for one chapter: fenced code
// blocks go to fr. Raw HTML stays off (goldmark's default), so the body can
// be trusted as template.HTML.
func newMarkdown(fr *fenceRenderer) goldmark.Markdown {
	opts := []goldmark.Option{goldmark.WithExtensions(
		// Alignment as an attribute: a style attribute would be blocked by
		// the pages' Content-Security-Policy.
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.TaskList,
	)}
	if fr != nil {
		opts = append(opts, goldmark.WithRendererOptions(
			renderer.WithNodeRenderers(util.Prioritized(fr, 100)),
		))
	}
	return goldmark.New(opts...)
}

// renderChapter renders the chapter's body and gathers its table of
// contents and its search sections.
func (w *writer) renderChapter(ch *course.Chapter, self link) (*renderedChapter, error) {
	src, err := w.expandProse(ch)
	if err != nil {
		return nil, err
	}
	fr := &fenceRenderer{w: w}
	md := newMarkdown(fr)
	doc := md.Parser().Parse(text.NewReader(src))
	if fr.blocks, err = bindBlocks(ch, doc, src); err != nil {
		return nil, err
	}
	ids := idSet{"content": true, "toc-title": true}
	for _, b := range ch.Blocks {
		ids[b.ID()] = true
	}
	rc := &renderedChapter{link: self, toc: headings(doc, src, ids)}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return nil, err
	}
	rc.body = buf.String()
	// After rendering: the fence renderer has expanded the blocks' code.
	rc.search = searchSections(doc, src, fr.code, self)
	return rc, nil
}

// expandProse runs Expand over every line of the chapter body except the
// contents of fenced blocks. Those are left alone: code is taken from the
// loaded Block (and expanded there, with its own line numbers), and output
// blocks hold placeholders that are never shown. Going line by line keeps
// the line number for error messages, whatever Expand does to lengths.
func (w *writer) expandProse(ch *course.Chapter) ([]byte, error) {
	if !bytes.Contains(ch.Body, []byte("{{@")) {
		return ch.Body, nil // no reference: nothing to expand, no need to find the code
	}
	code := fencedLines(ch.Body)
	var out strings.Builder
	for i, line := range strings.SplitAfter(string(ch.Body), "\n") {
		if code[i] {
			out.WriteString(line)
			continue
		}
		x, err := w.expand(line)
		if err != nil {
			return nil, course.Errorf(course.Pos{File: ch.File, Line: i + 1}, "%v", err)
		}
		out.WriteString(x)
	}
	return []byte(out.String()), nil
}

// fencedLines returns the 0-based numbers of the lines that are content of
// a fenced code block in src.
func fencedLines(src []byte) map[int]bool {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	lineOf := func(off int) int {
		return sort.Search(len(starts), func(i int) bool { return starts[i] > off }) - 1
	}
	lines := map[int]bool{}
	doc := newMarkdown(nil).Parser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if fb, ok := n.(*ast.FencedCodeBlock); ok && entering {
			for i := 0; i < fb.Lines().Len(); i++ {
				lines[lineOf(fb.Lines().At(i).Start)] = true
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return lines
}

// idSet is the ids already used on one page.
type idSet map[string]bool

// unique returns base, or base-2, base-3… if that is taken, and claims it.
func (ids idSet) unique(base string) string {
	if base == "" {
		base = "section"
	}
	id := base
	for n := 2; ids[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	ids[id] = true
	return id
}

// slugify makes an anchor from heading text: lower-case letters and digits,
// every other run of characters one hyphen. Being derived from the text
// alone, anchors stay the same from build to build.
func slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
			continue
		}
		hyphen = true
	}
	return b.String()
}

// headings gives every heading an id and returns the table of contents:
// the h2 headings, each with the h3 headings under it.
func headings(doc ast.Node, src []byte, ids idSet) []tocEntry {
	var toc []tocEntry
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		title := strings.TrimSpace(plainText(h, src))
		id := ids.unique(slugify(title))
		h.SetAttributeString("id", []byte(id))
		e := tocEntry{Title: title, Href: "#" + id}
		switch {
		case h.Level == 2 || (h.Level == 3 && len(toc) == 0):
			toc = append(toc, e)
		case h.Level == 3:
			last := &toc[len(toc)-1]
			last.Children = append(last.Children, e)
		}
		return ast.WalkSkipChildren, nil
	})
	return toc
}

// plainText is the text a reader sees in an inline container, without
// markup: escapes and entities resolved, code spans verbatim.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.String:
			b.Write(t.Value)
		case *ast.Text:
			v := t.Segment.Value(src)
			if _, code := t.Parent().(*ast.CodeSpan); !code {
				v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
			}
			b.Write(v)
			if t.SoftLineBreak() {
				b.WriteByte(' ')
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
