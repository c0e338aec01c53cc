package coursetest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestNames(t *testing.T) {
	want := []string{"helper-service", "one-service", "replication", "three-services"}
	if got := Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for _, n := range Names() {
		if Comment(t, n) == "" {
			t.Errorf("fixture %s has no comment saying what it is for", n)
		}
	}
}

func TestWriteAndOverlay(t *testing.T) {
	root := Fixture(t, "one-service")
	for _, f := range []string{"course.yaml", "stand/compose.yaml", "content/01-start.md"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	fi, err := os.Stat(filepath.Join(root, "stand", "image.sh"))
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("stand/image.sh is not executable: %v %v", fi, err)
	}
	Overlay(t, root, "-- content/02-more.md --\nmore\n-- course.yaml --\ntitle: Changed\n")
	got, _ := os.ReadFile(filepath.Join(root, "course.yaml"))
	more, _ := os.ReadFile(filepath.Join(root, "content", "02-more.md"))
	if string(got) != "title: Changed\n" || string(more) != "more\n" {
		t.Errorf("overlay: course.yaml %q, 02-more.md %q", got, more)
	}
}

// A file name that leaves the course folder fails the test, and nothing
// is written outside.
func TestOverlayRefusesEscapes(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "course")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Overlay(ft, root, "-- ../escaped.md --\nx\n")
	}()
	if !ft.failed {
		t.Error("Overlay wrote a file named ../escaped.md without failing")
	}
	if _, err := os.Stat(filepath.Join(parent, "escaped.md")); err == nil {
		t.Error("a file was written outside the course folder")
	}
}

// fakeT records Fatalf instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

func TestPart(t *testing.T) {
	root := Write(t, Part(t, "replication", "stand/", "course.yaml"))
	if _, err := os.Stat(filepath.Join(root, "stand", "compose.yaml")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(root, "content")); err == nil {
		t.Error("Part wrote the chapters too")
	}
}
