package theme

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// layout is the data every page template reads; the renderer passes
// structs with these fields, maps are enough to execute the templates.
func layout() map[string]any {
	return map[string]any{
		"Title": "T", "CourseTitle": "Course <&>",
		"Styles": Stylesheets(), "Scripts": Scripts(),
		"Footer": map[string]any{"Server": "PostgreSQL 17.5", "Image": "img", "Date": "2025-03-04", "DateTime": "2025-03-04T00:00:00Z"},
	}
}

func execute(t *testing.T, name string, extra map[string]any) string {
	t.Helper()
	tmpl, err := Page(name)
	if err != nil {
		t.Fatal(err)
	}
	data := layout()
	for k, v := range extra {
		data[k] = v
	}
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, "layout", data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPagesExecute(t *testing.T) {
	link := map[string]any{"Number": 2, "Title": "Next <one>", "Href": "02-b.html"}
	pages := map[string]string{
		"index.html": execute(t, "index.html", map[string]any{"Chapters": []map[string]any{
			{"Number": 1, "Title": "A", "Href": "01-a.html", "Sections": []map[string]any{{"Title": "S", "Href": "01-a.html#s"}}},
		}}),
		"print.html": execute(t, "print.html", map[string]any{"Page": "print", "Chapters": []map[string]any{
			{"Number": 1, "Title": "A <b>", "ID": "ch1", "Body": "<p>escaped</p>"},
		}}),
		"chapter.html": execute(t, "chapter.html", map[string]any{
			"Chapter": map[string]any{"Number": 1, "Title": "A"},
			"TOC":     []map[string]any{{"Title": "S", "Href": "#s", "Children": []map[string]any{{"Title": "U", "Href": "#u"}}}},
			"Body":    "<p>escaped, since only the renderer marks HTML safe</p>",
			"Prev":    nil, "Next": link,
		}),
	}
	csp := `content="default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; base-uri 'none'; form-action 'none'"`
	for name, out := range pages {
		for _, want := range []string{
			csp, `<link rel="stylesheet" href="assets/chroma.css">`, `<script src="assets/site.js" defer></script>`,
			`Course &lt;&amp;&gt;`, `Outputs verified against PostgreSQL 17.5 (img) on <time datetime="2025-03-04T00:00:00Z">2025-03-04</time>`,
			`<main id="content"`, `href="index.html"`, `href="print.html"`,
			`<script src="assets/search.js" defer></script>`,
			`<header class="site-head">`, `<nav class="site-nav" aria-label="Site">`, `<footer class="site-foot">`,
			// Search needs JavaScript: the form is hidden until search.js shows it.
			`<form class="search" role="search" aria-label="Search the course" hidden>`,
			`<label class="visually-hidden" for="search-input">`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if regexp.MustCompile(`<script>|\son[a-z]+=|\sstyle=|<style|https?://`).MatchString(out) {
			t.Errorf("%s has inline script/style or an external reference", name)
		}
	}
	ch := pages["chapter.html"]
	for _, want := range []string{`rel="next" href="02-b.html"`, `Next &lt;one&gt;`, `<a href="#u">U</a>`, `&lt;p&gt;escaped`} {
		if !strings.Contains(ch, want) {
			t.Errorf("chapter.html lacks %s", want)
		}
	}
	if strings.Contains(ch, `rel="prev"`) {
		t.Error("prev link on a first chapter")
	}
	pr := pages["print.html"]
	for _, want := range []string{`<article class="print-chapter" id="ch1">`, `href="#ch1"`, `A &lt;b&gt;`, `Whole course</a>`, `aria-current="page"`} {
		if !strings.Contains(pr, want) {
			t.Errorf("print.html lacks %s", want)
		}
	}
	for name, out := range pages {
		if n := strings.Count(out, "<h1"); n != 1 {
			t.Errorf("%s has %d h1", name, n)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	static := Static()
	for _, name := range []string{"site.css", "site.js", "search.js", "favicon.svg"} {
		if _, err := fs.Stat(static, name); err != nil {
			t.Error(err)
		}
	}
	css, err := fs.ReadFile(static, "site.css")
	if err != nil {
		t.Fatal(err)
	}
	// The classes the renderer emits (see the package comment).
	for _, sel := range []string{
		"@media screen and (prefers-color-scheme: dark)", "@media print", ".block", ".block-head", ".node.node-c1", ".node.node-host", ".output-label", ".output.nocompare", ".block.norun",
		".status.norun", ".path", ".output-empty", ".toc", ".pager", "--measure: 70ch",
		":focus-visible", ".search-results", "mark {", ".print-chapter", ".topology-wide", ".topology-narrow",
		".topo-c1 .topo-box", ".topo-down", ".topo-line", ".chart-line", "break-before: page", "white-space: pre-wrap",
	} {
		if !strings.Contains(string(css), sel) {
			t.Errorf("site.css lacks %s", sel)
		}
	}
	err = fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".svg") {
			return err
		}
		data, err := fs.ReadFile(static, path)
		if regexp.MustCompile(`https?://|url\(|@import|fetch\(|XMLHttpRequest`).Match(data) {
			t.Errorf("%s may load something from elsewhere", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFS(t *testing.T) {
	for _, name := range []string{"templates/layout.html", "templates/index.html", "templates/chapter.html", "static/site.css"} {
		if _, err := fs.Stat(FS(), name); err != nil {
			t.Error(err)
		}
	}
	if s := Stylesheets(); s[0] != ChromaCSS {
		t.Errorf("chroma.css must load first so site.css overrides its backgrounds: %v", s)
	}
}
