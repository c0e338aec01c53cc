package render

import (
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strings"

	"golang.org/x/net/html/atom"
)

// printPage writes print.html: every chapter on one page, to read or print
// in one go. The chapters' bodies were rewritten for it as each chapter
// was rendered (see printBody).
func (w *writer) printPage(pages []*renderedChapter) error {
	data := printData{layoutData: w.layout("print", "The whole course — "+w.site.Course.Title)}
	for _, p := range pages {
		data.Chapters = append(data.Chapters, printChapter{link: p.link, ID: w.anchors[p.Href], Body: template.HTML(p.printBody)})
	}
	return w.execute("print.html", "print.html", data)
}

// printAnchor is chapter n's anchor in print.html.
func printAnchor(n int) string { return fmt.Sprintf("ch%d", n) }

// printBody rewrites a chapter's body for print.html. The chapters' own
// ids (headings, blocks, charts) repeat from chapter to chapter, so each
// chapter's are prefixed with its anchor, and links between chapters
// become links within the page.
func (w *writer) printBody(self link, body string) (string, error) {
	r := printRewriter{prefix: w.anchors[self.Href], self: self.Href, anchors: w.anchors}
	out, err := r.rewrite(body)
	if err != nil {
		return "", fmt.Errorf("rewriting for print.html: %w", err)
	}
	return out, nil
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
//
// It scans for tags rather than running an HTML tokenizer, several times
// faster on chroma's thousands of spans: in the HTML the renderer makes,
// every "<" in text and every ">" in an attribute value is escaped
// (goldmark's raw HTML is off), so "<" starts a tag or a comment and the
// next ">" ends it. A test checks the result against x/net/html's
// tokenizer on the real chapters.
func (r printRewriter) rewrite(body string) (string, error) {
	var out strings.Builder
	out.Grow(len(body) + len(body)/16)
	for len(body) > 0 {
		i := strings.IndexByte(body, '<')
		if i < 0 {
			out.WriteString(body)
			break
		}
		out.WriteString(body[:i])
		body = body[i:]
		end := ">"
		if strings.HasPrefix(body, "<!--") {
			end = "-->"
		}
		j := strings.Index(body, end)
		if j < 0 {
			return "", fmt.Errorf("unterminated tag at %.40q", body)
		}
		tag := body[:j+len(end)]
		body = body[j+len(end):]
		switch {
		case end == "-->":
			out.WriteString(tag)
		case strings.HasPrefix(tag, "</"):
			out.WriteString(shiftHeading(tag, tagName(tag[2:])))
		default:
			out.WriteString(r.startTag(shiftHeading(tag, tagName(tag[1:]))))
		}
	}
	return out.String(), nil
}

// tagName is the name at the start of s, lower-cased, as x/net/html reads
// it.
func tagName(s string) []byte {
	n := strings.IndexAny(s, " \t\n\f\r/>")
	if n < 0 {
		n = len(s)
	}
	return []byte(strings.ToLower(s[:n]))
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
