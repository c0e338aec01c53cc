package stand

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// psqlsInContainer lists the PIDs of the psql processes in node's
// container, by their /proc entries.
const psqlsInContainer = `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = psql ] && echo ${p#/proc/}; done; true`

// TestDescribeThroughResidentPsql: describe commands of SQL blocks print
// what `psql -c` prints in the container, through one psql that stays
// running between blocks; one killed between two blocks is replaced at
// the next; closed, the stand's psql processes end.
func TestDescribeThroughResidentPsql(t *testing.T) {
	needDocker(t)
	s := newTestStand(t, nil)
	host(t, s, "docker compose up -d")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sql := func(script string) (string, bool) {
		t.Helper()
		var out strings.Builder
		failed, err := s.SQL(ctx, "primary", "", script, &out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out.String())
		}
		return out.String(), failed
	}
	shell := func(script string) string {
		t.Helper()
		var out strings.Builder
		if code, err := s.Shell(ctx, "primary", "", script, time.Minute, &out); err != nil || code != 0 {
			t.Fatalf("%s: exit %d, %v\n%s", script, code, err, out.String())
		}
		return out.String()
	}
	sql("CREATE TABLE t (id int PRIMARY KEY, note text);")
	want := shell(`psql -X -c '\d t'`)
	pids := func() string { return strings.TrimSpace(shell(psqlsInContainer)) }

	if got, failed := sql(`\d t`); got != want || failed {
		t.Fatalf("\\d t: failed=%v\n%s\nwant\n%s", failed, got, want)
	}
	first := pids()
	if first == "" || strings.Contains(first, "\n") {
		t.Fatalf("psql processes after one describe: %q, want one", first)
	}
	if got, _ := sql(`\d t`); got != want || pids() != first {
		t.Errorf("second \\d t: %q, psql %q (first %q)", got, pids(), first)
	}
	if got, failed := sql(`\d nosuch`); !failed || got != "Did not find any relation named \"nosuch\".\n" {
		t.Errorf("\\d nosuch: failed=%v %q", failed, got)
	}

	// Killed between two blocks.
	sql(`\d t`)
	shell("kill -KILL " + pids())
	if got, failed := sql(`\d t`); got != want || failed {
		t.Errorf("after the kill: failed=%v\n%s", failed, got)
	}

	// Kill ends a program that would not end by itself.
	id, err := s.container(ctx, "primary")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.startProgram(ctx, id, "postgres", []string{"sleep", "600"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, p); err != nil {
		t.Fatal(err)
	}
	if code, err := p.Exit(ctx); err != nil || code != 137 {
		t.Errorf("killed program: exit status %d, %v; want 137", code, err)
	}
	p.Close()

	// Closed: no psql left running in the container.
	s.closePsqls()
	deadline := time.Now().Add(30 * time.Second)
	for left := pids(); left != ""; left = pids() {
		if time.Now().After(deadline) {
			t.Fatalf("psql %s still runs after closePsqls", left)
		}
	}
}
