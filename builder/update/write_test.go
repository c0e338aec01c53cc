package update

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/load"
)

// rewrite3 writes three chapters, in dirs[i] each, and returns their
// rewritten Files (each output "a" becomes "b").
func rewrite3(t *testing.T, dirs ...string) []File {
	t.Helper()
	src := head + "```sh {node=primary}\necho b\n```\n\n```output\na\n```\n"
	var files []File
	for i, dir := range dirs {
		path := filepath.Join(dir, []string{"01-a.md", "02-b.md", "03-c.md"}[i])
		if err := os.WriteFile(path, []byte(src), 0o640); err != nil {
			t.Fatal(err)
		}
		ch, err := load.Chapter(path, []byte(src), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Apply([]Change{{Block: ch.Blocks[0], Text: "b\n"}}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	return files
}

// onDisk says, per file, whether it holds its new bytes ("new"), the
// bytes read ("old") or something else ("other"), and fails on any
// temporary file left beside them.
func onDisk(t *testing.T, files []File) string {
	t.Helper()
	var states []string
	for _, f := range files {
		got, _ := os.ReadFile(f.Path)
		switch string(got) {
		case string(f.Data):
			states = append(states, "new")
		case string(f.Old):
			states = append(states, "old")
		default:
			states = append(states, "other")
		}
		entries, _ := os.ReadDir(filepath.Dir(f.Path))
		for _, e := range entries {
			if strings.Contains(e.Name(), ".update-") {
				t.Errorf("temporary file left: %s", e.Name())
			}
		}
	}
	return strings.Join(states, " ")
}

func TestWriteReplacesAllKeepingModes(t *testing.T) {
	dir := t.TempDir()
	files := rewrite3(t, dir, dir, dir)
	if err := Write(files); err != nil {
		t.Fatal(err)
	}
	if got := onDisk(t, files); got != "new new new" {
		t.Errorf("chapters: %s", got)
	}
	if fi, _ := os.Stat(files[1].Path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// TestWriteKeepsAChapterSavedDuringTheUpdate: an author's save between
// the update's read and its write is kept, no chapter is replaced, and
// the error names the saved chapter.
func TestWriteKeepsAChapterSavedDuringTheUpdate(t *testing.T) {
	dir := t.TempDir()
	files := rewrite3(t, dir, dir, dir)
	edit := strings.Replace(string(files[1].Old), "echo b", "echo b # edited", 1)
	os.WriteFile(files[1].Path, []byte(edit), 0o640)
	err := Write(files)
	var we *WriteError
	if !errors.As(err, &we) || len(we.Saved) != 1 || we.Saved[0] != files[1].Path || len(we.Replaced) != 0 {
		t.Fatalf("got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, files[1].Path+" changed on disk while the update ran") || !strings.Contains(msg, "no chapter was rewritten") {
		t.Errorf("message: %s", msg)
	}
	if got := onDisk(t, files); got != "old other old" {
		t.Errorf("chapters: %s", got)
	}
	if got, _ := os.ReadFile(files[1].Path); string(got) != edit {
		t.Error("the author's edit was lost")
	}
}

// TestWriteThatCannotWriteChangesNothing: when the new content of the
// second chapter cannot be written (here its folder is gone; a full disk
// fails the same step), the first is not replaced either, and the error
// says so.
func TestWriteThatCannotWriteChangesNothing(t *testing.T) {
	gone := filepath.Join(t.TempDir(), "gone")
	os.Mkdir(gone, 0o755)
	dir := t.TempDir()
	files := rewrite3(t, dir, gone, dir)
	os.RemoveAll(gone)
	err := Write(files)
	var we *WriteError
	if !errors.As(err, &we) || we.Path != files[1].Path || len(we.Replaced) != 0 {
		t.Fatalf("got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "cannot write the new "+files[1].Path) || !strings.HasSuffix(msg, "no chapter was rewritten") {
		t.Errorf("message: %s", msg)
	}
	if got := onDisk(t, []File{files[0], files[2]}); got != "old old" {
		t.Errorf("chapters: %s", got)
	}
}

// TestWriteRenameFailingPartway: a rename that fails after another
// succeeded gives an error naming the chapters replaced and those not.
func TestWriteRenameFailingPartway(t *testing.T) {
	dir := t.TempDir()
	files := rewrite3(t, dir, dir, dir)
	defer func(r func(string, string) error) { rename = r }(rename)
	rename = func(from, to string) error {
		if to == files[1].Path {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: errors.New("input/output error")}
		}
		return os.Rename(from, to)
	}
	err := Write(files)
	var we *WriteError
	if !errors.As(err, &we) || len(we.Replaced) != 1 || len(we.Kept) != 2 {
		t.Fatalf("got %v", err)
	}
	want := "rewritten: " + files[0].Path + "; left as they were: " + files[1].Path + ", " + files[2].Path
	if msg := err.Error(); !strings.Contains(msg, "cannot replace "+files[1].Path) || !strings.Contains(msg, want) {
		t.Errorf("message: %s\nwant it to say: %s", msg, want)
	}
	if got := onDisk(t, files); got != "new old old" {
		t.Errorf("chapters: %s", got)
	}
}

// TestWriteThroughLink: a chapter that is a symbolic link to a file inside
// the course is rewritten at its target; the link stays a link.
func TestWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "shared")
	os.Mkdir(real, 0o755)
	files := rewrite3(t, real, real, real)
	link := filepath.Join(dir, "01-a.md")
	if err := os.Symlink(files[0].Path, link); err != nil {
		t.Fatal(err)
	}
	target := files[0].Path
	files[0].Path = link
	if err := Write(files[:1]); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the chapter is no longer a link: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != string(files[0].Data) {
		t.Errorf("target holds\n%s\nwant the new bytes", got)
	}
}

// TestWriteRefusesReadOnlyChapter: a chapter without write permission is
// refused by name before any chapter is written.
func TestWriteRefusesReadOnlyChapter(t *testing.T) {
	dir := t.TempDir()
	files := rewrite3(t, dir, dir, dir)
	if err := os.Chmod(files[2].Path, 0o444); err != nil {
		t.Fatal(err)
	}
	err := Write(files)
	var we *WriteError
	if !errors.As(err, &we) || len(we.ReadOnly) != 1 || we.ReadOnly[0] != files[2].Path || len(we.Replaced) != 0 {
		t.Fatalf("got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, files[2].Path+" is read-only") || !strings.Contains(msg, "no chapter was rewritten") {
		t.Errorf("message: %s", msg)
	}
	if got := onDisk(t, files); got != "old old old" {
		t.Errorf("chapters: %s", got)
	}
	if fi, _ := os.Stat(files[2].Path); fi.Mode().Perm() != 0o444 {
		t.Errorf("mode %v", fi.Mode())
	}
}
