// Package browsertest locates the browser that the site's browser tests drive.
package browsertest

import (
	"os"
	"testing"
)

// DefaultPath is where Debian's chromium package puts the browser; `make test`
// installs it there when it is missing (scripts/deps.sh).
const DefaultPath = "/usr/bin/chromium"

// Chromium returns the path of the browser: $CHROMIUM if set, else
// DefaultPath. A missing browser skips the test under -short and fails it
// otherwise, with the command that installs it: a browser test never passes
// by not running.
func Chromium(t testing.TB) string {
	t.Helper()
	path := DefaultPath
	if p := os.Getenv("CHROMIUM"); p != "" {
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		if testing.Short() {
			t.Skipf("no browser at %s (-short): the browser tests need Debian's chromium", path)
		}
		t.Fatalf("no browser at %s: run `make deps` (or `apt-get install -y chromium`, or set CHROMIUM); the browser tests cannot run without it", path)
	}
	return path
}
