package build

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
	"replcourse/builder/record"
	"replcourse/builder/run"
)

// versionsYAML declares the one-service fixture's versions: 17, and 15
// made ready as the fixture's 17 is (its recipe accepts the image when
// the engine holds it).
const versionsYAML = `-- course.yaml --
title: One service
images:
  "postgres:17":
    recipe: stand/image.sh
    tag: replcourse/postgres:17
  "postgres:15":
    recipe: stand/image.sh
    tag: replcourse/postgres:15
versions:
  main: 17
  others: [15]
`

// What the chapters say about versions is checked against course.yaml's
// versions: at load time, each mistake at its file and line.
func TestVersionCheckErrors(t *testing.T) {
	chapter := func(info, extra string) string {
		return "-- content/02-two.md --\n---\ntitle: Two\n---\n\n```sql {node=db" + info + "}\nSELECT 1;\n```\n\n```output\n1\n```\n" + extra
	}
	for _, tc := range []struct {
		name, yaml, overlay, want string
	}{
		{"alternative for another version", versionsYAML, chapter("", "\n```output {pg=16}\n1\n```\n"),
			"content/02-two.md:13: output {pg=16}: 16 is not one of the course's versions (15, 17 in course.yaml)"},
		{"alternative for the main version", versionsYAML, chapter("", "\n```output {pg=17}\n1\n```\n"),
			"content/02-two.md:13: output {pg=17}: 17 is the main version, whose expected output is the block's ```output block itself"},
		{"alternative without versions", "", chapter("", "\n```output {pg=15}\n1\n```\n"),
			"content/02-two.md:13: output {pg=15}: the course declares no versions (course.yaml: versions: {main: N, others: [...]})"},
		{"since after main", versionsYAML, chapter(` since="18: new in 18"`, ""),
			"content/02-two.md:5: since=18 is after the main version 17, which runs every block"},
		{"bad placeholder in an alternative", versionsYAML, chapter("", "\n```output {pg=15}\n{{nosuch}}\n```\n"),
			"content/02-two.md:14: unknown placeholder {{nosuch}}"},
		{"main image not in the compose file", strings.Replace(versionsYAML, "main: 17", "main: 16", 1) + "\n", "",
			"course.yaml: versions: no service of the compose file runs postgres:16 (the main version's image); the matrix runs those services on postgres:N for version N"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := coursetest.Fixture(t, "one-service")
			coursetest.Overlay(t, root, tc.yaml+tc.overlay)
			_, err := Load(Config{Root: root})
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *course.Error", err, err)
			}
			if got := strings.ReplaceAll(err.Error(), root+string(filepath.Separator), ""); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// fakeRunStand is a run.Stand for SQL blocks only, whose answers come
// from out (an answer starting with ERROR is an error); it stands in for
// a stand on another version.
type fakeRunStand struct{ out map[string]string }

func (s fakeRunStand) SQL(_ context.Context, _, _, script string, w io.Writer) (bool, error) {
	o := s.out[strings.TrimSpace(script)]
	io.WriteString(w, o)
	return strings.HasPrefix(o, "ERROR"), nil
}

func (fakeRunStand) Shell(context.Context, string, string, string, time.Duration, io.Writer) (int, error) {
	return 0, errors.New("no shell here")
}
func (fakeRunStand) Host(context.Context, course.HostStep, io.Writer) error {
	return errors.New("no host here")
}
func (fakeRunStand) Logs(context.Context, string, int) string { return "" }
func (fakeRunStand) Sample(context.Context, string, string) ([]string, []float64, error) {
	return nil, nil, errors.New("no probes here")
}

// The report names every block that is not the same on a version, with
// its diff or its error, says which alternative it was compared with,
// and ends with a summary line per version; the record keeps the same.
func TestMatrixReport(t *testing.T) {
	root := coursetest.Fixture(t, "one-service")
	coursetest.Overlay(t, root, versionsYAML+"-- content/02-two.md --\n---\ntitle: Two\n---\n\n"+
		"```sql {node=db}\nSELECT 'A';\n```\n\n```output\nseventeen\n```\n\n```output {pg=15}\nfifteen\n```\n\n"+
		"```sql {node=db}\nSELECT 'B';\n```\n\n```output\nbee\n```\n\n"+
		"```sql {node=db since=\"16: new in 16\"}\nSELECT 'C';\n```\n\n```output\nsee\n```\n\n"+
		"```sql {node=db}\nSELECT 'D';\n```\n\n```output\n{{int:d}}\n```\n\n"+
		"```sql {node=db}\nSELECT {{@d}};\n```\n\n```output\nok\n```\n")
	c, err := Load(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	all := run.Blocks(c, 0)
	blocks := all[len(all)-5:]
	two := &course.Course{Chapters: c.Chapters[1:]}
	st := fakeRunStand{out: map[string]string{
		"SELECT 'A';": "fifteen\n",
		"SELECT 'B';": "bea\n",
		"SELECT 'D';": "ERROR:  no D\n",
	}}
	res, err := run.Run(context.Background(), st, two, run.Options{Version: 15, Past: true})
	if err != nil {
		t.Fatal(err)
	}
	keys := record.VersionKeys(record.Env{Builder: "b"}, blocks, 15)
	mbs := matrixBlocks(blocks, keys, 15, res)
	var got []string
	for _, mb := range mbs {
		got = append(got, mb.Status)
	}
	if strings.Join(got, " ") != "same differs skipped fails fails" {
		t.Fatalf("statuses %v", got)
	}
	if mbs[0].Against != 15 || mbs[0].Output != "fifteen\n" {
		t.Errorf("block A: %+v, want it compared with its pg=15 output, and that output kept", mbs[0])
	}
	out := &MatrixOutcome{Main: 17, Blocks: blocks, Runs: []record.MatrixRun{{Version: 15, Blocks: mbs}}}
	var rep strings.Builder
	Report(&rep, out)
	text := strings.ReplaceAll(rep.String(), root+string(filepath.Separator), "")
	for _, want := range []string{
		"content/02-two.md:17: sql on db: SELECT 'B';\n  PostgreSQL 15: differs\n",
		"-bee\n    +bea",
		"content/02-two.md:25: sql on db: SELECT 'C';\n  PostgreSQL 15: skipped\n    since 16: new in 16",
		"content/02-two.md:33: sql on db: SELECT 'D';\n  PostgreSQL 15: fails\n    raised an error",
		"content/02-two.md:41: sql on db: SELECT {{@d}};\n  PostgreSQL 15: fails\n    did not run: it uses {{@d}}, which the block at content/02-two.md:33 captures",
		"PostgreSQL 15: 1 same, 1 differ, 2 fail, 1 skipped",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "SELECT 'A'") {
		t.Error("the report lists a block that matched its alternative")
	}
}

// TestMatrixOnVersions runs the matrix for real on a fixture course with
// two versions, 17 (main) and 15: a block compared with its pg=15
// alternative, one that differs on 15, one since=16 and one that fails on
// 15 (a view new in 17) with a later block that uses its capture. The
// chapters are unchanged, the record written, the main version verifies.
func TestMatrixOnVersions(t *testing.T) {
	dockerTest(t)
	root := coursetest.Fixture(t, "one-service")
	coursetest.Overlay(t, root, versionsYAML+`-- content/02-versions.md --
---
title: Versions
---

`+"```sql {node=db}\nSELECT current_setting('server_version_num')::int / 10000 AS major;\n```\n\n"+
		"```output\n major \n-------\n    17\n(1 row)\n```\n\n```output {pg=15}\n major \n-------\n    15\n(1 row)\n```\n\n"+
		"```sql {node=db}\nSELECT current_setting('server_version_num')::int / 10000 AS major;\n```\n\n"+
		"```output\n major \n-------\n    17\n(1 row)\n```\n\n"+
		"```sql {node=db since=\"16: pg_stat_io is new in 16\"}\nSELECT count(*) > 0 AS some FROM pg_stat_io;\n```\n\n"+
		"```output\n some \n------\n t\n(1 row)\n```\n\n"+
		"```sql {node=db}\nSELECT num_timed >= 0 AS ok FROM pg_stat_checkpointer;\n```\n\n"+
		"```output\n ok \n----\n t\n(1 row)\n```\n\n"+
		"```sql {node=db}\nSELECT pg_backend_pid() AS pid;\n```\n\n"+
		"```output\n pid \n-----\n {{pid:p}}\n(1 row)\n```\n")
	before := readTree(t, filepath.Join(root, "content"))
	file := filepath.Join(root, "verified", "matrix.json")
	var log strings.Builder
	out, err := Matrix(context.Background(), Config{Root: root, Log: &log}, MatrixOptions{File: file})
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Runs) != 2 {
		t.Fatalf("%d runs", len(out.Runs))
	}
	r15 := out.Runs[0]
	if r15.Unavailable != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL 15 unavailable in CI: %s", r15.Unavailable)
		}
		t.Skipf("PostgreSQL 15's image is missing and cannot be made here (%s): `make image PG=15` makes it", r15.Unavailable)
	}
	var got []string
	for _, b := range r15.Blocks[len(r15.Blocks)-5:] {
		got = append(got, b.Status)
	}
	if strings.Join(got, " ") != "same differs skipped fails same" {
		t.Errorf("statuses on 15: %v", got)
	}
	if d := r15.Blocks[len(r15.Blocks)-4].Diff; !strings.Contains(d, "-    17") || !strings.Contains(d, "+    15") {
		t.Errorf("diff on 15: %q", d)
	}
	if e := r15.Blocks[len(r15.Blocks)-2].Error; !strings.Contains(e, "raised an error") {
		t.Errorf("error on 15: %q", e)
	}
	for _, b := range out.Runs[1].Blocks {
		if b.Status != record.StatusSame {
			t.Errorf("main version: %s:%d %s", b.Chapter, b.Line, b.Status)
		}
	}
	if !strings.Contains(r15.Server, "PostgreSQL 15") {
		t.Errorf("server on 15: %q", r15.Server)
	}
	if after := readTree(t, filepath.Join(root, "content")); after != before {
		t.Error("the matrix changed the chapters")
	}
	mx, err := record.ReadMatrix(file)
	if err != nil || mx == nil || mx.Run(15) == nil || mx.Run(17) == nil {
		t.Fatalf("matrix record: %v, %v", mx, err)
	}
	// The site shows it: the versions page with the diff, a note under
	// the block, the confirmed alternative.
	public := filepath.Join(root, "public")
	var blog strings.Builder
	if err := Site(context.Background(), Config{Root: root, Public: public, Log: &blog, Record: filepath.Join(root, "verified", "record.json"), Matrix: file}); err != nil {
		t.Fatalf("%v\n%s", err, blog.String())
	}
	page, _ := os.ReadFile(filepath.Join(public, "versions.html"))
	for _, want := range []string{"PostgreSQL 15", `<span class="diff-add">+    15</span>`, "02-versions.html#block-", "since 16: pg_stat_io is new in 16"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("versions.html lacks %q", want)
		}
	}
	if strings.Contains(string(page), "out of date") {
		t.Error("versions.html calls a matrix run just made out of date")
	}
	chapter, _ := os.ReadFile(filepath.Join(public, "02-versions.html"))
	for _, want := range []string{"On PostgreSQL 15 this prints (matrix run", "On PostgreSQL 15 this prints (verified, matrix run", "On PostgreSQL 15 this fails", "Not run on PostgreSQL 15"} {
		if !strings.Contains(string(chapter), want) {
			t.Errorf("02-versions.html lacks %q", want)
		}
	}
	assertNoLeftovers(t, log.String())
}

// readTree concatenates every file under dir, with its name.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var s strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		s.WriteString(p + "\n" + string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s.String()
}

// The matrix runs the whole course: -until is refused before anything
// runs, as is a version the course does not declare.
func TestMatrixRefusesUntilAndUnknownVersions(t *testing.T) {
	root := coursetest.Fixture(t, "one-service")
	coursetest.Overlay(t, root, versionsYAML)
	var log strings.Builder
	_, err := Matrix(context.Background(), Config{Root: root, Log: &log, Until: 1}, MatrixOptions{})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "-until") {
		t.Errorf("-until: %v", err)
	}
	_, err = Matrix(context.Background(), Config{Root: root, Log: &log}, MatrixOptions{Versions: []int{16}})
	if !errors.As(err, &ue) || err.Error() != "-pg 16: not one of the course's versions (15, 17 in course.yaml)" {
		t.Errorf("-pg 16: %v", err)
	}
}
