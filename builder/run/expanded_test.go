package run

import (
	"context"
	"errors"
	"strings"
	"testing"

	"replcourse/builder/psql"
)

// replication is an expanded (\x) record as psql prints it, formatted by
// the same code the session uses.
func replication(app, replay string) string {
	str := func(s string) *string { return &s }
	cols := []psql.Column{{Name: "pid", TypeOID: 23}, {Name: "application_name", TypeOID: 25},
		{Name: "sent_lsn", TypeOID: 3220}, {Name: "replay_lsn", TypeOID: 3220}, {Name: "reply_time", TypeOID: 1184}}
	return psql.FormatExpanded(cols, [][]*string{
		{str("4242"), str(app), str("0/3000148"), str(replay), str("2026-11-30 10:01:02.123456+00")},
		{str("4343"), str("other"), str("0/3000148"), str("0/3000148"), nil},
	})
}

const expandedExpected = `-[ RECORD 1 ]----+------------------------------
pid              | {{pid}}
application_name | replica
sent_lsn         | {{lsn:sent}}
replay_lsn       | {{@sent}}
reply_time       | {{ts}}
-[ RECORD 2 ]----+------------------------------
pid              | {{pid}}
application_name | other
sent_lsn         | {{lsn}}
replay_lsn       | {{lsn}}
reply_time       | {{ts?}}
`

// TestExpandedOutputMatchesPlaceholders: an expanded record is compared
// line by line; placeholders and captures work in the value after "| ",
// and the record lines are compared by number, whatever their dashes.
func TestExpandedOutputMatchesPlaceholders(t *testing.T) {
	st := &fakeStand{sql: func(node, script string, call int) (string, bool, error) {
		return replication("replica", "0/3000148"), false, nil
	}}
	short := strings.Replace(expandedExpected, "-[ RECORD 1 ]----+------------------------------", "-[ RECORD 1 ]-", 1)
	for _, expected := range []string{expandedExpected, short} {
		b := block("sql", "primary", "\\x\nSELECT * FROM pg_stat_replication;", expected)
		res, err := Run(context.Background(), st, courseOf(b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Vars["sent"] != "0/3000148" {
			t.Errorf("captures: %v", res.Vars)
		}
	}
	st.sql = func(node, script string, call int) (string, bool, error) {
		return replication("replica", "0/3000150"), false, nil
	}
	b := block("sql", "primary", "\\x\nSELECT * FROM pg_stat_replication;", expandedExpected)
	if _, err := Run(context.Background(), st, courseOf(b), Options{}); err == nil || !strings.Contains(err.Error(), "+replay_lsn       | 0/3000150") {
		t.Errorf("a differing captured value: err = %v", err)
	}
}

// TestUpdateKeepsPlaceholdersInExpandedOutput: rewriting an expectation from
// a changed record keeps the placeholders of the lines that still match,
// and re-pads the result as psql would print the text as written: the
// record header lines span the widest value, {{lsn:sent}}.
func TestUpdateKeepsPlaceholdersInExpandedOutput(t *testing.T) {
	st := &fakeStand{sql: func(node, script string, call int) (string, bool, error) {
		return replication("standby1", "0/3000148"), false, nil
	}}
	b := block("sql", "primary", "\\x\nSELECT * FROM pg_stat_replication;", expandedExpected)
	res, err := Run(context.Background(), st, courseOf(b), Options{KeepGoing: true})
	if err != nil || len(res.Mismatches) != 1 {
		t.Fatalf("err = %v, mismatches %d", err, len(res.Mismatches))
	}
	want := strings.Replace(expandedExpected, "application_name | replica\n", "application_name | standby1\n", 1)
	want = strings.ReplaceAll(want, "----+------------------------------\n", "----+-------------\n")
	if got := res.Mismatches[0].Masked; got != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
	}
}

// TestTooLargeResultFailsTheBlock: a result past the session's limits
// fails the block, naming the chapter line, the statement's line in the
// block and the limit, with the session's note in the output.
func TestTooLargeResultFailsTheBlock(t *testing.T) {
	note := "[result too large to verify, not shown: it returned more than 100000 rows]\n"
	st := &fakeStand{sql: func(node, script string, call int) (string, bool, error) {
		return note, true, &psql.TooLargeError{Line: 2, Why: "it returned more than 100000 rows"}
	}}
	b := block("sql", "primary", "SELECT 1;\nSELECT generate_series(1, 15000000);", "{{...}}\n")
	_, err := Run(context.Background(), st, courseOf(b), Options{})
	var be *BlockError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a BlockError", err)
	}
	msg := be.Error()
	if !strings.HasPrefix(msg, "c.md:7: sql block on primary: line 2: result too large to verify: it returned more than 100000 rows") ||
		be.Output != note {
		t.Errorf("error:\n%s\noutput %q", msg, be.Output)
	}
}
