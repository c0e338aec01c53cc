package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRecordAndUpdateRealCourse works on a copy of the real course up to
// chapter 3, on Docker: a first build runs and records; a prose edit then
// builds from the record with Docker unreachable; two mutated
// expectations — a row count, and a word in a line with placeholders —
// are rewritten by the update back to the chapter's exact bytes, every
// other file untouched; and the restored course matches the record again.
func TestRecordAndUpdateRealCourse(t *testing.T) {
	dockerTest(t)
	root := copyCourse(t)
	var log strings.Builder
	cfg := recordConfig(root, &log)
	cfg.Until = 3
	out, err := Build(context.Background(), cfg)
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	if out.FromRecord || !strings.Contains(log.String(), "written (") {
		t.Fatal("the first build did not run and record")
	}
	assertNoLeftovers(t, log.String())

	t.Run("prose edit builds from the record without Docker", func(t *testing.T) {
		noDocker(t)
		two := filepath.Join(root, "content", "02-the-stand.md")
		original, _ := os.ReadFile(two)
		defer os.WriteFile(two, original, 0o644)
		edit(t, two, "\n## ", "\nA sentence added by the test, above a section.\n\n## ")
		log.Reset()
		start := time.Now()
		out, err := Build(context.Background(), cfg)
		took := time.Since(start)
		t.Logf("prose-edit rebuild of chapters 1-3: %s\n%s", took, log.String())
		if err != nil || !out.FromRecord {
			t.Fatalf("%v\n%s", err, log.String())
		}
		if took > time.Second {
			t.Errorf("took %s, want ≤ 1s", took)
		}
	})

	t.Run("update restores mutated expectations", func(t *testing.T) {
		before := snapshot(t, root)
		three := filepath.Join(root, "content", "03-the-primary.md")
		edit(t, three, "(5 rows)", "(6 rows)")
		edit(t, three, "), port 5432 failed", "), port 5433 failed")
		log.Reset()
		u, err := Update(context.Background(), cfg)
		t.Log(log.String())
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Files) != 1 || len(u.Files[0].Blocks) != 2 {
			t.Errorf("rewrote %+v", u.Files)
		}
		after := snapshot(t, root)
		for name, data := range before {
			if after[name] != data {
				t.Errorf("%s differs from the original after the update", name)
			}
		}
		assertNoLeftovers(t, log.String())
		log.Reset()
		if out, err := Build(context.Background(), cfg); err != nil || !out.FromRecord {
			t.Errorf("the restored course does not match its record: %v\n%s", err, log.String())
		}
	})
}

// snapshot reads every file under root's content/ and stand/.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, dir := range []string{"content", "stand"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := os.ReadFile(p)
				files[p] = string(data)
			}
			return err
		})
	}
	return files
}
