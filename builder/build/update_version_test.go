package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/internal/coursetest"
	"replcourse/builder/run"
)

// update -pg 15 rewrites only the blocks' output {pg=15} alternatives from
// what version 15 printed: the main outputs stay byte for byte, a block
// that differs on 15 without an alternative is named (and the update
// reports it), and a block matching the main output on 15 is untouched.
func TestUpdateVersionRewritesOnlyAlternatives(t *testing.T) {
	src := "---\ntitle: Update\n---\n\n" +
		"```sql {node=primary}\nSELECT 'a';\n```\n\n```output\nseventeen\n```\n\n```output {pg=15}\n```\n\n" +
		"```sql {node=primary}\nSELECT 'b';\n```\n\n```output\nbee\n```\n\n" +
		"```sql {node=primary}\nSELECT 'c';\n```\n\n```output\nsee\n```\n"
	root := t.TempDir()
	path := filepath.Join(root, "content", "01-update.md")
	writeFile(t, path, src)
	coursetest.Overlay(t, root, coursetest.Part(t, "replication", "stand/"))
	coursetest.Overlay(t, root, "-- course.yaml --\ntitle: T\nversions:\n  main: 17\n  others: [15]\n")
	var log strings.Builder
	cfg := Config{Root: root, Log: &log, Version: 15}
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := &scriptStand{out: map[string]string{"SELECT 'a';": "fifteen\n", "SELECT 'b';": "bea\n", "SELECT 'c';": "see\n"}}
	ctx := context.Background()
	res, runErr := run.Run(ctx, st, c, run.Options{KeepGoing: true, Version: 15})
	u, err := applyUpdate(ctx, cfg, c, res, runErr)
	t.Log(log.String())
	got, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := strings.Replace(src, "```output {pg=15}\n```", "```output {pg=15}\nfifteen\n```", 1)
	if string(got) != want {
		t.Errorf("chapter after update -pg 15:\n%s\nwant:\n%s", got, want)
	}
	if len(u.NoAlternative) != 1 || u.NoAlternative[0].Block.Pos.Line != 16 || err == nil {
		t.Errorf("no alternative: %v, error %v; want the block of line 16 named and reported", u.NoAlternative, err)
	}
	if !strings.Contains(log.String(), "01-update.md:16: differs on PostgreSQL 15 and has no output {pg=15} block") {
		t.Errorf("log:\n%s", log.String())
	}
}
