package serve

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A file named in Watch rebuilds when it changes, also when an editor
// replaces it (a new file renamed over it); its siblings do not.
func TestWatchSingleFile(t *testing.T) {
	root := t.TempDir()
	conf := filepath.Join(root, "course.yaml")
	os.WriteFile(conf, []byte("title: A\n"), 0o644)
	w, err := newWatcher([]string{conf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make(chan []string, 1)
	go w.run(ctx, 20*time.Millisecond, out, io.Discard)

	// A sibling first: the build's own output, say. Nothing is sent for
	// it; the change to the file after it is sent alone.
	os.MkdirAll(filepath.Join(root, "public"), 0o755)
	os.WriteFile(filepath.Join(root, "notes.txt"), []byte("x"), 0o644)
	next := filepath.Join(root, "course.yaml.new")
	os.WriteFile(next, []byte("title: B\n"), 0o644)
	if err := os.Rename(next, conf); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-out:
		if !slices.Equal(got, []string{conf}) {
			t.Errorf("changed %q, want only %s", got, conf)
		}
	case <-ctx.Done():
		t.Fatal("no change reported for course.yaml")
	}
	// After the replacement the file is still watched.
	os.WriteFile(conf, []byte("title: C\n"), 0o644)
	select {
	case got := <-out:
		if !slices.Equal(got, []string{conf}) {
			t.Errorf("changed %q, want only %s", got, conf)
		}
	case <-ctx.Done():
		t.Fatal("no change reported after the file was replaced")
	}
}
