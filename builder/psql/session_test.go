package psql

import (
	"context"
	"errors"
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
		_, err := srv.connect(t, "session").Run(context.Background(), "CREATE TABLE never (a int);\n\\dt\n", &b)
		if err == nil || !strings.Contains(err.Error(), "line 2") || b.Len() != 0 {
			t.Errorf("err=%v output=%q, want a line 2 error and no output", err, b.String())
		}
	})
	t.Run("timeout keeps partial output and the session", func(t *testing.T) { testTimeout(t, srv) })
	t.Run("alive until the backend dies", func(t *testing.T) { testAlive(t, srv) })
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

func (s *server) connect(t *testing.T, db string) *Session {
	t.Helper()
	sess, err := Connect(context.Background(), s.connString(db))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { sess.Close(context.Background()) })
	return sess
}

// run runs a script that must not fail and returns its output.
func run(t *testing.T, s *Session, script string) string {
	t.Helper()
	var b strings.Builder
	if errored, err := s.Run(context.Background(), script, &b); errored || err != nil {
		t.Fatalf("Run(%q): errored=%v err=%v\n%s", script, errored, err, b.String())
	}
	return b.String()
}
