// Package coursetest writes mini courses for the builder's tests: a course
// folder (course.yaml, content/NN-slug.md, stand/compose.yaml and what it
// mounts) held in one txtar archive, as Hugo's integration tests hold their
// sites. The fixture courses under testdata/ name their nodes differently
// from any real course, so that no builder test depends on the course in
// the repository:
//
//	one-service     one PostgreSQL service, db, with POSTGRES_DB=app
//	three-services  pg1, pg2 and pg3, pg3 in the profile "extra"
//	helper-service  db and tools, a service that runs no PostgreSQL and
//	                declares no healthcheck
//	replication     primary, replica and subscriber (profile "logical"),
//	                for tests of replication-shaped courses
//
// Every fixture runs postgres:17 as written, with a fallback recipe
// (stand/image.sh) that accepts replcourse/postgres:17 when the engine
// holds it (the repository's `make image` makes it) and fails otherwise.
// Each fixture's archive comment says what it is for.
package coursetest

import (
	"embed"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

//go:embed testdata/*.txtar
var fixtures embed.FS

// Names lists the fixture courses, sorted.
func Names() []string {
	entries, _ := fixtures.ReadDir("testdata")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".txtar"))
	}
	slices.Sort(names)
	return names
}

// Archive returns the text of the fixture course name; the test fails
// when there is none.
func Archive(t testing.TB, name string) string {
	t.Helper()
	src, err := fixtures.ReadFile(path.Join("testdata", name+".txtar"))
	if err != nil {
		t.Fatalf("coursetest: no fixture course %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return string(src)
}

// Fixture writes the fixture course name into a new temporary folder and
// returns the folder, the course's root.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	return Write(t, Archive(t, name))
}

// Write writes the files of archive, a txtar archive, into a new temporary
// folder and returns the folder. Files whose name ends in .sh are
// executable.
func Write(t testing.TB, archive string) string {
	t.Helper()
	root := t.TempDir()
	Overlay(t, root, archive)
	return root
}

// Overlay writes the files of archive into root, replacing files of the
// same name: a fixture with one chapter changed, say. A file name may not
// leave root.
func Overlay(t testing.TB, root, archive string) {
	t.Helper()
	for _, f := range txtar.Parse([]byte(archive)).Files {
		name := path.Clean(f.Name)
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			t.Fatalf("coursetest: file %q leaves the course folder", f.Name)
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// Comment returns the comment of the fixture course name: what it is for.
func Comment(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSpace(string(txtar.Parse([]byte(Archive(t, name))).Comment))
}

// Part returns the files of the fixture course name whose paths start
// with one of prefixes ("stand/", "course.yaml"), as an archive for Write
// or Overlay: a fixture's stand under a test's own chapters, say.
func Part(t testing.TB, name string, prefixes ...string) string {
	t.Helper()
	a := txtar.Parse([]byte(Archive(t, name)))
	var out txtar.Archive
	for _, f := range a.Files {
		if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(f.Name, p) }) {
			out.Files = append(out.Files, f)
		}
	}
	return string(txtar.Format(&out))
}
