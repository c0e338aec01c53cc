//go:build unix

package coursefs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRefusesWhatIsOutsideOrNotRegular(t *testing.T) {
	root := course(t)
	stand := filepath.Join(root, "stand")
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("TOKEN=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"environ": "/proc/self/environ",
		"passwd":  "/etc/passwd",
		"secret":  outside,
		"up":      "../../" + filepath.Base(filepath.Dir(outside)) + "/secret",
		"dir":     "sub",
	} {
		if err := os.Symlink(target, filepath.Join(stand, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(stand, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("fifo", filepath.Join(stand, "tofifo")); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"environ": "outside the course folder",
		"passwd":  "outside the course folder",
		"secret":  "outside the course folder",
		"up":      "outside the course folder",
		"dir":     "is a directory",
		"sub":     "is a directory",
		"fifo":    "is a named pipe (FIFO)",
		"tofifo":  "is a named pipe (FIFO)",
	}
	for name, want := range cases {
		path := filepath.Join(stand, name)
		done := make(chan error, 1)
		go func() {
			data, _, err := ReadFile(root, path)
			if len(data) > 0 {
				t.Errorf("%s: read %d bytes", name, len(data))
			}
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: ReadFile still blocked after 30s", name)
		}
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), want) || ce.Path != path {
			t.Errorf("%s: got %v, want an *Error containing %q", name, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "TOKEN") {
			t.Errorf("%s: the error shows the file's content: %v", name, err)
		}
	}
}

// TestReadRegular reads the builder's own files wherever they are, and never
// blocks on or reads what is not a regular file.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "record.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, filepath.Join(dir, "link")} {
		data, err := ReadRegular(p)
		if err != nil || string(data) != "{}" {
			t.Errorf("ReadRegular(%s) = %q, %v; want {}", p, data, err)
		}
	}
	if _, err := ReadRegular(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadRegular(fifo); done <- err }()
	select {
	case err := <-done:
		var ce *Error
		if !errors.As(err, &ce) || ce.Path != fifo || !strings.Contains(ce.Reason, "named pipe") {
			t.Errorf("fifo: %v, want a named-pipe *Error naming %s", err, fifo)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ReadRegular blocked on a named pipe")
	}
	if _, err := ReadRegular(dir); err == nil {
		t.Error("a directory was read")
	}
}
