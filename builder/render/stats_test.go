package render

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

func TestStatsAndCache(t *testing.T) {
	s := testSite(t)
	s.Cache = NewCache()
	public := filepath.Join(t.TempDir(), "public")
	first, err := Write(context.Background(), s, public)
	if err != nil {
		t.Fatal(err)
	}
	files := readSite(t, public)
	if first.Pages != 5 || first.SearchIndexBytes != len(files[searchIndexFile]) {
		t.Errorf("stats %+v: want 5 pages and the index's %d bytes", first, len(files[searchIndexFile]))
	}
	if first.Highlighted == 0 || first.CacheHits != 0 {
		t.Errorf("first build: %d highlighted, %d from the cache", first.Highlighted, first.CacheHits)
	}
	held := s.Cache.Len()
	again, err := Write(context.Background(), s, public)
	if err != nil {
		t.Fatal(err)
	}
	if again.Highlighted != 0 || again.CacheHits != first.Highlighted {
		t.Errorf("rebuild: %d highlighted, %d from the cache; want 0 and %d", again.Highlighted, again.CacheHits, first.Highlighted)
	}
	for name, data := range readSite(t, public) {
		if files[name] != data {
			t.Errorf("%s differs between two builds of the same course", name)
		}
	}
	// One block changes: only it is highlighted, and the cache forgets
	// the old code.
	b := s.Course.Chapters[2].Blocks[0]
	b.Code = strings.Replace(b.Code, "pg_promote()", "pg_promote(true)", 1)
	third, err := Write(context.Background(), s, public)
	if err != nil {
		t.Fatal(err)
	}
	if third.Highlighted != 1 || s.Cache.Len() != held {
		t.Errorf("after one change: %d highlighted (want 1), cache holds %d (want %d)", third.Highlighted, s.Cache.Len(), held)
	}
}

// TestFirstFailingChapterReported: chapters render in parallel, but the
// error is the one a sequential build would meet first.
func TestFirstFailingChapterReported(t *testing.T) {
	s := testSite(t)
	for _, ch := range s.Course.Chapters[1:] {
		for _, b := range ch.Blocks {
			delete(s.Results, b)
		}
	}
	for range 5 {
		_, err := Write(context.Background(), s, filepath.Join(t.TempDir(), "public"))
		if err == nil || !strings.Contains(err.Error(), "02-replica.md") {
			t.Fatalf("error %v, want chapter 2's", err)
		}
	}
}

func TestDiagramBlock(t *testing.T) {
	c := loadFiles(t, []txtar.File{{Name: "content/01-t.md", Data: []byte("---\ntitle: T\n---\n\n## Stand\n\n```diagram\n```\n")}})
	_, files := writeSite(t, &Site{Course: c})
	page := files["01-t.html"]
	for _, want := range []string{`<figure class="diagram-figure" id="block-7">`, `<svg class="topology topology-wide"`, `aria-labelledby="block-7-wide-t block-7-wide-d"`, `<figcaption class="diagram-caption">`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, `class="block`) {
		t.Error("the diagram is shown as a code block too")
	}
	for _, bad := range []string{"```diagram\nsomething\n```\n", "```diagram {name=topology}\n```\n"} {
		_, err := tryLoad(t, []txtar.File{{Name: "content/01-t.md", Data: []byte("---\ntitle: T\n---\n\n" + bad)}})
		if err == nil || !strings.Contains(err.Error(), "01-t.md:5:") {
			t.Errorf("%q: error %v, want one at line 5", bad, err)
		}
	}
}
