package run

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

// TestProbeWithNoGoodSampleFailsAtItsFirstBlock runs a probe whose every
// sample fails: the run stops with an error at the first sampled block
// that carries the first sample's error, and the series keeps that error.
func TestProbeWithNoGoodSampleFailsAtItsFirstBlock(t *testing.T) {
	p := &course.Probe{Name: "p", Node: "db", Every: 10 * time.Millisecond, Query: "SELECT nosuchcol FROM nosuchtable",
		Pos: course.Pos{File: "c.md", Line: 2}}
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "ok\n", false, nil }}
	st.sample = func(n int) ([]string, []float64, error) {
		return nil, nil, errors.New(`ERROR: relation "nosuchtable" does not exist (SQLSTATE 42P01)`)
	}
	b1 := block("sql", "db", "SELECT 1;", "ok\n")
	b1.Sample = p
	b2 := block("sql", "db", "SELECT 2;", "ok\n")
	b2.Sample = p
	b2.Pos.Line = 12
	after := block("sql", "db", "SELECT 3;", "ok\n")
	res, err := Run(context.Background(), st, courseOf(b1, b2, after), Options{})
	var be *BlockError
	if !errors.As(err, &be) || be.Block != b1 || be.Kind != KindBroken {
		t.Fatalf("want a broken-block error at the first sampled block, got %v", err)
	}
	if !strings.Contains(be.Error(), `relation "nosuchtable" does not exist`) || !strings.Contains(be.Error(), "probe p") {
		t.Errorf("error does not name the probe and the first sample's error: %v", be)
	}
	if res.Blocks[after] != nil {
		t.Error("the run went on past the failed probe")
	}
	s := res.Series[p]
	if s == nil || s.Errors == 0 || !strings.Contains(s.FirstError, "nosuchtable") || len(s.Points) != 0 {
		t.Fatalf("series: %+v", s)
	}
}

// TestProbeWithSomeFailedSamplesPasses: samples that fail between good
// ones are counted, the first one's error kept, and the run goes on.
func TestProbeWithSomeFailedSamplesPasses(t *testing.T) {
	p := &course.Probe{Name: "p", Node: "db", Every: 10 * time.Millisecond, Query: "SELECT 1 AS a"}
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "ok\n", false, nil }}
	st.sample = func(n int) ([]string, []float64, error) {
		switch n {
		case 1:
			return nil, nil, errors.New("FATAL: the database system is starting up")
		case 2:
			return []string{"b"}, []float64{1}, nil // another shape: counts as failed
		}
		return []string{"a"}, []float64{float64(n)}, nil
	}
	b1 := block("sql", "db", "SELECT 1;", "ok\n")
	b1.Sample = p
	res, err := Run(context.Background(), st, courseOf(b1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Series[p]
	if s.Errors != 1 || s.FirstError != "FATAL: the database system is starting up" || len(s.Points) == 0 {
		t.Fatalf("series: %+v", s)
	}
	if s.Failed() != nil {
		t.Errorf("a probe with good samples failed: %v", s.Failed())
	}
}

// TestSeriesFailed covers the rule on its own: no point and some errors
// fail; no sample at all (nothing ran) or one good point does not.
func TestSeriesFailed(t *testing.T) {
	p := &course.Probe{Name: "p", Node: "db"}
	if err := (&course.Series{Probe: p}).Failed(); err != nil {
		t.Errorf("no samples taken: %v", err)
	}
	if err := (&course.Series{Probe: p, Errors: 3, Points: []course.Point{{V: []float64{1}}}, Columns: []string{"a"}}).Failed(); err != nil {
		t.Errorf("one good sample: %v", err)
	}
	err := (&course.Series{Probe: p, Errors: 3, FirstError: "ERROR: boom"}).Failed()
	if err == nil || !strings.Contains(err.Error(), "ERROR: boom") || !strings.Contains(err.Error(), "3 failed") {
		t.Errorf("all failed: %v", err)
	}
}

// TestProbeNullLeavesAGapInItsLineOnly: a NULL (NaN from the stand) in one
// column marks that value missing and keeps the others; a sample that
// fails once the columns are known is a point with every value missing;
// a column NULL in every sample does not fail the probe while another
// column has values, and a query that is NULL in every column does.
func TestProbeNullLeavesAGapInItsLineOnly(t *testing.T) {
	p := &course.Probe{Name: "p", Node: "db", Every: 10 * time.Millisecond, Query: "SELECT 1 AS a, NULL::int AS b"}
	st := &fakeStand{sql: func(string, string, int) (string, bool, error) { return "ok\n", false, nil }}
	st.sample = func(n int) ([]string, []float64, error) {
		if n == 2 {
			return nil, nil, errors.New("FATAL: terminating connection due to administrator command")
		}
		return []string{"a", "b"}, []float64{float64(n), math.NaN()}, nil
	}
	b1 := block("sql", "db", "SELECT 1;", "ok\n")
	b1.Sample = p
	res, err := Run(context.Background(), st, courseOf(b1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Series[p]
	if len(s.Points) < 2 || s.Errors != 1 {
		t.Fatalf("series: %+v", s)
	}
	if pt := s.Points[0]; !pt.Has(0) || pt.V[0] != 1 || pt.Has(1) || pt.V[1] != 0 {
		t.Errorf("first point %+v: want a=1 and b missing", pt)
	}
	if pt := s.Points[1]; pt.Has(0) || pt.Has(1) || pt.Good() {
		t.Errorf("the failed sample's point %+v has values", pt)
	}

	allNull := &course.Probe{Name: "q", Node: "db", Every: 10 * time.Millisecond, Query: "SELECT NULL::int AS a"}
	st.sample = func(int) ([]string, []float64, error) { return []string{"a"}, []float64{math.NaN()}, nil }
	b2 := block("sql", "db", "SELECT 1;", "ok\n")
	b2.Sample = allNull
	_, err = Run(context.Background(), st, courseOf(b2), Options{})
	var be *BlockError
	if !errors.As(err, &be) || be.Block != b2 || !strings.Contains(be.Msg, "NULL in all") {
		t.Errorf("a probe of NULLs only: %v", err)
	}
}
