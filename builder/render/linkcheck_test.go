package render

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// page is what the link checker needs from one HTML file.
type page struct {
	ids   map[string]bool
	links []ref // every href and src
}

type ref struct {
	tag, attr, value string
}

func parsePage(name, src string, problems *[]string) page {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s: %v", name, err))
		return page{}
	}
	p := page{ids: map[string]bool{}}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				switch a.Key {
				case "id":
					if p.ids[a.Val] {
						*problems = append(*problems, fmt.Sprintf("%s: duplicate id %q", name, a.Val))
					}
					p.ids[a.Val] = true
				case "href", "src":
					p.links = append(p.links, ref{n.Data, a.Key, a.Val})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return p
}

// linkProblems lists every internal link or #anchor that does not resolve
// within files, every absolute or root-relative internal link, and every
// asset loaded from the network. Links to other sites in prose are fine.
func linkProblems(files map[string]string) []string {
	var problems []string
	pages := map[string]page{}
	for name, src := range files {
		if strings.HasSuffix(name, ".html") {
			pages[name] = parsePage(name, src, &problems)
		}
	}
	for name, p := range pages {
		for _, l := range p.links {
			if msg := checkLink(files, pages, name, l); msg != "" {
				problems = append(problems, fmt.Sprintf("%s: <%s %s=%q>: %s", name, l.tag, l.attr, l.value, msg))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func checkLink(files map[string]string, pages map[string]page, from string, l ref) string {
	u, err := url.Parse(l.value)
	switch {
	case err != nil:
		return err.Error()
	case u.Scheme != "" || u.Host != "":
		if l.tag != "a" {
			return "loads from outside the site"
		}
		return ""
	case strings.HasPrefix(u.Path, "/"):
		return "root-relative; the site must work from file://"
	}
	target := from
	if u.Path != "" {
		target = path.Join(path.Dir(from), u.Path)
	}
	if _, ok := files[target]; !ok {
		return "no file " + target
	}
	if l.tag == "a" && u.Path != "" && !strings.HasSuffix(u.Path, ".html") {
		return "page link does not end in .html"
	}
	if u.Fragment != "" && !pages[target].ids[u.Fragment] {
		return fmt.Sprintf("no id %q in %s", u.Fragment, target)
	}
	return ""
}

func TestLinkCheckerFindsBrokenLinks(t *testing.T) {
	files := map[string]string{
		"index.html": `<p id="x"><a href="a.html#nope">1</a><a href="missing.html">2</a><a href="#x">ok</a>` +
			`<a href="/a.html">3</a><a href="a.html#y">ok</a><a href="https://example.org/">ok</a>` +
			`<link href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script><a href="assets">4</a>`,
		"a.html": `<h2 id="y">Y</h2><h2 id="y">dup</h2>`,
		"assets": "",
	}
	want := []string{
		`a.html: duplicate id "y"`,
		`index.html: <a href="/a.html">: root-relative; the site must work from file://`,
		`index.html: <a href="a.html#nope">: no id "nope" in a.html`,
		`index.html: <a href="assets">: page link does not end in .html`,
		`index.html: <a href="missing.html">: no file missing.html`,
		`index.html: <link href="https://cdn.example/x.css">: loads from outside the site`,
		`index.html: <script src="//cdn.example/x.js">: loads from outside the site`,
	}
	if got := linkProblems(files); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
