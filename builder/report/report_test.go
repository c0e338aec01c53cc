package report

import (
	"errors"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/run"
)

func blocks() (*course.Chapter, []*course.Block) {
	ch := &course.Chapter{File: "/repo/content/03-the-primary.md"}
	mk := func(line int, node, code string) *course.Block {
		return &course.Block{Chapter: ch, Pos: course.Pos{File: ch.File, Line: line}, Lang: "sql", Node: node, Code: code}
	}
	bs := []*course.Block{mk(10, "primary", "SHOW config_file;\nSHOW hba_file;\n"), mk(30, "primary", "SELECT 100%, 'a:b,c';\n"), mk(50, "replica", "SELECT 3;\n")}
	ch.Blocks = bs
	return ch, bs
}

func mismatch(b *course.Block) *run.BlockError {
	return &run.BlockError{Block: b, Kind: run.KindMismatch, Msg: "output does not match the expected output",
		Diff: "--- expected\n+++ actual\n@@ -1 +1 @@\n-(6 rows)\n+(5 rows)\n"}
}

func TestAnnotateEscapes(t *testing.T) {
	_, bs := blocks()
	var b strings.Builder
	Annotate(&b, "/repo",
		mismatch(bs[1]),
		course.Errorf(course.Pos{File: "/repo/content/a,b:c.md", Line: 4}, "100%% wrong\r\nreally"),
		errors.New("Docker is not reachable"))
	want := "::error file=content/03-the-primary.md,line=30,title=output mismatch::" +
		"/repo/content/03-the-primary.md:30: sql block on primary: output does not match the expected output%0A" +
		"  command: SELECT 100%25, 'a:b,c';%0A--- expected%0A+++ actual%0A@@ -1 +1 @@%0A-(6 rows)%0A+(5 rows)\n" +
		"::error file=content/a%2Cb%3Ac.md,line=4,title=content error::100%25 wrong%0D%0Areally\n" +
		"::error title=coursebuild::Docker is not reachable\n"
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestJUnitFailureAndSkipped(t *testing.T) {
	_, bs := blocks()
	res := map[*course.Block]*course.Result{
		bs[0]: {Output: "ok", Elapsed: 12 * time.Millisecond},
		bs[1]: {Output: "(5 rows)", Elapsed: 1500 * time.Millisecond},
	}
	var b strings.Builder
	if err := JUnit(&b, Run{Root: "/repo", Blocks: bs, Results: res, Err: mismatch(bs[1])}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<testsuites name="coursebuild" tests="3" failures="1" errors="0" skipped="1" time="1.512">`,
		`<testsuite name="content/03-the-primary.md" tests="3" failures="1" errors="0" skipped="1" time="1.512">`,
		`<testcase name="content/03-the-primary.md:10 primary SHOW config_file; …" classname="content/03-the-primary.md" time="0.012"></testcase>`,
		`<testcase name="content/03-the-primary.md:30 primary SELECT 100%, &#39;a:b,c&#39;;" classname="content/03-the-primary.md" time="1.500">`,
		`<failure message="output does not match the expected output" type="mismatch">`,
		"-(6 rows)\n+(5 rows)]]></failure>",
		`<testcase name="content/03-the-primary.md:50 replica SELECT 3;" classname="content/03-the-primary.md" time="0.000">`,
		`<skipped message="not reached: an earlier block failed"></skipped>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %s\n%s", want, got)
		}
	}
}

// TestJUnitKinds: a block whose result contradicts the chapter is a
// failure, one that could not run is an error, decided by the error's kind
// whatever its message says.
func TestJUnitKinds(t *testing.T) {
	_, bs := blocks()
	for kind, want := range map[run.Kind]string{
		run.KindMismatch:          `<failure message="m" type="mismatch">`,
		run.KindUnexpectedError:   `<failure message="m" type="unexpected-error">`,
		run.KindUnexpectedSuccess: `<failure message="m" type="unexpected-success">`,
		run.KindBroken:            `<error message="m" type="error">`,
	} {
		res := map[*course.Block]*course.Result{bs[0]: {Output: "x"}}
		var b strings.Builder
		if err := JUnit(&b, Run{Root: "/repo", Blocks: bs, Results: res, Err: &run.BlockError{Block: bs[0], Kind: kind, Msg: "m"}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("kind %d: report lacks %s\n%s", kind, want, b.String())
		}
	}
}

func TestJUnitErrorBeforeAnyBlock(t *testing.T) {
	var b strings.Builder
	err := course.Errorf(course.Pos{File: "/repo/content/01-a.md", Line: 5}, "sql block does not say where it runs")
	if jerr := JUnit(&b, Run{Root: "/repo", Err: err}); jerr != nil {
		t.Fatal(jerr)
	}
	for _, want := range []string{`tests="1" failures="0" errors="1"`, `<testcase name="build" classname="coursebuild"`,
		`<error message="/repo/content/01-a.md:5: sql block does not say where it runs" type="error">`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %s\n%s", want, b.String())
		}
	}
}

func TestJUnitFromRecord(t *testing.T) {
	_, bs := blocks()
	res := map[*course.Block]*course.Result{bs[0]: {}, bs[1]: {}, bs[2]: {}}
	var b strings.Builder
	JUnit(&b, Run{Root: "/repo", Blocks: bs, Results: res, Recorded: time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)})
	if !strings.Contains(b.String(), `<property name="results" value="from the record verified at 2026-11-25T18:00:00Z; no block ran in this build"></property>`) ||
		!strings.Contains(b.String(), `tests="3" failures="0" errors="0" skipped="0"`) {
		t.Errorf("report:\n%s", b.String())
	}
}

// TestJUnitCDATAEnd checks that an output holding "]]>" cannot end the
// CDATA section early.
func TestJUnitCDATAEnd(t *testing.T) {
	_, bs := blocks()
	be := &run.BlockError{Block: bs[0], Msg: "timed out after 1s", Output: "a]]>b"}
	var b strings.Builder
	JUnit(&b, Run{Root: "/repo", Blocks: bs, Results: map[*course.Block]*course.Result{bs[0]: {}}, Err: be})
	if strings.Count(b.String(), "]]>") != strings.Count(b.String(), "<![CDATA[") || !strings.Contains(b.String(), `<error message="timed out after 1s" type="error">`) {
		t.Errorf("report:\n%s", b.String())
	}
}
