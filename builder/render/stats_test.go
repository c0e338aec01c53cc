package render

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
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

// diagramState is what a diagram block recorded on a stand of three
// services: pg1 streams to pg2, tools runs no PostgreSQL.
const diagramState = `{"service":"pg1","state":"running","postgres":{"version":"17.6","senders":[{"application":"walreceiver","state":"streaming","sync_state":"async"}]}}
{"service":"pg2","state":"running","postgres":{"version":"17.6","in_recovery":true,"upstream":"pg1","receiver":{"from":"pg1","status":"streaming"}}}
{"service":"tools","state":"running"}
`

func TestDiagramBlock(t *testing.T) {
	c := loadFiles(t, []txtar.File{{Name: "content/01-t.md", Data: []byte("---\ntitle: T\n---\n\n## Stand\n\n```sql {node=pg2}\nSELECT 1;\n```\n\n```output\n1\n```\n\n```diagram\n```\n")}})
	blocks := c.Blocks()
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{
		blocks[0]: {Output: "1\n", Attempts: 1},
		blocks[1]: {Output: diagramState, Attempts: 1},
	}}
	_, files := writeSite(t, s)
	page := files["01-t.html"]
	for _, want := range []string{
		`<figure class="diagram-figure" id="block-15">`, `<svg class="topology topology-wide"`, `aria-labelledby="block-15-wide-t block-15-wide-d"`,
		// Drawn from the state: the services, the flow, the notes.
		`<title id="block-15-wide-t">The stand: pg1, pg2, tools</title>`, `<g class="topo-flow topo-wal">`,
		`← WAL from pg1: streaming, async`, `running, no PostgreSQL server answers`,
		// Colours by first use: pg2 is the block's node, then the
		// diagram's others in their order.
		`<g class="topo-node topo-c2"><rect class="topo-box" x="46" y="48"`, // pg1, drawn first
		`<g class="topo-node topo-c1">`, `<g class="topo-node topo-c3">`,
		`<span class="node node-c1">pg2</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The caption is the chapter's: the builder adds none.
	if strings.Contains(page, "figcaption class=\"diagram-caption") || strings.Contains(page, "failover") {
		t.Error("the diagram has a caption of the builder's")
	}
	if strings.Count(page, `<figure class="block `) != 1 {
		t.Error("the diagram is shown as a code block too")
	}
	// A diagram without a result, or whose result is not a state, is an
	// error naming the block.
	for _, out := range []string{"", "not a state\n"} {
		s.Results[blocks[1]] = &course.Result{Output: out}
		if _, err := Write(context.Background(), s, filepath.Join(t.TempDir(), "public")); err == nil || !strings.Contains(err.Error(), "01-t.md:15") {
			t.Errorf("output %q: error %v, want one at the block", out, err)
		}
	}
	delete(s.Results, blocks[1])
	if _, err := Write(context.Background(), s, filepath.Join(t.TempDir(), "public")); err == nil || !strings.Contains(err.Error(), "01-t.md:15") {
		t.Errorf("no result: error %v, want one at the block", err)
	}
	for _, bad := range []string{"```diagram\nsomething\n```\n", "```diagram {name=topology}\n```\n"} {
		_, err := tryLoad(t, []txtar.File{{Name: "content/01-t.md", Data: []byte("---\ntitle: T\n---\n\n" + bad)}})
		if err == nil || !strings.Contains(err.Error(), "01-t.md:5:") {
			t.Errorf("%q: error %v, want one at line 5", bad, err)
		}
	}
}

// TestNodeColoursByFirstUse checks that badges take the palette's colours
// in the order the course first uses the nodes, whatever their names, and
// that no class names a node.
func TestNodeColoursByFirstUse(t *testing.T) {
	chapter := "---\ntitle: T\n---\n\n"
	var want []string
	for i, n := range []string{"zeta", "alpha", "zeta", "host", "m", "n1", "n2", "n3", "n4", "n5", "n6"} {
		code := fmt.Sprintf("echo %d", i)
		if n == course.Host {
			code = "docker compose up -d"
		}
		chapter += fmt.Sprintf("```sh {node=%s}\n%s\n```\n\n```output\n%d\n```\n\n", n, code, i)
	}
	for i, n := range []string{"zeta", "alpha", "m", "n1", "n2", "n3", "n4", "n5"} {
		want = append(want, fmt.Sprintf(`<span class="node node-c%d">%s</span>`, i+1, n))
	}
	want = append(want, `<span class="node node-c1">n6</span>`, `<span class="node node-host">host</span>`, `<figure class="block run node-c2"`)
	c := loadFiles(t, []txtar.File{{Name: "content/01-t.md", Data: []byte(chapter)}})
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{}}
	for _, b := range c.Blocks() {
		s.Results[b] = &course.Result{Output: "x\n", Attempts: 1}
	}
	_, files := writeSite(t, s)
	for _, w := range want {
		if !strings.Contains(files["01-t.html"], w) {
			t.Errorf("page lacks %s", w)
		}
	}
	if strings.Contains(files["01-t.html"], "node-zeta") || strings.Contains(files["01-t.html"], "node-alpha") {
		t.Error("a class names a node")
	}
}
