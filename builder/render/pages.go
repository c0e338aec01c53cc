package render

import (
	"bytes"
	"fmt"
	"html/template"

	"replcourse/theme"
)

// The types below are the data the theme's templates read; the field names
// are part of the contract documented in theme/templates.

type link struct {
	Number int
	Title  string
	Href   string
}

type tocEntry struct {
	Title    string
	Href     string
	Children []tocEntry
}

type indexChapter struct {
	link
	Sections []tocEntry // the chapter's h2 headings
}

type footer struct {
	Server, Image  string
	Date, DateTime string
}

type layoutData struct {
	Title       string
	CourseTitle string
	Styles      []string
	Scripts     []string
	Footer      footer
}

type indexData struct {
	layoutData
	Chapters []indexChapter
}

type chapterData struct {
	layoutData
	Chapter    link
	TOC        []tocEntry
	Body       template.HTML
	Prev, Next *link
}

func (w *writer) layout(title string) layoutData {
	v := w.site.Verified
	return layoutData{
		Title:       title,
		CourseTitle: w.site.Course.Title,
		Styles:      theme.Stylesheets(),
		Scripts:     theme.Scripts(),
		Footer: footer{
			Server:   orUnknown(v.Server),
			Image:    orUnknown(v.Image),
			Date:     v.BuiltAt.UTC().Format("2006-01-02"),
			DateTime: v.BuiltAt.UTC().Format("2006-01-02T15:04:05Z"),
		},
	}
}

// orUnknown keeps the footer sentence readable when a value is missing,
// rather than printing "against  ()".
func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// chapterLink is the link to the i-th chapter, for the index and pagers.
func (w *writer) chapterLink(i int) link {
	ch := w.site.Course.Chapters[i]
	return link{Number: ch.Number, Title: w.titles[i], Href: pageName(ch)}
}

// chapterPage renders and writes the i-th chapter and returns its entry
// for the index.
func (w *writer) chapterPage(i int) (indexChapter, error) {
	ch := w.site.Course.Chapters[i]
	body, toc, err := w.renderChapter(ch)
	if err != nil {
		return indexChapter{}, err
	}
	self := w.chapterLink(i)
	data := chapterData{
		layoutData: w.layout(fmt.Sprintf("%d. %s — %s", ch.Number, self.Title, w.site.Course.Title)),
		Chapter:    self,
		TOC:        toc,
		Body:       template.HTML(body), // goldmark output: raw HTML is off and code/outputs are escaped
	}
	if i > 0 {
		prev := w.chapterLink(i - 1)
		data.Prev = &prev
	}
	if i+1 < len(w.site.Course.Chapters) {
		next := w.chapterLink(i + 1)
		data.Next = &next
	}
	if err := w.execute(w.chapter, self.Href, data); err != nil {
		return indexChapter{}, err
	}
	ic := indexChapter{link: self}
	for _, e := range toc {
		ic.Sections = append(ic.Sections, tocEntry{Title: e.Title, Href: self.Href + e.Href})
	}
	return ic, nil
}

func (w *writer) indexPage(chapters []indexChapter) error {
	data := indexData{layoutData: w.layout(w.site.Course.Title), Chapters: chapters}
	return w.execute(w.index, "index.html", data)
}

func (w *writer) execute(t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return w.writeFile(name, buf.Bytes())
}
