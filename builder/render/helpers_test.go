package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/load"
)

// loadCourse extracts testdata/<name>.txtar into a temporary directory and
// loads it like the build does.
func loadCourse(t *testing.T, name string) *course.Course {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	return loadFiles(t, ar.Files)
}

func loadFiles(t *testing.T, files []txtar.File) *course.Course {
	t.Helper()
	c, err := tryLoad(t, files)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tryLoad writes files into a temporary directory and loads its content/.
func tryLoad(t *testing.T, files []txtar.File) (*course.Course, error) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "stand"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := load.Dir(filepath.Join(dir, "content"), filepath.Join(dir, "stand"))
	if err != nil {
		return nil, err
	}
	// The title and description come from course.yaml, as the build
	// sets them.
	cc, err := config.Load(dir)
	if err != nil {
		return nil, err
	}
	c.Title, c.Description = cc.Title, cc.Description
	return c, nil
}

// fakeOutputs are the "real" outputs of the test course, keyed by the first
// line of each executed block's code.
var fakeOutputs = map[string]course.Result{
	"docker compose up -d":                     {Output: ""},
	"SELECT pg_current_wal_lsn();":             {Output: " pg_current_wal_lsn \n--------------------\n 0/3000148\n(1 row)\n"},
	"SELECT * FROM missing;":                   {Output: "ERROR:  relation \"missing\" does not exist\nLINE 1: SELECT * FROM missing;\n", Failed: true},
	"SELECT now();":                            {Output: "              now\n-------------------------------\n 2025-03-04 10:11:12.345678+00\n(1 row)\n"},
	"SELECT '<script>alert(1)</script>' AS x;": {Output: "             x\n---------------------------\n <script>alert(1)</script>\n(1 row)\n", Attempts: 3},
	"SELECT pg_promote();":                     {Output: " pg_promote\n------------\n t\n(1 row)\n"},
}

// results fabricates a Result for every executed block of c.
func results(t *testing.T, c *course.Course) map[*course.Block]*course.Result {
	t.Helper()
	m := map[*course.Block]*course.Result{}
	for _, b := range c.Blocks() {
		if !b.Run {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimSpace(b.Code), "\n")
		if strings.HasPrefix(first, "psql -Atc") {
			m[b] = &course.Result{Output: "t\n"}
			continue
		}
		r, ok := fakeOutputs[first]
		if !ok {
			t.Fatalf("no fake output for %s: %q", b.Pos, first)
		}
		m[b] = &r
	}
	return m
}

var refPattern = regexp.MustCompile(`\{\{@([a-z_]+)\}\}`)

// expander replaces {{@name}} from values and fails on unknown names, as
// the build's Expand does.
func expander(values map[string]string) func(string) (string, error) {
	return func(s string) (string, error) {
		var err error
		out := refPattern.ReplaceAllStringFunc(s, func(m string) string {
			name := refPattern.FindStringSubmatch(m)[1]
			v, ok := values[name]
			if !ok && err == nil {
				err = fmt.Errorf("unknown reference {{@%s}}", name)
			}
			return v
		})
		return out, err
	}
}

func testSite(t *testing.T) *Site {
	c := loadCourse(t, "course")
	return &Site{
		Course:  c,
		Results: results(t, c),
		Verified: Verified{
			Server:  "PostgreSQL 17.5 (Debian 17.5-1) on x86_64-pc-linux-gnu, 64-bit",
			Image:   "replcourse/postgres:17",
			BuiltAt: time.Date(2025, 3, 4, 10, 11, 12, 0, time.UTC),
		},
		Expand: expander(map[string]string{"start_lsn": "0/3000148"}),
	}
}

// readSite returns every file under dir by slash path.
func readSite(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// writeSite renders s into a fresh public directory and returns its files.
func writeSite(t *testing.T, s *Site) (string, map[string]string) {
	t.Helper()
	public := filepath.Join(t.TempDir(), "public")
	if _, err := Write(context.Background(), s, public); err != nil {
		t.Fatal(err)
	}
	return public, readSite(t, public)
}
