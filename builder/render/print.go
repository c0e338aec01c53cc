package render

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"regexp"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// printPage writes print.html: every chapter on one page, to read or print
// in one go. The chapters' own ids (headings, blocks, charts) repeat from
// chapter to chapter, so each chapter's are prefixed with its anchor, and
// links between chapters become links within the page.
func (w *writer) printPage(pages []*renderedChapter) error {
	anchors := map[string]string{}
	for _, p := range pages {
		anchors[p.Href] = fmt.Sprintf("ch%d", p.Number)
	}
	data := printData{layoutData: w.layout("print", "The whole course — "+w.site.Course.Title)}
	for _, p := range pages {
		r := printRewriter{prefix: anchors[p.Href], self: p.Href, anchors: anchors}
		body, err := r.rewrite(p.body)
		if err != nil {
			return fmt.Errorf("render print.html: %s: %w", p.Href, err)
		}
		data.Chapters = append(data.Chapters, printChapter{link: p.link, ID: r.prefix, Body: template.HTML(body)})
	}
	return w.execute("print.html", "print.html", data)
}

// printRewriter moves one chapter body into print.html.
type printRewriter struct {
	prefix  string            // the chapter's anchor, prefixed to its ids
	self    string            // the chapter's own page
	anchors map[string]string // chapter page → its anchor in print.html
}

// idAttr matches the attributes that hold ids or links in a start tag.
// The renderer always writes attributes with double quotes.
var idAttr = regexp.MustCompile(`\s(id|href|aria-labelledby|aria-describedby)="([^"]*)"`)

// rewrite returns body with ids prefixed, links redirected and headings
// one level down (the chapter title is an h2 in print.html, under the
// course's h1). Only tags change; text is copied byte for byte.
func (r printRewriter) rewrite(body string) (string, error) {
	z := nethtml.NewTokenizer(strings.NewReader(body))
	var out strings.Builder
	out.Grow(len(body) + len(body)/16)
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return out.String(), nil
			}
			return "", z.Err()
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			raw := string(z.Raw())
			name, _ := z.TagName()
			out.WriteString(r.startTag(shiftHeading(raw, name)))
		case nethtml.EndTagToken:
			raw := string(z.Raw())
			name, _ := z.TagName()
			out.WriteString(shiftHeading(raw, name))
		default:
			out.Write(z.Raw())
		}
	}
}

// shiftHeading turns <h2 …> into <h3 …> (and </h2> into </h3>), h1 to h5.
func shiftHeading(raw string, name []byte) string {
	switch atom.Lookup(name) {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5:
		i := strings.IndexAny(raw, "12345")
		return raw[:i] + string(raw[i]+1) + raw[i+1:]
	}
	return raw
}

func (r printRewriter) startTag(raw string) string {
	// Most tags are chroma's <span class="…">: skip the regexp for them.
	if !strings.Contains(raw, `id="`) && !strings.Contains(raw, `href="`) && !strings.Contains(raw, `aria-`) {
		return raw
	}
	return idAttr.ReplaceAllStringFunc(raw, func(m string) string {
		sub := idAttr.FindStringSubmatch(m)
		key, val := sub[1], html.UnescapeString(sub[2])
		switch key {
		case "href":
			val = r.href(val)
		case "id":
			val = r.prefix + "-" + val
		default: // lists of ids
			ids := strings.Fields(val)
			for i := range ids {
				ids[i] = r.prefix + "-" + ids[i]
			}
			val = strings.Join(ids, " ")
		}
		return fmt.Sprintf(` %s="%s"`, key, html.EscapeString(val))
	})
}

// href points links to this chapter or another one at print.html's copy;
// other links (index.html, outside the site) are kept.
func (r printRewriter) href(v string) string {
	page, frag, _ := strings.Cut(v, "#")
	if page == "" {
		page = r.self
	}
	anchor, ok := r.anchors[page]
	switch {
	case !ok:
		return v
	case frag == "":
		return "#" + anchor
	default:
		return "#" + anchor + "-" + frag
	}
}
