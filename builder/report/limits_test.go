package report

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"replcourse/builder/course"
	"replcourse/builder/run"
)

// wellFormed parses an XML document strictly, as a CI server would.
func wellFormed(t *testing.T, doc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("the report is not well-formed XML: %v", err)
		}
	}
}

// TestJUnitCharactersXMLCannotHold: an output with ESC (a colour code),
// NUL, another control character and a byte that is not UTF-8 still gives
// a well-formed report, each such character shown as its code.
func TestJUnitCharactersXMLCannotHold(t *testing.T) {
	_, bs := blocks()
	be := &run.BlockError{Block: bs[0], Msg: "timed out\x1b after 1s", Output: "\x1b[31mred\x1b[0m nul\x00 bell\x07 bad\xff tab\tok é ✓ \U0001F600"}
	var b strings.Builder
	if err := JUnit(&b, Run{Root: "/repo", Blocks: bs, Results: map[*course.Block]*course.Result{bs[0]: {}}, Err: be}); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, b.String())
	for _, want := range []string{"⟨U+001B⟩[31mred", "nul⟨U+0000⟩", "bell⟨U+0007⟩", "bad⟨0xFF⟩", "tab\tok é ✓ \U0001F600"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

// TestHugeErrorIsCut: a 12 MB output gives a bounded annotation and
// failure text, each saying where it was cut and how much was left out.
func TestHugeErrorIsCut(t *testing.T) {
	_, bs := blocks()
	big := strings.Repeat("row of output\n", 12<<20/14)
	be := &run.BlockError{Block: bs[1], Msg: "timed out after 1s", Output: big}
	var a strings.Builder
	Annotate(&a, "/repo", be)
	if a.Len() > 3*maxAnnotation+1000 || !strings.Contains(a.String(), "[cut here: ") || strings.Count(a.String(), "\n") != 1 {
		t.Errorf("annotation of %d bytes, %d lines, ends %q", a.Len(), strings.Count(a.String(), "\n"), a.String()[max(0, a.Len()-200):])
	}
	var j strings.Builder
	if err := JUnit(&j, Run{Root: "/repo", Blocks: bs, Results: map[*course.Block]*course.Result{bs[0]: {}, bs[1]: {}}, Err: be}); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, j.String())
	if j.Len() > maxReportText+10000 || !strings.Contains(j.String(), "[cut here: ") {
		t.Errorf("JUnit report of %d bytes", j.Len())
	}
}

// TestCutKeepsRunes: a cut never splits a UTF-8 sequence and names the
// bytes left out.
func TestCutKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", 10) // 20 bytes
	got := cut(s, 5)
	if !strings.HasPrefix(got, "éé\n") || !strings.Contains(got, "16 more bytes") {
		t.Errorf("cut = %q", got)
	}
	if cut("short", 5) != "short" {
		t.Error("a text within the limit changed")
	}
}
