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
// contents and its search sections. References in the prose become text
// (see refValues).
func (w *writer) renderChapter(ch *course.Chapter, self link) (*renderedChapter, error) {
	src, refs, err := w.tokenizeProse(ch)
	if err != nil {
		return nil, err
	}
	fr := &fenceRenderer{w: w}
	md := newMarkdown(fr)
	doc := md.Parser().Parse(text.NewReader(src))
	refs.resolveLinks(doc, src)
	if fr.blocks, err = bindBlocks(ch, doc, src); err != nil {
		return nil, err
	}
	ids := idSet{"content": true, "toc-title": true}
	for _, b := range ch.Blocks {
		ids[b.ID()] = true
	}
	rc := &renderedChapter{link: self, toc: headings(doc, src, ids, refs)}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return nil, err
	}
	rc.body = refs.html(buf.String())
	// After rendering: the fence renderer has expanded the blocks' code.
	rc.search = searchSections(doc, src, fr.code, self, refs)
	return rc, nil
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
// the h2 headings, each with the h3 headings under it. Ids and titles
// are made from the text with the references' values.
func headings(doc ast.Node, src []byte, ids idSet, refs *refValues) []tocEntry {
	var toc []tocEntry
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		title := strings.TrimSpace(refs.text(plainText(h, src)))
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
