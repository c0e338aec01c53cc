package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
)

// readSearchIndex decodes assets/search-index.js of a written site.
func readSearchIndex(t testing.TB, files map[string]string) searchIndexData {
	t.Helper()
	src, ok := files[searchIndexFile]
	if !ok {
		t.Fatalf("no %s", searchIndexFile)
	}
	const head = "window.COURSE_SEARCH_INDEX = "
	i := strings.Index(src, head)
	if i < 0 || !strings.HasSuffix(src, ";\n") {
		t.Fatalf("%s is not an assignment of the index: %.120s", searchIndexFile, src)
	}
	var data searchIndexData
	if err := json.Unmarshal([]byte(src[i+len(head):len(src)-2]), &data); err != nil {
		t.Fatalf("%s: %v", searchIndexFile, err)
	}
	return data
}

// searchLinkProblems checks every search result's link as if it were on
// a page of the site: search.js puts them in every page's header.
func searchLinkProblems(t testing.TB, files map[string]string) []string {
	data := readSearchIndex(t, files)
	pages := map[string]page{}
	var problems []string
	for name, src := range files {
		if strings.HasSuffix(name, ".html") {
			pages[name] = parsePage(name, src, &problems)
		}
	}
	for _, s := range data.Sections {
		if msg := checkLink(files, pages, "index.html", ref{"a", "href", s.Href}); msg != "" {
			problems = append(problems, fmt.Sprintf("search result %q: %s: %s", s.Title, s.Href, msg))
		}
		if s.Chapter < 0 || s.Chapter >= len(data.Chapters) {
			problems = append(problems, fmt.Sprintf("search result %q: no chapter %d", s.Title, s.Chapter))
		}
	}
	if len(data.Sections) == 0 {
		problems = append(problems, "the search index is empty")
	}
	return problems
}

func TestSearchIndex(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	for _, p := range searchLinkProblems(t, files) {
		t.Error(p)
	}
	data := readSearchIndex(t, files)
	if want := []string{"1. Setting up the stand", "2. The replica & its lag", "3. Failover"}; strings.Join(data.Chapters, "|") != strings.Join(want, "|") {
		t.Errorf("chapters %q, want %q", data.Chapters, want)
	}
	byHref := map[string]searchSection{}
	for _, s := range data.Sections {
		byHref[s.Href] = s
	}
	for href, want := range map[string]struct{ title, text string }{
		"01-setup.html":                        {"Setting up the stand", "The primary starts at LSN 0/3000148."},
		"01-setup.html#start-the-stand":        {"Start the stand", "docker compose up -d"},
		"01-setup.html#a-failing-query":        {"A failing query", "SELECT * FROM missing;"},
		"01-setup.html#check-the-primary-2":    {"Check the primary", "plain display text <b>not bold</b>"},
		"02-replica.html#watch-the-replica":    {"Watch the replica", "pg_last_wal_replay_lsn() >= '0/3000148'"},
		"02-replica.html#configuration":        {"Configuration", "Outputs are data, whatever they contain: SELECT '<script>"},
		"03-failover.html#promote-the-replica": {"Promote the replica", "SELECT pg_promote();"},
	} {
		s, ok := byHref[href]
		if !ok {
			t.Errorf("no search section %s", href)
			continue
		}
		if s.Title != want.title || !strings.Contains(s.Text, want.text) {
			t.Errorf("%s: %q / %q, want title %q and text with %q", href, s.Title, s.Text, want.title, want.text)
		}
	}
	// Outputs are not indexed, and the file is a script a </script> in the
	// text cannot end.
	src := files[searchIndexFile]
	if strings.Contains(src, "relation \\\"missing\\\"") || strings.Contains(src, "pg_promote\\n") {
		t.Error("outputs in the search index")
	}
	if strings.Contains(src, "<") {
		t.Error("a raw < in the search index script")
	}
}

// TestSearchIndexHasNestedCode: code blocks count wherever they are: in a
// list item, in a quote, in a nested list, indented or fenced.
func TestSearchIndexHasNestedCode(t *testing.T) {
	chapter := "---\ntitle: Nested\n---\n\n## Steps\n\n" +
		"1. Look:\n\n   ```sql {node=primary nocompare=\"x\"}\n   SELECT fenced_in_list;\n   ```\n\n" +
		"   - deeper:\n\n     ```text\n     fenced_in_nested_list\n     ```\n\n" +
		"> Quoted:\n>\n> ```yaml\n> fenced_in_quote: 1\n> ```\n>\n>     indented_in_quote\n\n" +
		"Top level:\n\n    indented_at_top\n"
	c := loadFiles(t, []txtar.File{{Name: "content/01-nested.md", Data: []byte(chapter)}})
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{}}
	for _, b := range c.Blocks() {
		if b.Run {
			s.Results[b] = &course.Result{Output: "x\n"}
		}
	}
	_, files := writeSite(t, s)
	var text string
	for _, sec := range readSearchIndex(t, files).Sections {
		if sec.Href == "01-nested.html#steps" {
			text = sec.Text
		}
	}
	for _, want := range []string{"Look:", "SELECT fenced_in_list;", "deeper:", "fenced_in_nested_list", "Quoted:", "fenced_in_quote: 1", "indented_in_quote", "Top level:", "indented_at_top"} {
		if !strings.Contains(text, want) {
			t.Errorf("the section's search text lacks %q: %q", want, text)
		}
	}
}
