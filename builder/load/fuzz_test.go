package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
)

// FuzzChapter feeds arbitrary bytes to the chapter parser: it must never
// panic, and every error it returns must be a positioned *course.Error
// naming the file.
func FuzzChapter(f *testing.F) {
	files, _ := filepath.Glob("testdata/errors/*.txtar")
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range a.Files {
			if strings.HasSuffix(af.Name, ".md") {
				f.Add(af.Data)
			}
		}
	}
	// Whole chapters: those of the fixture courses, whatever course the
	// repository holds.
	for _, name := range coursetest.Names() {
		for _, af := range txtar.Parse([]byte(coursetest.Archive(f, name))).Files {
			if strings.HasPrefix(af.Name, "content/") && strings.HasSuffix(af.Name, ".md") {
				f.Add(af.Data)
			}
		}
	}
	stand := f.TempDir()
	os.WriteFile(filepath.Join(stand, "compose.yaml"), []byte("services: {}\n"), 0o644)
	f.Fuzz(func(t *testing.T, src []byte) {
		ch, err := Chapter("01-fuzz.md", src, stand)
		if err != nil {
			ce, ok := err.(*course.Error)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if ce.Pos.File != "01-fuzz.md" || !strings.HasPrefix(ce.Error(), "01-fuzz.md") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		text, _ := normalize(src)
		for _, b := range ch.Blocks {
			if b.Pos.Line < 1 || b.Pos.Line > strings.Count(string(text), "\n")+1 {
				t.Fatalf("block at impossible line %d", b.Pos.Line)
			}
			if b.HasExpected && !covers(string(src[b.ExpectedSpan[0]:b.ExpectedSpan[1]]), b.Expected) {
				t.Fatalf("expected span %q does not cover the expected text %q", src[b.ExpectedSpan[0]:b.ExpectedSpan[1]], b.Expected)
			}
		}
	})
}

// covers reports whether span, the bytes of an expected output in the
// file, holds text line by line: the same lines, once line endings are
// read as LF, each ending with text's line (a line of a block in a
// container starts with the container's > or indentation).
func covers(span, text string) bool {
	span = strings.ReplaceAll(strings.ReplaceAll(span, "\r\n", "\n"), "\r", "\n")
	a, b := strings.SplitAfter(span, "\n"), strings.SplitAfter(text, "\n")
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.HasSuffix(a[i], b[i]) {
			return false
		}
	}
	return true
}
