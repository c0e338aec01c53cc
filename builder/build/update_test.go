package build

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
	"replcourse/builder/run"
	"replcourse/builder/update"
)

// scriptStand answers each block from a table of outputs by its code: the
// runner's logic without Docker.
type scriptStand struct {
	out    map[string]string
	failed map[string]bool
}

func (s *scriptStand) SQL(_ context.Context, _, _, script string, w io.Writer) (bool, error) {
	script = strings.TrimSpace(script)
	io.WriteString(w, s.out[script])
	return s.failed[script], nil
}

func (s *scriptStand) Shell(_ context.Context, _, _, script string, _ time.Duration, w io.Writer) (int, error) {
	script = strings.TrimSpace(script)
	io.WriteString(w, s.out[script])
	if s.failed[script] {
		return 1, nil
	}
	return 0, nil
}

func (s *scriptStand) Host(context.Context, course.HostStep, io.Writer) error { return nil }
func (s *scriptStand) Logs(context.Context, string, int) string               { return "" }
func (s *scriptStand) Sample(context.Context, string, string) ([]string, []float64, error) {
	return []string{"v"}, []float64{0}, nil
}

// The chapter under update: a table with placeholders and psql's trailing
// spaces, a log line, and a block that captures for the next one.
const updChapter = "---\ntitle: Update\n---\n\n" +
	"Prose stays.\n\n" +
	"```sql {node=primary}\nSELECT * FROM pg_stat_replication;\n```\n\n" +
	"```output\n   pid   |   state   | sent_lsn \n---------+-----------+----------\n {{pid}} | streaming | {{lsn}}\n(1 row)\n\n```\n\n" +
	"More prose.\n\n" +
	"```sh {node=primary}\ntail -1 log\n```\n\n" +
	"```output\n{{ts}} [{{pid}}] LOG:  database system is ready to accept connections\n```\n\n" +
	"```sql {node=primary}\nSELECT pg_current_wal_lsn() AS here;\n```\n\n" +
	"```output\n   here    \n-----------\n {{lsn:here}}\n(1 row)\n```\n\n" +
	"```sql {node=replica}\nSELECT '{{@here}}' AS seen;\n```\n\n" +
	"```output\n   seen    \n-----------\n {{@here}}\n(1 row)\n```\n"

// realOutputs are what the stand prints when the chapter is right.
func realOutputs() map[string]string {
	return map[string]string{
		"SELECT * FROM pg_stat_replication;":   "  pid  |   state   | sent_lsn  \n-------+-----------+-----------\n 15825 | streaming | 0/3000148\n(1 row)\n\n",
		"tail -1 log":                          "2026-11-25 18:44:32.541 UTC [77] LOG:  database system is ready to accept connections\n",
		"SELECT pg_current_wal_lsn() AS here;": "   here    \n-----------\n 0/3000200\n(1 row)\n\n",
		"SELECT '0/3000200' AS seen;":          "   seen    \n-----------\n 0/3000200\n(1 row)\n\n",
	}
}

// updateCourse runs the update's runner and rewriter on a one-chapter
// course over st, and returns the chapter's bytes afterwards.
func updateCourse(t *testing.T, src string, st run.Stand) (string, *Updated, error) {
	t.Helper()
	return updateCourseIn(t, t.TempDir(), src, st)
}

// updateCourseIn is updateCourse with the course in root.
func updateCourseIn(t *testing.T, root, src string, st run.Stand) (string, *Updated, error) {
	t.Helper()
	path := filepath.Join(root, "content", "01-update.md")
	writeFile(t, path, src)
	coursetest.Overlay(t, root, coursetest.Part(t, "replication", "stand/", "course.yaml"))
	var log strings.Builder
	cfg := Config{Root: root, Log: &log}
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, runErr := run.Run(ctx, st, c, run.Options{KeepGoing: true})
	u, err := applyUpdate(ctx, cfg, c, res, runErr)
	t.Log(log.String())
	got, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	return string(got), u, err
}

// TestUpdatePassingCourseChangesNothing: every byte stays.
func TestUpdatePassingCourseChangesNothing(t *testing.T) {
	got, u, err := updateCourse(t, updChapter, &scriptStand{out: realOutputs()})
	if err != nil {
		t.Fatal(err)
	}
	if got != updChapter || len(u.Files) != 0 || u.Matched != 4 {
		t.Errorf("files %d, matched %d, chapter changed:\n%s", len(u.Files), u.Matched, got)
	}
}

// TestUpdateRewritesOnlyTheChangedLines: the state became catchup and the
// log line changed; only those lines change, placeholders stay, the
// table is re-padded as psql pads it, no real LSN or timestamp is written,
// and the capture of a block still reaches the next one.
func TestUpdateRewritesOnlyTheChangedLines(t *testing.T) {
	out := realOutputs()
	out["SELECT * FROM pg_stat_replication;"] = "  pid  |  state  | sent_lsn  \n-------+---------+-----------\n 15825 | catchup | 0/3000148\n(1 row)\n\n"
	out["tail -1 log"] = "2026-11-25 18:44:32.541 UTC [77] LOG:  database system is ready to accept read-only connections\n"
	got, u, err := updateCourse(t, updChapter, &scriptStand{out: out})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(updChapter,
		"   pid   |   state   | sent_lsn \n---------+-----------+----------\n {{pid}} | streaming | {{lsn}}\n",
		"   pid   |  state  | sent_lsn\n---------+---------+----------\n {{pid}} | catchup | {{lsn}}\n", 1)
	want = strings.Replace(want, "{{ts}} [{{pid}}] LOG:  database system is ready to accept connections",
		"{{ts}} [77] LOG:  database system is ready to accept read-only connections", 1)
	if got != want {
		t.Errorf("chapter after update:\n%s\nwant:\n%s", got, want)
	}
	if len(u.Files) != 1 || len(u.Files[0].Blocks) != 2 || u.Files[0].Blocks[0].Pos.Line != 7 {
		t.Errorf("summary: %+v", u.Files)
	}
	if strings.Contains(got, "0/3000148") || strings.Contains(got, "18:44") {
		t.Error("a real LSN or timestamp was written")
	}
	// Updating again, on the same outputs, changes nothing.
	again, u, err := updateCourse(t, got, &scriptStand{out: out})
	if err != nil || again != got || len(u.Files) != 0 {
		t.Errorf("second update: %v, %d files, changed: %v", err, len(u.Files), again != got)
	}
}

// TestUpdateStopsAtFailsDeclaration: a block declared fails=true that now
// succeeds is reported, not rewritten; what came before is rewritten,
// what comes after is left alone.
func TestUpdateStopsAtFailsDeclaration(t *testing.T) {
	src := strings.Replace(updChapter, "```sql {node=primary}\nSELECT pg_current_wal_lsn()", "```sql {node=primary fails=true}\nSELECT pg_current_wal_lsn()", 1)
	out := realOutputs()
	out["SELECT * FROM pg_stat_replication;"] = strings.Replace(out["SELECT * FROM pg_stat_replication;"], "streaming", "catchup  ", 1)
	got, _, err := updateCourse(t, src, &scriptStand{out: out})
	var be *run.BlockError
	if !errors.As(err, &be) || !strings.Contains(be.Msg, "declared fails=true but succeeded") {
		t.Fatalf("want the fails=true block reported, got %v", err)
	}
	if !strings.Contains(got, "| catchup |") || !strings.Contains(got, "{{lsn:here}}") {
		t.Errorf("chapter after update:\n%s", got)
	}
}

// TestUpdateKeepsFileAndBlockIdentity checks the rewrite across two
// changed blocks of one file: the bytes between them are untouched.
func TestUpdateKeepsFileAndBlockIdentity(t *testing.T) {
	out := realOutputs()
	out["SELECT pg_current_wal_lsn() AS here;"] = "   here    \n-----------\n 0/3000200\n 0/3000300\n(2 rows)\n\n"
	out["tail -1 log"] = "other\n"
	got, _, err := updateCourse(t, updChapter, &scriptStand{out: out})
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{"Prose stays.\n", "More prose.\n", "```output\nother\n```\n", " {{lsn:here}}\n {{lsn}}\n(2 rows)\n```"} {
		if !strings.Contains(got, keep) {
			t.Errorf("chapter lacks %q:\n%s", keep, got)
		}
	}
}

// editingStand is a scriptStand whose author saves the chapter at path
// while the block with code at runs.
type editingStand struct {
	scriptStand
	at, path, edit string
}

func (s *editingStand) SQL(ctx context.Context, node, user, script string, w io.Writer) (bool, error) {
	if strings.TrimSpace(script) == s.at {
		if err := os.WriteFile(s.path, []byte(s.edit), 0o644); err != nil {
			return false, err
		}
	}
	return s.scriptStand.SQL(ctx, node, user, script, w)
}

// TestUpdateKeepsAnEditSavedWhileItRuns: the author saves the chapter
// while the update runs; the update does not overwrite the save, names
// the chapter and fails.
func TestUpdateKeepsAnEditSavedWhileItRuns(t *testing.T) {
	out := realOutputs()
	out["tail -1 log"] = "other\n"
	root := t.TempDir()
	path := filepath.Join(root, "content", "01-update.md")
	edit := strings.Replace(updChapter, "More prose.", "More prose, edited during the update.", 1)
	st := &editingStand{scriptStand: scriptStand{out: out}, at: "SELECT pg_current_wal_lsn() AS here;", path: path, edit: edit}
	got, u, err := updateCourseIn(t, root, updChapter, st)
	var we *update.WriteError
	if !errors.As(err, &we) || !strings.Contains(err.Error(), path+" changed on disk while the update ran") {
		t.Fatalf("want the saved chapter named, got %v", err)
	}
	if got != edit || len(u.Files) != 0 {
		t.Errorf("the author's edit was not kept (files %d):\n%s", len(u.Files), got)
	}
}

// TestUpdateWritesBracesEscaped: a real output with {{ (psql's
// two-dimensional array) is written escaped, never as a placeholder, and
// the next update finds it matching.
func TestUpdateWritesBracesEscaped(t *testing.T) {
	src := "---\ntitle: Arrays\n---\n\n```sql {node=primary}\nSELECT ARRAY[[2]];\n```\n\n```output\n array\n-------\n {1}\n(1 row)\n```\n"
	out := map[string]string{"SELECT ARRAY[[2]];": " array \n-------\n {{2}}\n(1 row)\n\n"}
	got, _, err := updateCourse(t, src, &scriptStand{out: out})
	if err != nil {
		t.Fatal(err)
	}
	// The table is re-padded to the cells as written.
	if want := strings.Replace(src, "-------\n {1}\n", "--------\n \\{{2}}\n", 1); got != want {
		t.Errorf("chapter after update:\n%s\nwant:\n%s", got, want)
	}
	again, u, err := updateCourse(t, got, &scriptStand{out: out})
	if err != nil || again != got || len(u.Files) != 0 || u.Matched != 1 {
		t.Errorf("second update: %v, %d files, changed: %v", err, len(u.Files), again != got)
	}
}
