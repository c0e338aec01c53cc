package progress

import (
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

func course3() []*course.Block {
	a := &course.Chapter{File: "content/03-the-primary.md"}
	b := &course.Chapter{File: "content/04-data.md"}
	return []*course.Block{
		{Chapter: a, Node: "primary", Code: "SELECT 1;", Pos: course.Pos{File: a.File, Line: 10}},
		{Chapter: a, Node: "replica", Code: "SELECT 2;", Pos: course.Pos{File: a.File, Line: 20}},
		{Chapter: b, Node: "primary", Code: "SELECT 3;", Pos: course.Pos{File: b.File, Line: 5}},
	}
}

// clock is a fake time source the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newPrinter(w *strings.Builder, opt Options) (*Printer, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := New(w, opt)
	p.now = c.now
	return p, c
}

func TestPlainLinesPerChapter(t *testing.T) {
	var w strings.Builder
	p, _ := newPrinter(&w, Options{Verbose: true})
	bs := course3()
	for i, b := range bs {
		p.OnBlock(i, len(bs), b, nil)
		p.OnBlock(i, len(bs), b, &course.Result{Output: "ok\n"})
	}
	p.Close()
	want := "chapter 03-the-primary.md (block 1/3)\n  content/03-the-primary.md:10 [primary] SELECT 1; (0s)\nok\n" +
		"  content/03-the-primary.md:20 [replica] SELECT 2; (0s)\nok\n" +
		"chapter 04-data.md (block 3/3)\n  content/04-data.md:5 [primary] SELECT 3; (0s)\nok\n"
	if w.String() != want {
		t.Errorf("got %q\nwant %q", w.String(), want)
	}
}

// TestLiveStatusEstimates checks the live line: the estimate comes from
// the earlier run's timings where known, else from the blocks so far.
func TestLiveStatusEstimates(t *testing.T) {
	var w strings.Builder
	bs := course3()
	p, c := newPrinter(&w, Options{Live: true, Prior: []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}})
	defer p.Close()
	p.OnBlock(0, 3, bs[0], nil)
	c.advance(4 * time.Second)
	if got, want := p.Status(), "03-the-primary.md · block 1/3 · primary · 4s · about 56s left"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	p.OnBlock(0, 3, bs[0], &course.Result{})
	st := p.Status()
	if !strings.HasSuffix(st, "about 50s left") {
		t.Errorf("after block 1: %q", st)
	}

	var w2 strings.Builder
	q, c2 := newPrinter(&w2, Options{Live: true})
	defer q.Close()
	q.OnBlock(0, 3, bs[0], nil)
	if s := q.Status(); strings.Contains(s, "left") {
		t.Errorf("no estimate is possible yet: %q", s)
	}
	c2.advance(6 * time.Second)
	q.OnBlock(0, 3, bs[0], &course.Result{})
	q.OnBlock(1, 3, bs[1], nil)
	if got := q.Status(); !strings.HasSuffix(got, "· 6s · about 12s left") {
		t.Errorf("mean of the blocks so far: %q", got)
	}
}

// TestLiveLineStaysBelowLog checks that log lines written meanwhile clear
// the live line first, and that Close removes it.
func TestLiveLineStaysBelowLog(t *testing.T) {
	var w strings.Builder
	bs := course3()
	p, _ := newPrinter(&w, Options{Live: true})
	p.OnBlock(0, 3, bs[0], nil)
	p.Write([]byte("stand x on image y\n"))
	p.Close()
	want := "\r\033[K03-the-primary.md · block 1/3 · primary · 0s" + "\r\033[K" + "stand x on image y\n" +
		"\r\033[K03-the-primary.md · block 1/3 · primary · 0s" + "\r\033[K"
	if w.String() != want {
		t.Errorf("got %q\nwant %q", w.String(), want)
	}
}
