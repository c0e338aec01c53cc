package render

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
	"replcourse/builder/record"
)

// The versions page shows each version's summary and every block that is
// not the same, its diff escaped and marked, linked to the block; the
// chapter shows a note under such a block, an alternative confirmed by a
// current run as verified, one a stale run confirms as unverified, and a
// stale run's page says it is out of date.
func TestVersionsPageAndNotes(t *testing.T) {
	src := "---\ntitle: One\n---\n\n" +
		"```sql {node=db}\nSELECT 'a';\n```\n\n```output\nseventeen\n```\n\n```output {pg=15}\nfifteen\n```\n\n" +
		"```sql {node=db}\nSELECT 'b';\n```\n\n```output\n<b>\n```\n\n" +
		"```sql {node=db}\nSELECT 'c';\n```\n\n```output\nsame\n```\n"
	c := loadFiles(t, []txtar.File{{Name: "content/01-one.md", Data: []byte(src)}})
	bs := c.Chapters[0].Blocks
	results := map[*course.Block]*course.Result{}
	for _, b := range bs {
		results[b] = &course.Result{Output: b.Expected, Attempts: 1}
	}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	run15 := record.MatrixRun{Version: 15, RanAt: at, Server: "PostgreSQL 15.14", Blocks: []record.MatrixBlock{
		{Status: record.StatusSame, Against: 15, Output: "fifteen\n"},
		{Status: record.StatusDiffers, Diff: "--- expected\n+++ actual\n-<b>\n+<i>\n", Output: "<i>\n"},
		{Status: record.StatusSame},
	}}
	write := func(stale string) (string, string) {
		dir := filepath.Join(t.TempDir(), "public")
		site := &Site{Course: c, Results: results, Verified: Verified{Server: "PostgreSQL 17", Image: "img", BuiltAt: at},
			Matrix: &Matrix{Main: 17, Blocks: bs, Runs: []MatrixRun{{Run: run15, Stale: stale}, {Run: record.MatrixRun{Version: 17, RanAt: at, Blocks: make([]record.MatrixBlock, 3)}}}}}
		for i := range site.Matrix.Runs[1].Run.Blocks {
			site.Matrix.Runs[1].Run.Blocks[i].Status = record.StatusSame
		}
		if _, err := Write(context.Background(), site, dir); err != nil {
			t.Fatal(err)
		}
		page, err := os.ReadFile(filepath.Join(dir, VersionsPage))
		if err != nil {
			t.Fatal(err)
		}
		ch, err := os.ReadFile(filepath.Join(dir, "01-one.html"))
		if err != nil {
			t.Fatal(err)
		}
		return string(page), string(ch)
	}
	page, ch := write("")
	for _, want := range []string{
		`<span class="diff-del">-&lt;b&gt;</span>`, `<span class="diff-add">+&lt;i&gt;</span>`,
		`href="01-one.html#block-17"`, "2 of 3 blocks print the same on every version that ran.",
		"PostgreSQL 17 (main)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("versions.html lacks %q", want)
		}
	}
	if strings.Contains(page, "#block-5\"") {
		t.Error("versions.html lists a block that matched its alternative")
	}
	for _, want := range []string{
		"On PostgreSQL 15 this prints (verified, matrix run 2026-11-30):", "fifteen",
		"On PostgreSQL 15 this prints (matrix run 2026-11-30):", "&lt;i&gt;",
		`href="versions.html"`,
	} {
		if !strings.Contains(ch, want) {
			t.Errorf("chapter lacks %q", want)
		}
	}
	page, ch = write("content/01-one.md:5: this block changed")
	if !strings.Contains(page, "out of date: content/01-one.md:5: this block changed") {
		t.Error("a stale run is not said to be out of date")
	}
	if !strings.Contains(ch, "On PostgreSQL 15 this is expected to print (not verified by a current matrix run):") ||
		strings.Contains(ch, "(verified, matrix run") {
		t.Error("an alternative only a stale run confirms is shown as verified")
	}
	if !strings.Contains(ch, "matrix run 2026-11-30, out of date") {
		t.Error("a difference from a stale run is not labelled out of date")
	}
}
