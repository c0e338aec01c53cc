package render

import (
	"context"
	"errors"
	"html"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
)

// markupValues are captured values that read as Markdown or HTML.
var markupValues = map[string]string{
	"script": "<script>alert(1)</script>",
	"image":  "![x](http://example.com/x.png)",
	"em":     "*not emphasis* & __not strong__",
	"link":   "[a link](http://example.com/)",
	"js":     "javascript:alert(1)",
	"code":   "`tick` \\* &amp;",
}

// refsChapter uses each value in its title and in prose: a paragraph, a heading, link
// text, a link title, an image's alt text, a table cell, a code span, a
// list item, a quote, an autolink and a link destination.
const refsChapter = `---
title: Values {{@script}}
---

Paragraph: {{@script}} and {{@image}}.

## Heading {{@em}}

See [text {{@link}}](http://example.com/ "title {{@script}}") and ![alt {{@script}}](x.png).

| cell |
|------|
| {{@em}} |

Inline ` + "`{{@code}}`" + ` and <http://example.com/?q={{@em}}>.

- item {{@image}}

> quote {{@link}}

[bad]({{@js}})
`

func refsSite(t *testing.T) *Site {
	t.Helper()
	c := loadFiles(t, []txtar.File{{Name: "content/01-values.md", Data: []byte(refsChapter)}})
	return &Site{Course: c, Expand: expander(markupValues)}
}

// TestReferencesAreText: a captured value is shown as the text it is,
// wherever the prose puts it, never read as Markdown or HTML.
func TestReferencesAreText(t *testing.T) {
	_, files := writeSite(t, refsSite(t))
	page := files["01-values.html"]
	esc := html.EscapeString
	for _, want := range []string{
		"<p>Paragraph: " + esc(markupValues["script"]) + " and " + esc(markupValues["image"]) + ".</p>",
		`<h2 id="heading-not-emphasis-not-strong">Heading ` + esc(markupValues["em"]) + "</h2>",
		`<a href="http://example.com/" title="title ` + esc(markupValues["script"]) + `">text ` + esc(markupValues["link"]) + "</a>",
		`<img src="x.png" alt="alt ` + esc(markupValues["script"]) + `">`,
		"<td>" + esc(markupValues["em"]) + "</td>",
		"<code>" + esc(markupValues["code"]) + "</code>",
		">http://example.com/?q=" + esc(markupValues["em"]) + "</a>",
		"<li>item " + esc(markupValues["image"]) + "</li>",
		"quote " + esc(markupValues["link"]),
		`<a href="#heading-not-emphasis-not-strong">Heading ` + esc(markupValues["em"]) + "</a>", // the contents
		"Values " + esc(markupValues["script"]) + "</h1>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"raw HTML omitted", "<script>", `<img src="http://example.com/x.png"`, "<em>not", "<strong>", `href="http://example.com/">a link`, "javascript:", "\uFDD0"} {
		if strings.Contains(page, bad) {
			t.Errorf("page has %q", bad)
		}
	}
	// The whole-course page shows the same text.
	if p := files["print.html"]; !strings.Contains(p, "<p>Paragraph: "+esc(markupValues["script"])) || strings.Contains(p, "raw HTML omitted") {
		t.Error("print.html does not show the value as text")
	}
	// The search index holds the values as they are.
	var text, title string
	for _, s := range readSearchIndex(t, files).Sections {
		text += s.Text + "\n"
		title += s.Title + "\n"
	}
	for _, v := range []string{markupValues["script"], markupValues["image"], markupValues["link"], markupValues["code"]} {
		if !strings.Contains(text, v) {
			t.Errorf("search text lacks %q: %q", v, text)
		}
	}
	if !strings.Contains(title, "Heading "+markupValues["em"]) {
		t.Errorf("search titles lack the heading's value: %q", title)
	}
}

// TestOutputsKeepTokenCharacters: an output holding the characters
// references are spelt with is shown as printed, not taken for a
// reference.
func TestOutputsKeepTokenCharacters(t *testing.T) {
	chapter := "---\ntitle: T\n---\n\nValue {{@em}}.\n\n```sql {node=primary}\nSELECT 1;\n```\n\n```output\nx\n```\n"
	c := loadFiles(t, []txtar.File{{Name: "content/01-t.md", Data: []byte(chapter)}})
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{}, Expand: expander(markupValues)}
	printed := "a \uFDD0\uFDE0\uFDD1 b"
	s.Results[c.Blocks()[0]] = &course.Result{Output: printed + "\n"}
	_, files := writeSite(t, s)
	if !strings.Contains(files["01-t.html"], "a &#xFDD0;\uFDE0\uFDD1 b") {
		t.Error("the output's characters were not kept")
	}
	if !strings.Contains(files["01-t.html"], "Value "+html.EscapeString(markupValues["em"])) {
		t.Error("the reference was not replaced")
	}
}

// TestTokenCharactersInProseAreAnError: prose that uses references may
// not hold the characters their tokens are spelt with.
func TestTokenCharactersInProseAreAnError(t *testing.T) {
	chapter := "---\ntitle: T\n---\n\nValue {{@em}}.\n\nOdd \uFDD1 character.\n"
	c := loadFiles(t, []txtar.File{{Name: "content/01-t.md", Data: []byte(chapter)}})
	_, err := Write(context.Background(), &Site{Course: c, Expand: expander(markupValues)}, filepath.Join(t.TempDir(), "public"))
	var ce *course.Error
	if !errors.As(err, &ce) || ce.Pos.Line != 7 {
		t.Fatalf("error %v, want one at line 7", err)
	}
}
