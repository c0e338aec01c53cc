package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
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
	for _, file := range mustGlob(f, "../../content/*.md") {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
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
		for _, b := range ch.Blocks {
			if b.Pos.Line < 1 || b.Pos.Line > strings.Count(string(src), "\n")+1 {
				t.Fatalf("block at impossible line %d", b.Pos.Line)
			}
			if b.HasExpected && string(src[b.ExpectedSpan[0]:b.ExpectedSpan[1]]) != b.Expected {
				t.Fatalf("expected span does not cover the expected text")
			}
		}
	})
}

func mustGlob(f *testing.F, pattern string) []string {
	m, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	return m
}
