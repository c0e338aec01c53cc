package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// repoRoot is the repository this test runs in: the real course.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// copyCourse copies course.yaml, content/ and stand/ of the repository into a temporary
// root, so a test can change a chapter without touching the real one.
func copyCourse(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, dir := range []string{"content", "stand"} {
		if err := os.CopyFS(filepath.Join(dst, dir), os.DirFS(filepath.Join(repoRoot(t), dir))); err != nil {
			t.Fatal(err)
		}
	}
	// course.yaml: the title, and the fallback for postgres:17.
	yaml, err := os.ReadFile(filepath.Join(repoRoot(t), "course.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "course.yaml"), yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestValidateRealCourse(t *testing.T) {
	if _, err := Load(Config{Root: repoRoot(t)}); err != nil {
		t.Fatal(err)
	}
}

func dockerTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker")
	}
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
}

// TestSiteEndToEnd verifies the whole course on a fresh stand and checks
// that the pages carry real values and that no container is left.
func TestSiteEndToEnd(t *testing.T) {
	dockerTest(t)
	public := filepath.Join(t.TempDir(), "public")
	var log strings.Builder
	err := Site(context.Background(), Config{Root: repoRoot(t), Public: public, Log: &log})
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(public, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(index), "The stand") {
		t.Error("index.html does not list the chapters")
	}
	page, err := os.ReadFile(filepath.Join(public, "03-the-primary.html"))
	if err != nil {
		t.Fatal(err)
	}
	lsn := regexp.MustCompile(`\b[0-9A-F]{1,8}/[0-9A-F]{1,8}\b`)
	if !lsn.Match(page) {
		t.Error("chapter 3 shows no real LSN")
	}
	if strings.Contains(string(page), "{{") {
		t.Error("chapter 3 still contains a placeholder")
	}
	assertNoLeftovers(t, log.String())
}

// TestMutatedExpectation changes one digit of an expected row count: the
// build must fail at that block with an expected/actual diff, remove the
// stand, and leave the previous site untouched.
func TestMutatedExpectation(t *testing.T) {
	dockerTest(t)
	root := copyCourse(t)
	chapter := filepath.Join(root, "content", "03-the-primary.md")
	src, err := os.ReadFile(chapter)
	if err != nil {
		t.Fatal(err)
	}
	mutated := strings.Replace(string(src), "(5 rows)", "(6 rows)", 1)
	if mutated == string(src) {
		t.Fatal("chapter 3 has no (5 rows) to mutate")
	}
	if err := os.WriteFile(chapter, []byte(mutated), 0o644); err != nil {
		t.Fatal(err)
	}
	wantLine := blockLineBefore(mutated, "(6 rows)")

	public := filepath.Join(root, "public")
	if err := os.MkdirAll(public, 0o755); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(public, "index.html")
	if err := os.WriteFile(marker, []byte("last good site"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(public, render.SiteMarker), []byte("a site\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	var log strings.Builder
	err = Site(context.Background(), Config{Root: root, Until: 3, Log: &log})
	var be *run.BlockError
	if !errors.As(err, &be) || be.Kind != run.KindMismatch {
		t.Fatalf("want a mismatch, got %v", err)
	}
	if be.Block.Pos.Line != wantLine || !strings.HasSuffix(be.Block.Pos.File, "03-the-primary.md") {
		t.Errorf("mismatch reported at %s, want line %d", be.Block.Pos, wantLine)
	}
	msg := be.Error()
	for _, want := range []string{"--- expected", "+++ actual", "-(6 rows)", "+(5 rows)", "on primary"} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
	if got, _ := os.ReadFile(marker); string(got) != "last good site" {
		t.Error("the previous public/ was touched")
	}
	assertNoLeftovers(t, log.String())
}

// blockLineBefore returns the line of the last ```sql fence before needle.
func blockLineBefore(src, needle string) int {
	before := src[:strings.Index(src, needle)]
	fence := strings.LastIndex(before, "```sql")
	return strings.Count(before[:fence], "\n") + 1
}

// assertNoLeftovers checks that the stand named in a build's log is gone.
func assertNoLeftovers(t *testing.T, log string) {
	t.Helper()
	m := regexp.MustCompile(`stand (\S+) on image`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no stand in the log:\n%s", log)
	}
	left, err := stand.Leftovers(context.Background(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A psql meta-command the builder does not run is a content error at its
// own line in the chapter (the block's code starts after the fence).
func TestValidateRejectsMetaCommand(t *testing.T) {
	root := coursetest.Fixture(t, "replication")
	coursetest.Overlay(t, root, "-- content/02-watch.md --\n---\ntitle: Watch\n---\n\n```sql {node=primary}\nSELECT 1;\n\\watch 1\n```\n\n```output\n```\n")
	_, err := Load(Config{Root: root})
	if err == nil || !strings.Contains(err.Error(), "02-watch.md:7: psql meta-command \\watch is not supported") {
		t.Fatalf("got %v", err)
	}
}

// TestLoadChecksStandFiles: Load (what check runs) refuses the stand
// files a run would refuse — a named pipe, a dangling link, a link out of
// the course — each as a content error naming the file.
func TestLoadChecksStandFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(stand string) error
		want string
	}{
		{"fifo", func(stand string) error { return syscall.Mkfifo(filepath.Join(stand, "p"), 0o644) }, "stand/p: is a named pipe (FIFO)"},
		{"dangling link", func(stand string) error { return os.Symlink("nosuch", filepath.Join(stand, "d")) }, "stand/d: is a symbolic link to a missing file"},
		{"link outside", func(stand string) error { return os.Symlink("/etc/hostname", filepath.Join(stand, "h")) }, "stand/h: resolves to /etc/hostname, outside the course folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := coursetest.Fixture(t, "replication")
			if err := tc.make(filepath.Join(root, "stand")); err != nil {
				t.Fatal(err)
			}
			_, err := Load(Config{Root: root})
			var ce *course.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%T), want a *course.Error saying %q", err, err, tc.want)
			}
		})
	}
}
