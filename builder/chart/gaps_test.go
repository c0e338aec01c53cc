package chart

import (
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

// TestGapsBreakOnlyTheirLine: a NULL in one column breaks that column's
// line only; a failed sample (every column missing) breaks every line;
// missing values are neither drawn, nor peaks, nor counted as samples.
func TestGapsBreakOnlyTheirLine(t *testing.T) {
	p := &course.Probe{Name: "lag", Node: "primary", Every: 50 * time.Millisecond}
	pt := func(ms int, a, b float64, null ...bool) course.Point {
		return course.Point{T: time.Duration(ms) * time.Millisecond, V: []float64{a, b}, Null: null}
	}
	s := &course.Series{Probe: p, Columns: []string{"a", "b"}, Errors: 1, Points: []course.Point{
		pt(0, 1, 10),
		pt(50, 2, 0, false, true), // b is NULL
		pt(100, 3, 30),
		pt(150, 0, 0, true, true), // the sample failed
		pt(200, 5, 50),
		pt(250, 4, 40),
	}}
	if err := Check(s); err != nil {
		t.Fatal(err)
	}
	svg, err := SVG(s, "c")
	if err != nil {
		t.Fatal(err)
	}
	wide := svg[:strings.Index(svg, "</svg>")]
	// a: [0 50 100] and [200 250]; b: [0], [100] and [200 250].
	if n := strings.Count(wide, `<polyline class="chart-line chart-line-1"`); n != 2 {
		t.Errorf("column a is drawn in %d pieces, want 2", n)
	}
	if n := strings.Count(wide, `<polyline class="chart-line chart-line-2"`); n != 3 {
		t.Errorf("column b is drawn in %d pieces, want 3", n)
	}
	got := Describe(s)
	if want := "5 samples over 0.25 s; a: peak 5 at 0.2 s, last 4; b: peak 50 at 0.2 s, last 40."; got != want {
		t.Errorf("Describe:\n got %q\nwant %q", got, want)
	}
	// A NaN marked missing is no error; unmarked it is.
	s.Points[1].V[1] = 0
	s.Points = append(s.Points, pt(300, 1, 1, true))
	if err := Check(s); err == nil || !strings.Contains(err.Error(), "marks 1 of its 2 values") {
		t.Errorf("a Null of the wrong length: %v", err)
	}
}

// TestColumnWithoutAnyValue: a column NULL in every sample says so in the
// description instead of a peak.
func TestColumnWithoutAnyValue(t *testing.T) {
	p := &course.Probe{Name: "lag", Node: "primary", Every: 50 * time.Millisecond}
	s := &course.Series{Probe: p, Columns: []string{"a", "b"}, Points: []course.Point{
		{T: 0, V: []float64{1, 0}, Null: []bool{false, true}},
		{T: 50 * time.Millisecond, V: []float64{2, 0}, Null: []bool{false, true}},
	}}
	if got := Describe(s); !strings.Contains(got, "b: no value") {
		t.Errorf("Describe: %q", got)
	}
	if _, err := SVG(s, "c"); err != nil {
		t.Fatal(err)
	}
}
