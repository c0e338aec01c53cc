package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"replcourse/builder/course"
)

// fakeStand answers from a script of canned outputs per call; it stands in
// for Docker in tests of the runner's own logic.
type fakeStand struct {
	mu      sync.Mutex
	samples int
	sql     func(node, script string, call int) (string, bool, error)
	calls   int
	hosts   []course.HostStep
	// hostLeft is the time each host step had left before its deadline.
	hostLeft []time.Duration
	// sample answers the n-th probe query (nil: one column counting).
	sample func(n int) ([]string, []float64, error)
}

func (f *fakeStand) SQL(ctx context.Context, node, _, script string, w io.Writer) (bool, error) {
	f.calls++
	out, errored, err := f.sql(node, script, f.calls)
	io.WriteString(w, out)
	return errored, err
}

func (f *fakeStand) Shell(ctx context.Context, node, user, script string, timeout time.Duration, w io.Writer) (int, error) {
	f.calls++
	if script == "hang" {
		io.WriteString(w, "partial\n")
		<-ctx.Done()
		return 0, ctx.Err()
	}
	fmt.Fprintf(w, "%s as %s\n", script, user)
	if strings.HasPrefix(script, "exit ") {
		return 3, nil
	}
	return 0, nil
}

func (f *fakeStand) Host(ctx context.Context, st course.HostStep, w io.Writer) error {
	f.hosts = append(f.hosts, st)
	if d, ok := ctx.Deadline(); ok {
		f.hostLeft = append(f.hostLeft, time.Until(d))
	}
	fmt.Fprintf(w, "%s done\n", st.Verb)
	return nil
}

func (f *fakeStand) Logs(ctx context.Context, node string, n int) string { return "log of " + node }

func (f *fakeStand) Sample(ctx context.Context, node, query string) ([]string, []float64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.samples++
	if f.sample != nil {
		return f.sample(f.samples)
	}
	return []string{"n"}, []float64{float64(f.samples)}, nil
}

func block(lang, node, code, expected string) *course.Block {
	return &course.Block{Lang: lang, Node: node, Code: code, Run: true,
		HasExpected: expected != "", Expected: expected, Timeout: time.Second,
		Pos: course.Pos{File: "c.md", Line: 7}}
}

func courseOf(bs ...*course.Block) *course.Course {
	ch := &course.Chapter{File: "c.md", Number: 1, Blocks: bs}
	for _, b := range bs {
		b.Chapter = ch
	}
	return &course.Course{Chapters: []*course.Chapter{ch}}
}

func TestCapturesFlowIntoLaterBlocks(t *testing.T) {
	var seen string
	st := &fakeStand{sql: func(node, script string, call int) (string, bool, error) {
		if call == 1 {
			return "0/3000148\n", false, nil
		}
		seen = script
		return "ok\n", false, nil
	}}
	b1 := block("sql", "primary", "SELECT pg_current_wal_lsn();", "{{lsn:start}}\n")
	b2 := block("sql", "replica", "SELECT '{{@start}}';", "ok\n")
	res, err := Run(context.Background(), st, courseOf(b1, b2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if seen != "SELECT '0/3000148';" {
		t.Errorf("second block ran %q", seen)
	}
	if res.Vars["start"] != "0/3000148" || res.Blocks[b2].Output != "ok\n" {
		t.Errorf("results: %+v", res)
	}
}

func TestEventuallyRetriesUntilMatch(t *testing.T) {
	st := &fakeStand{sql: func(node, script string, call int) (string, bool, error) {
		if call < 3 {
			return "lagging\n", false, nil
		}
		return "caught up\n", false, nil
	}}
	b := block("sql", "replica", "SELECT 1;", "caught up\n")
	b.Eventually = 5 * time.Second
	res, err := Run(context.Background(), st, courseOf(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Blocks[b]; r.Attempts != 3 {
		t.Errorf("attempts = %d, want 3", r.Attempts)
	}
}

func TestEventuallyGivesUpWithDiff(t *testing.T) {
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "lagging\n", false, nil }}
	b := block("sql", "replica", "SELECT 1;", "caught up\n")
	b.Eventually = 500 * time.Millisecond
	_, err := Run(context.Background(), st, courseOf(b), Options{})
	var be *BlockError
	if !errors.As(err, &be) || be.Kind != KindMismatch {
		t.Fatalf("want mismatch, got %v", err)
	}
	msg := be.Error()
	for _, want := range []string{"c.md:7: sql block on replica", "-caught up", "+lagging", "log of replica", "attempts"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestFailsDeclaration(t *testing.T) {
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "ERROR:  boom\n", true, nil }}
	undeclared := block("sql", "primary", "SELECT boom;", "ERROR:  boom\n")
	_, err := Run(context.Background(), st, courseOf(undeclared), Options{})
	if err == nil || !strings.Contains(err.Error(), "raised an error") {
		t.Errorf("undeclared error: %v", err)
	}
	declared := block("sql", "primary", "SELECT boom;", "ERROR:  boom\n")
	declared.Fails = true
	if _, err := Run(context.Background(), st, courseOf(declared), Options{}); err != nil {
		t.Errorf("declared error: %v", err)
	}
	sh := block("sh", "replica", "true", "true as postgres\n")
	sh.Fails = true
	if _, err := Run(context.Background(), &fakeStand{}, courseOf(sh), Options{}); err == nil || !strings.Contains(err.Error(), "succeeded") {
		t.Errorf("fails=true that succeeded: %v", err)
	}
	exit := block("sh", "replica", "exit 3", "exit 3 as postgres\n")
	if _, err := Run(context.Background(), &fakeStand{}, courseOf(exit), Options{}); err == nil || !strings.Contains(err.Error(), "status 3") {
		t.Errorf("non-zero exit: %v", err)
	}
}

func TestTimeoutKeepsPartialOutput(t *testing.T) {
	b := block("sh", "primary", "hang", "")
	b.Timeout = 100 * time.Millisecond
	_, err := Run(context.Background(), &fakeStand{}, courseOf(b), Options{})
	var be *BlockError
	if !errors.As(err, &be) || !strings.Contains(be.Msg, "timed out after 100ms") || be.Output != "partial\n" {
		t.Fatalf("got %#v", err)
	}
}

func TestHostStepsAndUntil(t *testing.T) {
	st := &fakeStand{}
	b := block("sh", "host", "docker compose up -d\ndocker compose stop primary\n", "up done\nstop done\n")
	later := block("sh", "host", "docker compose down", "")
	ch2 := &course.Chapter{File: "d.md", Number: 2, Blocks: []*course.Block{later}}
	c := courseOf(b)
	c.Chapters = append(c.Chapters, ch2)
	if _, err := Run(context.Background(), st, c, Options{Until: 1}); err != nil {
		t.Fatal(err)
	}
	if len(st.hosts) != 2 || st.hosts[1].Verb != "stop" || st.hosts[1].Services[0] != "primary" {
		t.Errorf("host steps: %+v", st.hosts)
	}
}

func TestOutputIsCapped(t *testing.T) {
	big := strings.Repeat("x", MaxOutput+10)
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return big, false, nil }}
	b := block("sql", "primary", "SELECT;", "short\n")
	res, _ := Run(context.Background(), st, courseOf(b), Options{})
	out := res.Blocks[b].Output
	if len(out) > MaxOutput+100 || !strings.Contains(out, "[output cut: 10 more bytes]") {
		t.Errorf("output of %d bytes, tail %q", len(out), out[len(out)-40:])
	}
}

// TestProbeSamplesAcrossItsBlocks checks that a probe runs from the first
// block that samples it to the last, marks each, and ends with a sample
// taken after the last block.
func TestProbeSamplesAcrossItsBlocks(t *testing.T) {
	p := &course.Probe{Name: "lag", Node: "primary", Every: 10 * time.Millisecond, Query: "SELECT 1"}
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "ok\n", false, nil }}
	b1 := block("sh", "primary", "true", "true as \n")
	b1.Sample = p
	b2 := block("sql", "primary", "SELECT 2;", "ok\n")
	b2.Sample = p
	after := block("sql", "primary", "SELECT 3;", "ok\n")
	res, err := Run(context.Background(), st, courseOf(b1, b2, after), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Series[p]
	if s == nil || len(s.Marks) != 2 || s.Marks[0].Block != b1 || s.Marks[1].Block != b2 {
		t.Fatalf("series: %+v", s)
	}
	if len(s.Points) < 2 {
		t.Fatalf("want at least a first and a final sample, got %d", len(s.Points))
	}
	if last := s.Points[len(s.Points)-1]; last.T < s.Marks[1].T {
		t.Errorf("last sample at %s, before the last block started at %s", last.T, s.Marks[1].T)
	}
}

// TestKeepGoingPastMismatches checks the update mode's run: it goes past a
// mismatch, rewrites its expectation keeping the placeholders, lets the
// capture of the rewritten text reach the next block, and still stops at
// a block whose fails= declaration no longer holds.
func TestKeepGoingPastMismatches(t *testing.T) {
	var seen string
	st := &fakeStand{sql: func(node, script string, call int) (string, bool, error) {
		switch call {
		case 1:
			return " lsn       | state\n-----------+---------\n 0/3000148 | catchup\n(1 row)\n", false, nil
		case 2:
			seen = script
			return "ok\n", false, nil
		}
		return "fine\n", false, nil
	}}
	b1 := block("sql", "primary", "SELECT 1;", "       lsn       |   state\n-----------------+-----------\n {{lsn:at}}      | streaming\n(1 row)\n")
	b2 := block("sql", "primary", "SELECT '{{@at}}';", "ok\n")
	b3 := block("sql", "primary", "SELECT 3;", "fine\n")
	b3.Fails = true
	b4 := block("sql", "primary", "SELECT 4;", "never\n")
	res, err := Run(context.Background(), st, courseOf(b1, b2, b3, b4), Options{KeepGoing: true})
	var be *BlockError
	if !errors.As(err, &be) || be.Block != b3 || be.Kind == KindMismatch {
		t.Fatalf("want the fails=true block to stop the run, got %v", err)
	}
	if len(res.Mismatches) != 1 || res.Mismatches[0].Block != b1 {
		t.Fatalf("mismatches: %+v", res.Mismatches)
	}
	want := "    lsn     |  state\n------------+---------\n {{lsn:at}} | catchup\n(1 row)\n"
	if got := res.Mismatches[0].Masked; got != want {
		t.Errorf("masked:\n%s\nwant:\n%s", got, want)
	}
	if seen != "SELECT '0/3000148';" {
		t.Errorf("the capture of the rewritten text did not reach block 2: %q", seen)
	}
	if res.Blocks[b4] != nil {
		t.Error("the run went past a hard error")
	}
}

// TestKeepGoingEventuallyTakesLastOutput checks that an eventually block
// that never matches is rewritten from its last attempt.
func TestKeepGoingEventuallyTakesLastOutput(t *testing.T) {
	st := &fakeStand{sql: func(_, _ string, call int) (string, bool, error) {
		return fmt.Sprintf("attempt %d\n", call), false, nil
	}}
	b := block("sql", "replica", "SELECT 1;", "caught up\n")
	b.Eventually = 300 * time.Millisecond
	res, err := Run(context.Background(), st, courseOf(b), Options{KeepGoing: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Blocks[b]
	if len(res.Mismatches) != 1 || r.Attempts < 2 || res.Mismatches[0].Masked != fmt.Sprintf("attempt %d\n", r.Attempts) {
		t.Errorf("attempts %d, mismatches %+v", r.Attempts, res.Mismatches)
	}
}

// TestHostStepsFollowReadinessBounds: a host block without timeout= is
// bounded by its steps' own bounds (course.HostTimeout: compose operation,
// then readiness), not by the default block timeout; one with timeout=
// keeps it.
func TestHostStepsFollowReadinessBounds(t *testing.T) {
	st := &fakeStand{}
	b := block("sh", "host", "docker compose up -d\n", "up done\n")
	b.Timeout = 60 * time.Second // the loader's default
	if _, err := Run(context.Background(), st, courseOf(b), Options{}); err != nil {
		t.Fatal(err)
	}
	if len(st.hostLeft) != 1 || st.hostLeft[0] <= course.HostComposeTimeout+course.HostReadyTimeout {
		t.Errorf("up -d had %v left, want more than the compose and readiness bounds (%s + %s)",
			st.hostLeft, course.HostComposeTimeout, course.HostReadyTimeout)
	}
	st = &fakeStand{}
	b = block("sh", "host", "docker compose up -d\n", "up done\n")
	b.Attrs = map[string]string{"timeout": "5s"}
	b.Timeout = 5 * time.Second
	if _, err := Run(context.Background(), st, courseOf(b), Options{}); err != nil {
		t.Fatal(err)
	}
	if len(st.hostLeft) != 1 || st.hostLeft[0] > 5*time.Second {
		t.Errorf("up -d with timeout=5s had %v left", st.hostLeft)
	}
}

// TestProbeKeepsEveryColumn: a probe whose query returns several columns
// records their names once and one value per column at every sample; a
// sample that fails or comes back in another shape (no column, other
// names, a value missing) counts as failed: before the columns are known
// it adds nothing, after it adds a point without values (a gap).
func TestProbeKeepsEveryColumn(t *testing.T) {
	s := &sampler{series: &course.Series{Probe: &course.Probe{Name: "stages"}}, start: time.Now()}
	cols := []string{"write", "replay"}
	s.record(nil, nil, errors.New("connection refused"))
	s.record(cols, []float64{1, 10}, nil)
	cols[0] = "changed after the call" // the series keeps its own copy
	s.record(nil, nil, nil)
	s.record([]string{"write", "other"}, []float64{2, 20}, nil)
	s.record([]string{"write", "replay"}, []float64{3}, nil)
	s.record([]string{"write", "replay"}, []float64{4, 40}, nil)
	got := s.series
	if !slices.Equal(got.Columns, []string{"write", "replay"}) {
		t.Errorf("columns %q", got.Columns)
	}
	if got.Errors != 4 {
		t.Errorf("%d failed samples, want 4", got.Errors)
	}
	pts := got.Points
	if len(pts) != 5 || !slices.Equal(pts[0].V, []float64{1, 10}) || !pts[0].Has(0) || !pts[0].Has(1) ||
		!slices.Equal(pts[4].V, []float64{4, 40}) || !pts[4].Good() {
		t.Fatalf("points %+v", pts)
	}
	for _, pt := range pts[1:4] {
		if pt.Good() {
			t.Errorf("the failed sample's point %+v has values", pt)
		}
	}
}

// TestProbeOfSeveralColumnsAcrossItsBlocks runs a probe of two columns
// through the runner: the series carries the columns' names and both
// values of every sample.
func TestProbeOfSeveralColumnsAcrossItsBlocks(t *testing.T) {
	p := &course.Probe{Name: "stages", Node: "primary", Every: 10 * time.Millisecond, Query: "SELECT …"}
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "ok\n", false, nil }}
	st.sample = func(n int) ([]string, []float64, error) {
		return []string{"write", "replay"}, []float64{float64(n), float64(10 * n)}, nil
	}
	b1 := block("sql", "primary", "SELECT 1;", "ok\n")
	b1.Sample = p
	b2 := block("sql", "primary", "SELECT 2;", "ok\n")
	b2.Sample = p
	res, err := Run(context.Background(), st, courseOf(b1, b2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Series[p]
	if s == nil || !slices.Equal(s.Columns, []string{"write", "replay"}) || len(s.Points) < 2 || s.Errors != 0 {
		t.Fatalf("series: %+v", s)
	}
	for _, pt := range s.Points {
		if len(pt.V) != 2 || pt.V[1] != 10*pt.V[0] {
			t.Errorf("point %+v is not a sample of both columns", pt)
		}
	}
}
