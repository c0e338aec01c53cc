package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
)

// `coursebuild new DIR` writes a course that `coursebuild check` accepts:
// course.yaml, the compose file and the chapter, held against each other.
func TestNewWritesACourseThatChecks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-course")
	var out, errw strings.Builder
	if code := Main([]string{"new", dir}, &out, &errw); code != 0 {
		t.Fatalf("new: exit %d; stderr: %s", code, errw.String())
	}
	for _, f := range []string{"course.yaml", "README.md", ".gitignore", "stand/compose.yaml", "stand/image.sh", "content/01-start.md"} {
		if !strings.Contains(out.String(), filepath.Join(dir, f)) {
			t.Errorf("new did not say it wrote %s: %s", f, out.String())
		}
	}
	cc, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Title != "my-course" {
		t.Errorf("title %q, want the folder's name", cc.Title)
	}
	m, err := composefile.Load(context.Background(), dir, cc.ComposeFile())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Nodes(), " "); got != "db host" || m.Name != "my-course" {
		t.Errorf("nodes %q, project %q", got, m.Name)
	}
	if _, ok := cc.Fallback(m.Images()[0]); !ok {
		t.Errorf("course.yaml declares no fallback for %s", m.Images()[0])
	}
	chapter, _ := os.ReadFile(filepath.Join(dir, "content", "01-start.md"))
	if !strings.Contains(string(chapter), " ✔ Network my-course_default Created\n ✔ Container my-course-db-1  Started\n") {
		t.Errorf("the host block's expected compose lines are not padded as compose pads them:\n%s", chapter)
	}
	errw.Reset()
	if code := Main([]string{"check", "-C", dir}, &out, &errw); code != 0 {
		t.Fatalf("check: exit %d; stderr: %s", code, errw.String())
	}
}

// new refuses a folder that holds anything, with exit 2, and leaves it as
// it was; it needs a folder name.
func TestNewRefuses(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.md")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw strings.Builder
	if code := Main([]string{"new", dir}, &out, &errw); code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", code, errw.String())
	}
	if !strings.Contains(errw.String(), "not empty") {
		t.Errorf("stderr: %s", errw.String())
	}
	entries, _ := os.ReadDir(dir)
	if got, _ := os.ReadFile(mine); len(entries) != 1 || string(got) != "mine" {
		t.Errorf("the folder changed: %d entries, notes.md %q", len(entries), got)
	}
	errw.Reset()
	if code := Main([]string{"new"}, &out, &errw); code != 2 || !strings.Contains(errw.String(), "coursebuild new DIR") {
		t.Errorf("new without a folder: exit %d, stderr %s", code, errw.String())
	}
	errw.Reset()
	if code := Main([]string{"new", dir, "extra"}, &out, &errw); code != 2 {
		t.Errorf("new with two folders: exit %d, stderr %s", code, errw.String())
	}
}

// The course `new` writes builds and verifies on a fresh stand, with the
// same binary that builds the repository's course, from another folder.
//
// It needs the stand to run a compose file as written (postgres:17, with
// the course's fallback image), services named freely, readiness from
// healthchecks and SQL connections from the service's definition: until
// then it fails, and says so.
func TestNewBuildsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a stand in Docker")
	}
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	dir := filepath.Join(t.TempDir(), "first")
	var out, errw strings.Builder
	if code := Main([]string{"new", dir}, &out, &errw); code != 0 {
		t.Fatalf("new: exit %d; stderr: %s", code, errw.String())
	}
	out.Reset()
	code := Main([]string{"build", "-C", dir, "-record", "none"}, &out, &errw)
	if code != 0 {
		t.Fatalf("build -C %s: exit %d\nstdout:\n%s\nstderr:\n%s", dir, code, out.String(), errw.String())
	}
	index, err := os.ReadFile(filepath.Join(dir, "public", "index.html"))
	if err != nil || !strings.Contains(string(index), "<h1>first</h1>") {
		t.Errorf("public/index.html: %v; the course's title is missing", err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "public", "01-start.html"))
	if !strings.Contains(string(page), "/var/lib/postgresql/data") {
		t.Errorf("the chapter page does not show the shell block's real output")
	}
}
