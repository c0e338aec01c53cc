//go:build unix

package load

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"replcourse/builder/course"
)

// TestCourseFilesStayInside: a file= block, or a chapter, that is a link
// out of the course or not a regular file is an error naming the file and
// line; nothing of its content is read, and a named pipe does not block.
func TestCourseFilesStayInside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("TOKEN=swordfish\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	chapter := "---\ntitle: A\n---\n\n```text {file=%s}\n```\n"
	cases := []struct {
		name, file string
		setup      func(root string) error
		want       string
	}{
		{"environ", "env", func(root string) error { return os.Symlink("/proc/self/environ", filepath.Join(root, "stand", "env")) },
			"content/01-a.md:5: file=\"env\": stand/env: resolves to /proc/"},
		{"passwd", "passwd", func(root string) error { return os.Symlink("/etc/passwd", filepath.Join(root, "stand", "passwd")) },
			"content/01-a.md:5: file=\"passwd\": stand/passwd: resolves to /etc/passwd, outside the course folder"},
		{"outside", "s", func(root string) error { return os.Symlink(outside, filepath.Join(root, "stand", "s")) },
			"content/01-a.md:5: file=\"s\": stand/s: resolves to " + outside + ", outside the course folder"},
		{"fifo", "fifo", func(root string) error { return syscall.Mkfifo(filepath.Join(root, "stand", "fifo"), 0o644) },
			"content/01-a.md:5: file=\"fifo\": stand/fifo: is a named pipe (FIFO), not a regular file"},
		{"directory", "conf", func(root string) error { return os.Mkdir(filepath.Join(root, "stand", "conf"), 0o755) },
			"content/01-a.md:5: file=\"conf\": stand/conf: is a directory, not a regular file"},
		{"chapter link", "compose.yaml", func(root string) error {
			ch := filepath.Join(root, "content", "01-a.md")
			if err := os.Rename(ch, outside+".md"); err != nil {
				return err
			}
			return os.Symlink(outside+".md", ch)
		}, "content/01-a.md: resolves to " + outside + ".md, outside the course folder"},
		{"chapter fifo", "compose.yaml", func(root string) error {
			return syscall.Mkfifo(filepath.Join(root, "content", "02-b.md"), 0o644)
		}, "content/02-b.md: is a named pipe (FIFO), not a regular file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range []string{"content", "stand"} {
				if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(root, "stand", "compose.yaml"), []byte("services: {}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "content", "01-a.md"), []byte(strings.Replace(chapter, "%s", c.file, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := c.setup(root); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Dir(filepath.Join(root, "content"), filepath.Join(root, "stand"))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("loading still blocked after 30s")
			}
			if _, ok := err.(*course.Error); !ok {
				t.Fatalf("got %T %v, want a *course.Error", err, err)
			}
			got := strings.ReplaceAll(err.Error(), root+"/", "")
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("error\n got: %s\nwant: %s…", got, c.want)
			}
			if strings.Contains(got, "swordfish") {
				t.Errorf("the error shows the file's content")
			}
		})
	}
}

// TestLinksInsideTheCourse: a stand file or a chapter that is a link to a
// file inside the course reads as that file.
func TestLinksInsideTheCourse(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"content", "stand", "shared"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stand/compose.yaml", "services: {}\n")
	write("shared/01-a.md", "---\ntitle: A\n---\n\n```yaml {file=alias.yaml}\n```\n")
	if err := os.Symlink("compose.yaml", filepath.Join(root, "stand", "alias.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "shared", "01-a.md"), filepath.Join(root, "content", "01-a.md")); err != nil {
		t.Fatal(err)
	}
	c, err := Dir(filepath.Join(root, "content"), filepath.Join(root, "stand"))
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Blocks()[0]; b.File != "alias.yaml" || b.Code != "services: {}\n" {
		t.Errorf("file block: %q %q", b.File, b.Code)
	}
}
