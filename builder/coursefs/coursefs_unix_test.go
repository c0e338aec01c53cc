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
