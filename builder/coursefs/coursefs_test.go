package coursefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// course lays out a course folder with stand/compose.yaml and returns it.
func course(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "stand", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "stand", "compose.yaml"), []byte("services: {}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestReadsRegularFilesAndLinksInsideTheCourse(t *testing.T) {
	root := course(t)
	stand := filepath.Join(root, "stand")
	links := map[string]string{
		"rel":      "compose.yaml",
		"abs":      filepath.Join(stand, "compose.yaml"),
		"sub/up":   "../compose.yaml",
		"chain":    "rel",
		"viaroot":  "../stand/compose.yaml",
		"sub/deep": "../sub/../chain",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(stand, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"compose.yaml", "rel", "abs", "sub/up", "chain", "viaroot", "sub/deep"} {
		data, fi, err := ReadFile(root, filepath.Join(stand, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(data) != "services: {}\n" || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: read %q, mode %v", name, data, fi.Mode())
		}
	}
	// A root given through a link of its own is the same folder.
	alias := filepath.Join(t.TempDir(), "alias")
	if err := os.Symlink(root, alias); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile(alias, filepath.Join(alias, "stand", "rel")); err != nil {
		t.Errorf("through a linked root: %v", err)
	}
}

func TestMissingFiles(t *testing.T) {
	root := course(t)
	stand := filepath.Join(root, "stand")
	if err := os.Symlink("gone", filepath.Join(stand, "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nothing", "dangling"} {
		path := filepath.Join(stand, name)
		_, _, err := ReadFile(root, path)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want fs.ErrNotExist naming %s", name, err, path)
		}
	}
}
