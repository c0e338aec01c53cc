package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
)

// writeArchive lays out a txtar archive (content/… and stand/… files) in a
// temporary directory and returns it.
func writeArchive(t *testing.T, a *txtar.Archive) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range a.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestErrors loads each testdata/errors/*.txtar mini-course; its comment
// holds the one error expected, as "file:line: message" with the file
// relative to the archive.
func TestErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.txtar")
	if len(files) == 0 {
		t.Fatal("no test archives")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := writeArchive(t, a)
			_, err = Dir(filepath.Join(dir, "content"), filepath.Join(dir, "stand"))
			if err == nil {
				t.Fatal("loaded without error")
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			want := strings.TrimSpace(string(a.Comment))
			if got != want {
				t.Errorf("error\n got: %s\nwant: %s", got, want)
			}
			if _, ok := err.(*course.Error); !ok {
				t.Errorf("error is %T, want *course.Error", err)
			}
		})
	}
}

func TestGoodChapter(t *testing.T) {
	a := txtar.Parse([]byte(`
-- content/01-a.md --
---
title: First
---
# Heading

` + "```sql {node=primary}" + `
SELECT 1;
` + "```" + `

` + "```output" + `
 ?column? 
----------
        1
(1 row)
` + "```" + `

` + "```yaml {file=compose.yaml}" + `
` + "```" + `

` + "```sh {node=replica nocompare=\"timing varies\" timeout=5s}" + `
date
` + "```" + `

` + "```sh {norun=\"for readers only\"}" + `
rm -rf /
` + "```" + `

` + "```sh {node=host}" + `
docker compose up -d
docker compose --profile logical up -d subscriber
` + "```" + `

` + "```output" + `
primary  healthy
` + "```" + `

` + "```text" + `
plain
` + "```" + `
-- stand/compose.yaml --
services: {}
`))
	dir := writeArchive(t, a)
	c, err := Dir(filepath.Join(dir, "content"), filepath.Join(dir, "stand"))
	if err != nil {
		t.Fatal(err)
	}
	bs := c.Blocks()
	if len(bs) != 6 {
		t.Fatalf("got %d blocks, want 6", len(bs))
	}
	sql := bs[0]
	if sql.Pos.Line != 6 || sql.Node != "primary" || !sql.Run || sql.Code != "SELECT 1;\n" {
		t.Errorf("sql block: %+v", sql)
	}
	if !sql.HasExpected || sql.ExpectedPos.Line != 10 || !strings.HasPrefix(sql.Expected, " ?column?") {
		t.Errorf("sql expected: %+v", sql)
	}
	if got := string(c.Chapters[0].Source[sql.ExpectedSpan[0]:sql.ExpectedSpan[1]]); got != sql.Expected {
		t.Errorf("expected span covers %q", got)
	}
	if bs[1].File != "compose.yaml" || bs[1].Code != "services: {}\n" || bs[1].Run {
		t.Errorf("file block: %+v", bs[1])
	}
	if bs[2].HasExpected || bs[2].Timeout.Seconds() != 5 {
		t.Errorf("nocompare block: %+v", bs[2])
	}
	if bs[3].Run {
		t.Errorf("norun block runs")
	}
	if bs[4].Node != "host" || !bs[4].HasExpected {
		t.Errorf("host block: %+v", bs[4])
	}
	if bs[5].Run || bs[5].Lang != "text" {
		t.Errorf("text block: %+v", bs[5])
	}
	if c.Chapters[0].Title != "First" || c.Chapters[0].Number != 1 || c.Chapters[0].Slug != "a" {
		t.Errorf("chapter: %+v", c.Chapters[0])
	}
}

func TestParseInfo(t *testing.T) {
	lang, attrs, _, err := parseInfo(`sql {node=primary nocompare="a \"quoted\" reason" eventually=30s}`)
	if err != nil || lang != "sql" || attrs["node"] != "primary" || attrs["nocompare"] != `a "quoted" reason` || attrs["eventually"] != "30s" {
		t.Fatalf("got %q %v %v", lang, attrs, err)
	}
	for _, bad := range []string{`sql node=primary`, `sql {node}`, `sql {node=primary`, `sql {a="x}`, `sql {node=a node=b}`} {
		if _, _, _, err := parseInfo(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestHugeAndBinaryExpectedOutputs(t *testing.T) {
	head := "---\ntitle: A\n---\n\n```sql {node=primary}\nSELECT 1;\n```\n\n```output\n"
	huge := head + strings.Repeat("0123456789\n", 1_000_000) + "```\n"
	_, err := Chapter("c.md", []byte(huge), t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "c.md:9: expected output is 11000000 bytes") {
		t.Errorf("huge output: %v", err)
	}
	binary := head + "ab\ncd\x00ef\n```\n"
	_, err = Chapter("c.md", []byte(binary), t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "c.md:11: expected output contains a NUL byte") {
		t.Errorf("binary output: %v", err)
	}
}

// Node names are the compose file's to decide (composefile.Model.Check):
// load takes any node, and user= on sql blocks as on sh blocks.
func TestAnyNodeAndSQLUser(t *testing.T) {
	src := "---\ntitle: A\nprobes:\n  lag:\n    node: pg2\n    every: 1s\n    query: SELECT 1\n---\n\n" +
		"```sql {node=pg2 user=alice sample=lag}\nSELECT 1;\n```\n\n```output\n```\n\n" +
		"```sh {node=tools user=root}\ntrue\n```\n\n```output\n```\n\n" +
		"```sh {node=host}\ndocker compose up -d pg2 tools\n```\n\n```output\n```\n"
	ch, err := Chapter("content/01-a.md", []byte(src), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if b := ch.Blocks[0]; b.Node != "pg2" || b.User != "alice" || !b.Run {
		t.Errorf("sql block: node %q user %q run %v", b.Node, b.User, b.Run)
	}
	if b := ch.Blocks[1]; b.Node != "tools" || b.User != "root" {
		t.Errorf("sh block: node %q user %q", b.Node, b.User)
	}
	if p := ch.Probes["lag"]; p == nil || p.Node != "pg2" {
		t.Errorf("probe %+v", p)
	}
	_, err = Chapter("content/01-a.md", []byte("---\ntitle: A\n---\n\n```sql {node=db user=\"\"}\nSELECT 1;\n```\n\n```output\n```\n"), t.TempDir())
	if err == nil || err.Error() != "content/01-a.md:5: user= is empty: name a user, or leave user= out" {
		t.Errorf("empty user=: %v", err)
	}
}

// TestHiddenEntriesPassedOver: names starting with "." (.DS_Store, an
// editor's swap file, a hidden folder) are not part of the course, while
// the chapters beside them load.
func TestHiddenEntriesPassedOver(t *testing.T) {
	dir := writeArchive(t, txtar.Parse([]byte("-- content/01-a.md --\n---\ntitle: A\n---\n\ntext\n-- content/.DS_Store --\n\x00\x01\n-- content/.01-a.md.swp --\nx\n-- content/.git/HEAD --\nref\n")))
	c, err := Dir(filepath.Join(dir, "content"), filepath.Join(dir, "stand"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Chapters) != 1 {
		t.Fatalf("%d chapters, want 1", len(c.Chapters))
	}
}

// TestContentFolderErrors: a missing chapters' folder and one with no
// chapter are content errors naming the folder.
func TestContentFolderErrors(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"nosuch": "nosuch: the chapters' folder does not exist",
		".":      ".: no chapters: the chapters' folder holds no NN-slug.md file",
	} {
		_, err := Dir(filepath.Join(dir, name), filepath.Join(dir, "stand"))
		ce, ok := err.(*course.Error)
		if !ok {
			t.Fatalf("%s: error %v is %T, want *course.Error", name, err, err)
		}
		if got := strings.ReplaceAll(ce.Error(), dir+string(filepath.Separator), ""); got != want && strings.ReplaceAll(got, dir, ".") != want {
			t.Errorf("%s:\n got: %s\nwant: %s", name, got, want)
		}
	}
}
