//go:build unix

package record

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"replcourse/builder/course"
)

// standDir lays out a course folder with stand/compose.yaml and returns the
// stand directory.
func standDir(t *testing.T) string {
	t.Helper()
	stand := filepath.Join(t.TempDir(), "stand")
	if err := os.MkdirAll(filepath.Join(stand, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stand, "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return stand
}

// TestStandFilesKeyLinkTargets: a stand file reached through a symbolic
// link is in the key, by its target's content, so changing the target
// makes the record stale.
func TestStandFilesKeyLinkTargets(t *testing.T) {
	stand := standDir(t)
	target := filepath.Join(stand, "conf", "real.conf")
	if err := os.WriteFile(target, []byte("wal_level = replica\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("conf/real.conf", filepath.Join(stand, "postgresql.conf")); err != nil {
		t.Fatal(err)
	}
	before, err := StandFiles(stand)
	if err != nil {
		t.Fatal(err)
	}
	if before["postgresql.conf"] == "" || before["postgresql.conf"] != before["conf/real.conf"] {
		t.Fatalf("the link is not keyed by its target: %v", before)
	}
	if err := os.WriteFile(target, []byte("wal_level = logical\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := StandFiles(stand)
	if err != nil {
		t.Fatal(err)
	}
	if after["postgresql.conf"] == before["postgresql.conf"] {
		t.Error("changing the link's target left its key unchanged")
	}
	if keyOf(Env{Builder: "b", Stand: before}) == keyOf(Env{Builder: "b", Stand: after}) {
		t.Error("changing the link's target left the blocks' keys unchanged")
	}
}

func keyOf(env Env) string {
	return strings.Join(Keys(env, []*course.Block{{Lang: "sql", Node: "primary", Code: "SELECT 1;"}}), ",")
}

// TestStandFilesRefuseOutsideAndIrregular: a link out of the course or a
// file that is not regular is an error naming it, not skipped; a named
// pipe is never opened for a blocking read.
func TestStandFilesRefuseOutsideAndIrregular(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("TOKEN=swordfish\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		setup func(stand string) error
		want  string
	}{
		"environ":  {func(s string) error { return os.Symlink("/proc/self/environ", filepath.Join(s, "env")) }, "stand/env: resolves to /proc/"},
		"passwd":   {func(s string) error { return os.Symlink("/etc/passwd", filepath.Join(s, "passwd")) }, "stand/passwd: resolves to /etc/passwd, outside the course folder"},
		"outside":  {func(s string) error { return os.Symlink(outside, filepath.Join(s, "x")) }, "stand/x: resolves to " + outside + ", outside the course folder"},
		"fifo":     {func(s string) error { return syscall.Mkfifo(filepath.Join(s, "conf", "fifo"), 0o644) }, "stand/conf/fifo: is a named pipe (FIFO), not a regular file"},
		"dir link": {func(s string) error { return os.Symlink("conf", filepath.Join(s, "more")) }, "stand/more: is a directory, not a regular file"},
		"dangling": {func(s string) error { return os.Symlink("gone", filepath.Join(s, "gone.conf")) }, "stand/gone.conf: is a symbolic link to a missing file"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stand := standDir(t)
			if err := c.setup(stand); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := StandFiles(stand)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("StandFiles still blocked after 30s")
			}
			if _, ok := err.(*course.Error); !ok {
				t.Fatalf("got %T %v, want a *course.Error", err, err)
			}
			got := strings.ReplaceAll(err.Error(), filepath.Dir(stand)+"/", "")
			if !strings.HasPrefix(got, c.want) || strings.Contains(got, "swordfish") {
				t.Errorf("error\n got: %s\nwant: %s…", got, c.want)
			}
		})
	}
}
