package run

import (
	"context"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

// sqlByScript answers each script from outs (its output, whether it
// raised an error); a script not in outs prints "?".
func sqlByScript(outs map[string]struct {
	out string
	err bool
}) func(node, script string, call int) (string, bool, error) {
	return func(node, script string, call int) (string, bool, error) {
		o, ok := outs[script]
		if !ok {
			return "?\n", false, nil
		}
		return o.out, o.err, nil
	}
}

// A Past run goes past a mismatch, an unexpected error and a missing
// value, runs every later block that can run, and lists each failure in
// order; a plain run stops at the first.
func TestPastGoesPastFailures(t *testing.T) {
	type o = struct {
		out string
		err bool
	}
	st := &fakeStand{sql: sqlByScript(map[string]o{
		"A": {"0/3000148 different\n", false},
		"B": {"ERROR:  relation \"t\" does not exist\n", true},
		"C": {"0/4000000\n", false},
		"E": {"fine\n", false},
	})}
	a := block("sql", "db", "A", "{{lsn:a}} same\n")  // mismatch: captures a from the real output
	b := block("sql", "db", "B", "{{lsn:b}}\n")       // unexpected error: captures nothing
	c := block("sql", "db", "C", "{{lsn:c}}\n")       // matches
	d := block("sql", "db", "SELECT '{{@b}}'", "x\n") // uses b: fails without running
	e := block("sql", "db", "E", "fine\n")            // still runs
	f := block("sql", "db", "SELECT '{{@a}}'", "?\n") // a was read from A's real output
	for i, bl := range []*course.Block{a, b, c, d, e, f} {
		bl.Pos.Line = 10 * (i + 1)
	}
	crs := courseOf(a, b, c, d, e, f)
	if _, err := Run(context.Background(), st, crs, Options{}); err == nil || !strings.Contains(err.Error(), "c.md:10") {
		t.Fatalf("a plain run: %v, want it to stop at c.md:10", err)
	}
	st.calls = 0
	res, err := Run(context.Background(), st, crs, Options{Past: true})
	if err != nil {
		t.Fatalf("a Past run returned %v", err)
	}
	var got []string
	for _, f := range res.Failures {
		got = append(got, f.Block.Pos.String()+" "+f.Msg)
	}
	want := []string{
		"c.md:10 output does not match the expected output",
		"c.md:20 raised an error (add fails=true if that is what the chapter shows)",
		"c.md:40 did not run: it uses {{@b}}, which the block at c.md:20 captures, and that block failed or was skipped in this run",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Vars["a"] != "0/3000148" || res.Vars["c"] != "0/4000000" {
		t.Errorf("captures %v", res.Vars)
	}
	if _, ok := res.Vars["b"]; ok {
		t.Error("a block that failed captured a value")
	}
	if res.Blocks[d] != nil || res.Blocks[e] == nil || res.Blocks[f] == nil {
		t.Errorf("blocks that ran: d %v, e %v, f %v", res.Blocks[d], res.Blocks[e], res.Blocks[f])
	}
	if st.calls != 5 {
		t.Errorf("%d blocks ran, want 5 (all but the one missing a value)", st.calls)
	}
}

// On a version, a block compares against its alternative for that
// version, and a block marked since= a later version is skipped, listed.
func TestVersionAlternativesAndSince(t *testing.T) {
	type o = struct {
		out string
		err bool
	}
	st := &fakeStand{sql: sqlByScript(map[string]o{
		"A": {"fifteen\n", false},
		"B": {"new\n", false},
		"C": {"same\n", false},
	})}
	a := block("sql", "db", "A", "seventeen\n")
	a.Alternatives = []course.Alternative{{Version: 15, Text: "fifteen\n"}, {Version: 18, Text: "eighteen\n"}}
	b := block("sql", "db", "B", "new\n")
	b.Since, b.SinceWhy = 16, "new in 16"
	c := block("sql", "db", "C", "same\n")
	crs := courseOf(a, b, c)

	res, err := Run(context.Background(), st, crs, Options{Version: 15, Past: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 0 || len(res.Skipped) != 1 || res.Skipped[0] != b || res.Blocks[b] != nil {
		t.Errorf("on 15: failures %v, skipped %v", res.Failures, res.Skipped)
	}
	res, err = Run(context.Background(), st, crs, Options{Version: 18, Past: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 || res.Failures[0].Block != a || !strings.Contains(res.Failures[0].Diff, "-eighteen") {
		t.Errorf("on 18: %v, want a's mismatch against its pg=18 alternative", res.Failures)
	}
	if len(res.Skipped) != 0 || res.Blocks[b] == nil {
		t.Error("on 18 the since=16 block must run")
	}
	// The main version (0) compares against the block's own output.
	if _, err := Run(context.Background(), st, crs, Options{}); err == nil || !strings.Contains(err.Error(), "+fifteen") {
		t.Errorf("main version: %v, want a mismatch against the main output", err)
	}
}

// A Past run does not spend every block's whole timeout on a node that
// does not answer: after two blocks in a row on it time out, its blocks
// are failures that say why, without running, until a host step; other
// nodes run meanwhile.
func TestPastNodeThatDoesNotAnswer(t *testing.T) {
	st := &fakeStand{}
	hang1 := block("sh", "replica", "hang", "x\n")
	hang2 := block("sh", "replica", "hang", "x\n")
	skipped := block("sh", "replica", "echo x", "echo x as \n")
	other := block("sh", "primary", "echo p", "echo p as \n")
	host := block("sh", course.Host, "docker compose restart replica", "restart done\n")
	after := block("sh", "replica", "echo y", "echo y as \n")
	for i, bl := range []*course.Block{hang1, hang2, skipped, other, host, after} {
		bl.Pos.Line = 10 * (i + 1)
		bl.Timeout = 100 * time.Millisecond
	}
	res, err := Run(context.Background(), st, courseOf(hang1, hang2, skipped, other, host, after), Options{Past: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Failures {
		got = append(got, f.Block.Pos.String()+" "+f.Msg)
	}
	want := []string{
		"c.md:10 timed out after 100ms",
		"c.md:20 timed out after 100ms",
		"c.md:30 did not run: replica did not answer the blocks at c.md:10 and c.md:20 within their bounds, and no host step has changed the stand since",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Blocks[other] == nil || res.Blocks[after] == nil || res.Blocks[skipped] != nil {
		t.Error("the other node's block and the block after the host step must run; the third on the silent node must not")
	}
}
