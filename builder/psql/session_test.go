package psql

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testSession checks what Run promises beyond formatting.
func testSession(t *testing.T, srv *server) {
	srv.freshDB(t, "session")
	t.Run("state carries across runs", func(t *testing.T) {
		s := srv.connect(t, "session")
		run(t, s, "SET application_name = 'carried'; BEGIN; CREATE TABLE tx (a int);")
		got := run(t, s, "SHOW application_name; ROLLBACK; SELECT to_regclass('tx') IS NULL AS gone;")
		want := " application_name \n------------------\n carried\n(1 row)\n\nROLLBACK\n gone \n------\n t\n(1 row)\n\n"
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("looks like psql to the server", func(t *testing.T) {
		if got := run(t, srv.connect(t, "session"), "SHOW application_name;"); !strings.Contains(got, " psql\n") {
			t.Errorf("application_name: %q", got)
		}
	})
	t.Run("errors do not stop the script", func(t *testing.T) {
		var b strings.Builder
		errored, err := srv.connect(t, "session").Run(context.Background(), "SELECT 1/0; SELECT 2 AS two;", &b)
		if !errored || err != nil {
			t.Errorf("errored=%v err=%v, want true <nil>", errored, err)
		}
		if want := "ERROR:  division by zero\n two \n-----\n   2\n(1 row)\n\n"; b.String() != want {
			t.Errorf("got %q, want %q", b.String(), want)
		}
	})
	t.Run("rejects meta-commands before running anything", func(t *testing.T) {
		var b strings.Builder
		_, err := srv.connect(t, "session").Run(context.Background(), "CREATE TABLE never (a int);\n\\copy never from 'f'\n", &b)
		if err == nil || !strings.Contains(err.Error(), "line 2") || b.Len() != 0 {
			t.Errorf("err=%v output=%q, want a line 2 error and no output", err, b.String())
		}
	})
	t.Run("psql settings and variables carry across runs", func(t *testing.T) {
		s := srv.connect(t, "session")
		run(t, s, "\\x\nSELECT 'v' AS k \\gset")
		got := run(t, s, "SELECT :'k' AS k;")
		if want := "-[ RECORD 1 ]\nk | v\n\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("describe commands refuse what their own psql cannot see", func(t *testing.T) { testDescribeLimits(t, srv) })
	t.Run("results past the limits fail the block", func(t *testing.T) { testLimits(t, srv) })
	t.Run("all a block prints counts toward one limit", func(t *testing.T) { testBlockLimit(t, srv) })
	t.Run("timeout keeps partial output and the session", func(t *testing.T) { testTimeout(t, srv) })
	t.Run("alive until the backend dies", func(t *testing.T) { testAlive(t, srv) })
}

func testDescribeLimits(t *testing.T, srv *server) {
	tests := []struct{ setup, script, want string }{
		{"", "\\dt", "needs the node's own psql"},
		{"BEGIN;", "\\dt", `line 1: psql meta-command \dt inside a transaction block is not supported`},
		{"CREATE TEMP TABLE tmp (a int); DROP TABLE tmp;", "SELECT 1;\n\\d tmp", `line 2: psql meta-command \d after creating temporary objects is not supported`},
	}
	// psql itself decides what failed: \d of a missing name exits 1, \dt
	// of one only says so.
	s := srv.connect(t, "session")
	s.SetClient(srv.resident(t))
	for script, want := range map[string]bool{`\d nosuch`: true, `\dt nosuch`: false} {
		var b strings.Builder
		errored, err := s.Run(context.Background(), script, &b)
		if err != nil || errored != want || b.String() != "Did not find any relation named \"nosuch\".\n" {
			t.Errorf("%s: errored=%v err=%v output %q", script, errored, err, b.String())
		}
	}
	for i, tt := range tests {
		s := srv.connect(t, "session")
		if i > 0 {
			s.SetClient(srv.resident(t))
		}
		run(t, s, tt.setup)
		_, err := s.Run(context.Background(), tt.script, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q after %q: err = %v, want %q", tt.script, tt.setup, err, tt.want)
		}
	}
}

// testLimits runs results past each limit: the block fails with a
// *TooLargeError naming its line, a note takes the result's place, the
// statements after it do not run, memory stays bounded and the session
// stays usable.
func testLimits(t *testing.T, srv *server) {
	tests := []struct{ name, stmt, why string }{
		{"rows", "SELECT g FROM generate_series(1, 15000000) AS g;", "it returned more than 100000 rows"},
		{"bytes of values", "SELECT repeat('x', 1000) FROM generate_series(1, 10000);", "its values passed 4 MiB"},
		{"bytes of the padded table", "SELECT CASE WHEN g = 1 THEN repeat('x', 3000) ELSE '' END AS v, g FROM generate_series(1, 5000) AS g;", "its table would pass 4 MiB"},
		{"bytes of the expanded display", "SELECT CASE WHEN g = 1 THEN repeat('x', 3000) ELSE '' END AS v FROM generate_series(1, 5000) AS g;", "its expanded display would pass 4 MiB"},
		{"COPY TO STDOUT", "COPY (SELECT repeat('x', 1000) FROM generate_series(1, 10000)) TO STDOUT;", "its COPY data passed 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := srv.connect(t, "session")
			if strings.Contains(tt.name, "expanded") {
				run(t, s, "\\x")
			}
			var b strings.Builder
			script := "SELECT 'before' AS b;\n" + tt.stmt + "\nSELECT 'after' AS a;"
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := s.Run(context.Background(), script, &b)
			runtime.ReadMemStats(&after)
			var tl *TooLargeError
			if !errors.As(err, &tl) || !strings.Contains(err.Error(), tt.why) || !strings.HasPrefix(err.Error(), "line 2: result too large to verify") {
				t.Fatalf("err = %v, want a line 2 TooLargeError saying %q", err, tt.why)
			}
			out := b.String()
			if !strings.Contains(out, "before") || strings.Contains(out, "after") ||
				!strings.HasSuffix(out, "[result too large to verify, not shown: "+tt.why+"]\n") {
				t.Errorf("output: %q", out)
			}
			// All the memory the run allocated, freed or not, bounds its peak.
			if n := after.TotalAlloc - before.TotalAlloc; n > 200<<20 {
				t.Errorf("Run allocated %d MiB", n>>20)
			}
			if got := run(t, s, "SELECT 1 AS one;"); !strings.Contains(got, " 1\n") {
				t.Errorf("after the cancelled statement: %q", got)
			}
		})
	}
}

func testTimeout(t *testing.T, srv *server) {
	s := srv.connect(t, "session")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var b strings.Builder
	start := time.Now()
	_, err := s.Run(ctx, "SELECT 'before' AS b; SELECT pg_sleep(30);", &b)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("Run took %v after its deadline", time.Since(start))
	}
	if !strings.Contains(b.String(), "before") {
		t.Errorf("partial output lost: %q", b.String())
	}
	if !s.Alive() {
		t.Fatal("session unusable after a cancelled statement")
	}
	if got := run(t, s, "SELECT 1 AS one;"); !strings.Contains(got, "(1 row)") {
		t.Errorf("after timeout: %q", got)
	}
}

func testAlive(t *testing.T, srv *server) {
	victim := srv.connect(t, "session")
	run(t, victim, "SET application_name = 'victim';")
	if !victim.Alive() {
		t.Fatal("fresh session not alive")
	}
	run(t, srv.connect(t, "session"),
		"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = 'victim';")
	if victim.Alive() {
		t.Error("Alive after its backend was terminated")
	}
	if _, err := victim.Run(context.Background(), "SELECT 1;", &strings.Builder{}); err == nil {
		t.Error("Run on a dead session returned no error")
	}
}

func (s *server) connect(t testing.TB, db string) *Session {
	t.Helper()
	sess, err := Connect(context.Background(), s.connString(db))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { sess.Close(context.Background()) })
	return sess
}

// run runs a script that must not fail and returns its output.
func run(t testing.TB, s *Session, script string) string {
	t.Helper()
	var b strings.Builder
	if errored, err := s.Run(context.Background(), script, &b); errored || err != nil {
		t.Fatalf("Run(%q): errored=%v err=%v\n%s", script, errored, err, b.String())
	}
	return b.String()
}

// testBlockLimit runs blocks each of whose results is under the limit but
// whose output together passes it: the block fails with a *TooLargeError
// at the line that passed it, the page stays within MaxResultBytes with the
// note at its end, and nothing after it runs.
func testBlockLimit(t *testing.T, srv *server) {
	const mib3 = "repeat('x', 3 * 1024 * 1024)"
	const col = "repeat('x', 700 * 1024)" // a table of about 2 MiB: header, dashes and value
	tests := []struct {
		name, script string
		line         int
	}{
		{"echo of a variable", "SELECT " + mib3 + " || repeat('y', 2 * 1024 * 1024) AS big \\gset\n\\echo :big :big\n", 2},
		{"results", "SELECT " + col + " AS a;\nSELECT " + col + " AS b;\n", 2},
		{"notices", "DO $$ BEGIN RAISE NOTICE '%', " + mib3 + "; END $$;\nDO $$ BEGIN RAISE NOTICE '%', " + mib3 + "; END $$;\n", 2},
		{"COPY data after a result", "SELECT " + col + " AS a;\nCOPY (SELECT " + mib3 + ") TO STDOUT;\n", 2},
		{"describe after a result", "CREATE TABLE IF NOT EXISTS limit_t (a int);\nSELECT repeat('x', 4 * 1024 * 1024 - 300) AS a \\gset\n\\echo :a\n\\d limit_t\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := srv.connect(t, "session")
			s.SetClient(srv.resident(t))
			var b strings.Builder
			errored, err := s.Run(context.Background(), tt.script+"SELECT 'after' AS after;\n", &b)
			want := fmt.Sprintf("line %d: result too large to verify: ", tt.line)
			var tl *TooLargeError
			if !errors.As(err, &tl) || !strings.HasPrefix(err.Error(), want) || !errored {
				t.Fatalf("Run = %v, %v; want a TooLargeError starting %q", errored, err, want)
			}
			out := b.String()
			if b.Len() > MaxResultBytes || strings.Contains(out, "after") ||
				!strings.HasSuffix(out, "[result too large to verify, not shown: "+tl.Why+"]\n") {
				t.Errorf("output of %d bytes ending %q", b.Len(), out[max(len(out)-200, 0):])
			}
		})
	}
}
