package render

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"replcourse/builder/course"
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

type printChapter struct {
	link
	ID   string        // the chapter's anchor in print.html
	Body template.HTML // the chapter body with ids made unique in the page
}

type footer struct {
	Server, Image  string
	Date, DateTime string
}

type layoutData struct {
	Page        string // index, chapter or print: the body's class
	Title       string
	CourseTitle string
	Styles      []string
	Scripts     []string
	Footer      footer
	Versions    bool // the site has the PostgreSQL versions page
}

type indexData struct {
	layoutData
	Description string // the course's, from its configuration; may be ""
	Chapters    []indexChapter
}

type chapterData struct {
	layoutData
	Chapter    link
	TOC        []tocEntry
	Body       template.HTML
	Prev, Next *link
}

type printData struct {
	layoutData
	Chapters []printChapter
}

// renderedChapter is one chapter as written to its page, kept for the
// files written once every chapter is done: the index, print.html and the
// search index.
type renderedChapter struct {
	link
	toc       []tocEntry
	body      string
	printBody string // body as print.html shows it
	search    []searchSection
}

// writer holds what one Write needs across pages. It lives for one call,
// so nothing is shared between builds but the Site's Cache.
type writer struct {
	ctx     context.Context // the build's; checked before each chapter and block
	site    *Site
	dir     string
	expand  func(string) (string, error)
	hl      *highlighter
	titles  []string          // chapter titles after Expand, in course order
	anchors map[string]string // chapter page → its anchor in print.html
	pages   map[string]*template.Template
	palette palette // each node's colour

	// Which blocks capture which values (capturer), found once.
	capturesOnce sync.Once
	order        map[*course.Block]int      // course order
	capturedBy   map[string][]*course.Block // by name, in course order
}

func newWriter(ctx context.Context, s *Site, dir string) (*writer, error) {
	w := &writer{ctx: ctx, site: s, dir: dir, expand: s.Expand, hl: newHighlighter(s.Cache), anchors: map[string]string{}, pages: map[string]*template.Template{}}
	if w.expand == nil {
		w.expand = func(t string) (string, error) { return t, nil }
	}
	w.palette = newPalette(s)
	for _, name := range []string{"index.html", "chapter.html", "print.html", VersionsPage} {
		t, err := theme.Page(name)
		if err != nil {
			return nil, fmt.Errorf("render: theme: %w", err)
		}
		w.pages[name] = t
	}
	// Titles are needed before any page is written: each page links its
	// neighbours by title.
	for _, ch := range s.Course.Chapters {
		t, err := w.expand(ch.Title)
		if err != nil {
			return nil, course.Errorf(course.Pos{File: ch.File, Line: 2}, "title: %v", err)
		}
		w.titles = append(w.titles, t)
		w.anchors[pageName(ch)] = printAnchor(ch.Number)
	}
	return w, nil
}

// pageName is the file of chapter ch, relative to the site root.
func pageName(ch *course.Chapter) string {
	return fmt.Sprintf("%02d-%s.html", ch.Number, ch.Slug)
}

// create makes the file name, relative to the site root, for writing.
func (w *writer) create(name string) (*os.File, error) {
	path := filepath.Join(w.dir, filepath.FromSlash(name))
	if strings.Contains(name, "/") {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return f, nil
}

func (w *writer) writeFile(name string, data []byte) error {
	f, err := w.create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return closeFile(f, err)
}

// closeFile closes f and returns the first error: a failed close can be
// the only sign that the data did not reach the disk.
func closeFile(f *os.File, err error) error {
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// assets copies the theme's static files into assets/ and adds the
// highlighting stylesheet generated from the theme's chroma styles.
func (w *writer) assets() error {
	static := theme.Static()
	err := fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		return w.writeFile("assets/"+path, data)
	})
	if err != nil {
		return fmt.Errorf("render: theme assets: %w", err)
	}
	css, err := w.hl.css(theme.LightStyle, theme.DarkStyle)
	if err != nil {
		return fmt.Errorf("render: highlighting styles: %w", err)
	}
	return w.writeFile(theme.ChromaCSS, css)
}

func (w *writer) layout(page, title string) layoutData {
	v := w.site.Verified
	return layoutData{
		Page:        page,
		Title:       title,
		CourseTitle: w.site.Course.Title,
		Styles:      theme.Stylesheets(),
		Scripts:     theme.Scripts(),
		Versions:    w.site.Matrix != nil,
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

// chapterPages renders and writes every chapter page, several at a time:
// highlighting and Markdown rendering are CPU-bound and chapters do not
// depend on each other. The result is in course order; of several
// failures, the first chapter's is reported, as a sequential build would.
// Once w.ctx is cancelled no chapter is started and ctx.Err() is returned.
func (w *writer) chapterPages() ([]*renderedChapter, error) {
	n := len(w.site.Course.Chapters)
	out := make([]*renderedChapter, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if errs[i] = w.ctx.Err(); errs[i] != nil {
					return
				}
				out[i], errs[i] = w.chapterPage(i)
			}
		})
	}
	wg.Wait()
	if err := w.ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", w.site.Course.Chapters[i].File, err)
		}
	}
	return out, nil
}

// chapterPage renders and writes the i-th chapter.
func (w *writer) chapterPage(i int) (*renderedChapter, error) {
	ch := w.site.Course.Chapters[i]
	self := w.chapterLink(i)
	rc, err := w.renderChapter(ch, self)
	if err != nil {
		return nil, err
	}
	if rc.printBody, err = w.printBody(self, rc.body); err != nil {
		return nil, err
	}
	data := chapterData{
		layoutData: w.layout("chapter", fmt.Sprintf("%d. %s — %s", ch.Number, self.Title, w.site.Course.Title)),
		Chapter:    self,
		TOC:        rc.toc,
		Body:       template.HTML(rc.body), // goldmark output: raw HTML is off and code/outputs are escaped
	}
	if i > 0 {
		prev := w.chapterLink(i - 1)
		data.Prev = &prev
	}
	if i+1 < len(w.site.Course.Chapters) {
		next := w.chapterLink(i + 1)
		data.Next = &next
	}
	if err := w.execute("chapter.html", self.Href, data); err != nil {
		return nil, err
	}
	rc.body = "" // written; print.html has its own copy, and 1,000 chapters are a lot of memory
	return rc, nil
}

func (w *writer) indexPage(pages []*renderedChapter) error {
	data := indexData{layoutData: w.layout("index", w.site.Course.Title), Description: w.site.Course.Description}
	for _, p := range pages {
		ic := indexChapter{link: p.link}
		for _, e := range p.toc {
			ic.Sections = append(ic.Sections, tocEntry{Title: e.Title, Href: p.Href + e.Href})
		}
		data.Chapters = append(data.Chapters, ic)
	}
	return w.execute("index.html", "index.html", data)
}

// execute runs the page template name and writes the result to file.
// execute runs the page template name straight into file: print.html
// holds the whole course, and need not be held in memory once more. A
// failure leaves a partial file, but in the new site's directory, which
// Write then removes.
func (w *writer) execute(name, file string, data any) error {
	f, err := w.create(file)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := w.pages[name].ExecuteTemplate(bw, "layout", data); err != nil {
		f.Close()
		return fmt.Errorf("render %s: %w", file, err)
	}
	return closeFile(f, bw.Flush())
}
