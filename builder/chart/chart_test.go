package chart

import (
	"encoding/xml"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

func series() *course.Series {
	p := &course.Probe{Name: "lag", Label: "replay lag (bytes)"}
	b1 := &course.Block{Code: "INSERT …"}
	return &course.Series{
		Probe:   p,
		Columns: []string{"pg_wal_lsn_diff"},
		Points: []course.Point{
			{T: 0, V: []float64{0}}, {T: 100 * time.Millisecond, V: []float64{2 << 20}}, {T: 300 * time.Millisecond, V: []float64{9 << 20}},
			{T: 500 * time.Millisecond, V: []float64{0}},
		},
		Marks: []course.Mark{{T: 0, Block: b1}, {T: 400 * time.Millisecond, Block: b1}},
	}
}

// drawings splits what SVG returns into its <svg> elements: the wide
// drawing, then the narrow one.
func drawings(t *testing.T, svg string) []string {
	t.Helper()
	parts := strings.SplitAfter(svg, "</svg>")
	if len(parts) != 3 || parts[2] != "" || !strings.HasPrefix(parts[0], `<svg class="chart chart-wide"`) || !strings.HasPrefix(parts[1], `<svg class="chart chart-narrow"`) {
		t.Fatalf("not a wide and a narrow drawing: %.200s", svg)
	}
	return parts[:2]
}

func TestSVGIsWellFormedAndLabelled(t *testing.T) {
	svg, err := SVG(series(), "lag-chart")
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range drawings(t, svg) {
		if err := xml.Unmarshal([]byte(d), new(struct{})); err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		id := []string{"lag-chart", "lag-chart-narrow"}[i]
		for _, want := range []string{`role="img"`, `<title id="` + id + `-t">replay lag (bytes) over time</title>`, `aria-labelledby="` + id + `-t ` + id + `-d"`,
			"peak 9 MiB at 0.3 s", "10 MiB", "0.4 s", `class="chart-mark"`, "time since the first sampled block", ">replay lag (bytes)</text>"} {
			if !strings.Contains(d, want) {
				t.Errorf("drawing %d lacks %q", i, want)
			}
		}
	}
	if strings.Contains(svg, "style=") {
		t.Error("inline style would be blocked by the page's CSP")
	}
}

func TestEmptySeries(t *testing.T) {
	s := &course.Series{Probe: &course.Probe{Name: "x"}}
	svg, err := SVG(s, "x")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "No samples were taken.") || strings.Contains(svg, "polyline") {
		t.Errorf("empty series: %s", svg)
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.3: 0.5, 1: 1, 1.1: 2, 3: 5, 7: 10, 9437184: 1e7} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestTicksAreRoundNumbers(t *testing.T) {
	s := series()
	s.Points = []course.Point{{T: 0, V: []float64{0}}, {T: time.Second, V: []float64{4.4 * (1 << 20)}}}
	svg, err := SVG(s, "c")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">1 MiB<", ">2 MiB<", ">3 MiB<", ">4 MiB<", ">5 MiB<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("no tick %s", want)
		}
	}
	if strings.Contains(svg, ".25 MiB") || strings.Contains(svg, "1.3 MiB") {
		t.Error("ticks are not round")
	}
}

// svgWithin runs SVG on s in a goroutine and fails the test if it has not
// returned after a generous bound: a chart whose loops depend on the data
// would spin forever on some input.
func svgWithin(t *testing.T, s *course.Series) (string, error) {
	t.Helper()
	type result struct {
		svg string
		err error
	}
	done := make(chan result, 1)
	go func() {
		svg, err := SVG(s, "c")
		done <- result{svg, err}
	}()
	select {
	case r := <-done:
		return r.svg, r.err
	case <-time.After(time.Minute):
		t.Fatalf("SVG of %v did not return", s.Points)
		return "", nil
	}
}

// TestOutOfRangeSamplesAreErrors: a value the chart cannot place is an
// error naming the sample, found at once, whatever the unit.
func TestOutOfRangeSamplesAreErrors(t *testing.T) {
	for _, v := range []float64{1.7e308, -1.7e308, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), MaxValue * 2} {
		for _, lbl := range []string{"replay lag (bytes)", "seconds"} {
			s := &course.Series{
				Probe:   &course.Probe{Name: "lag", Label: lbl},
				Columns: []string{"lag"},
				Points:  []course.Point{{T: 0, V: []float64{1}}, {T: 1500 * time.Millisecond, V: []float64{v}}},
			}
			svg, err := svgWithin(t, s)
			if err == nil {
				t.Errorf("%s %v: drawn: %.200s", lbl, v, svg)
				continue
			}
			if !strings.Contains(err.Error(), "the sample at 1.5 s is ") {
				t.Errorf("%s %v: error %q does not name the sample", lbl, v, err)
			}
		}
	}
	s := &course.Series{Probe: &course.Probe{Name: "x"}, Columns: []string{"x"}, Points: []course.Point{{T: -time.Second, V: []float64{1}}}}
	if _, err := svgWithin(t, s); err == nil {
		t.Error("a sample timed before the start was drawn")
	}
}

// TestEveryDrawableSeriesIsFinite: values at the ends of the accepted
// range, negative ones and tiny ones draw well-formed charts with finite
// coordinates, every point inside the plot, and a bounded number of ticks.
func TestEveryDrawableSeriesIsFinite(t *testing.T) {
	coord := regexp.MustCompile(`\s(?:x1|y1|x2|y2|x|y)="([^"]*)"|\spoints="([^"]*)"`)
	for _, vs := range [][]float64{
		{MaxValue}, {-MaxValue}, {MaxValue, -MaxValue}, {5e-324}, {-5e-324}, {1e-300, 3e-301},
		{0, 0}, {-3, 7}, {-0.004, 0.002}, {1023.9}, {1 << 40, 3}, {-2 << 20, 9 << 20},
	} {
		for _, lbl := range []string{"replay lag (bytes)", "seconds"} {
			s := &course.Series{Probe: &course.Probe{Name: "p", Label: lbl}, Columns: []string{"v"}}
			for i, v := range vs {
				s.Points = append(s.Points, course.Point{T: time.Duration(i) * time.Second, V: []float64{v}})
			}
			svg, err := svgWithin(t, s)
			if err != nil {
				t.Errorf("%s %v: %v", lbl, vs, err)
				continue
			}
			for _, svg := range drawings(t, svg) {
				if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
					t.Errorf("%s %v: not well-formed: %v", lbl, vs, err)
				}
				if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
					t.Errorf("%s %v: NaN or Inf in the chart: %s", lbl, vs, svg)
				}
				if n := strings.Count(svg, `class="chart-tick"`); n > 2*maxTicks {
					t.Errorf("%s %v: %d ticks", lbl, vs, n)
				}
				w := float64(wide.width)
				if strings.Contains(svg, "chart-narrow") {
					w = float64(narrow.width)
				}
				for _, m := range coord.FindAllStringSubmatch(svg, -1) {
					for _, f := range strings.FieldsFunc(m[1]+" "+m[2], func(r rune) bool { return r == ' ' || r == ',' }) {
						var c float64
						if _, err := fmt.Sscan(f, &c); err != nil {
							t.Fatalf("%s %v: coordinate %q: %v", lbl, vs, f, err)
						}
						if c < 0 || c > w {
							t.Errorf("%s %v: coordinate %v outside the picture", lbl, vs, c)
						}
					}
				}
			}
		}
	}
}

func TestNegativeSamplesGetTheirOwnTicks(t *testing.T) {
	s := series()
	s.Points = []course.Point{{T: 0, V: []float64{-1 << 20}}, {T: time.Second, V: []float64{4.4 * (1 << 20)}}}
	svg, err := SVG(s, "c")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">-1 MiB<", ">0 B<", ">5 MiB<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("no tick %s", want)
		}
	}
}

// lagStages is a probe of four columns, as chapter 7 samples the pipeline.
func lagStages() *course.Series {
	return &course.Series{
		Probe:   &course.Probe{Name: "stages", Label: "lag behind the primary (bytes)"},
		Columns: []string{"sent", "write", "flush", "replay"},
		Points: []course.Point{
			{T: 0, V: []float64{0, 0, 0, 0}},
			{T: 500 * time.Millisecond, V: []float64{0, 8192, 8192, 3 << 20}},
			{T: time.Second, V: []float64{0, 0, 0, 0}},
		},
		Marks: []course.Mark{{T: 0, Block: &course.Block{Code: "pgbench …"}}},
	}
}

// TestSeveralColumnsDrawOneLineEach: each column is its own line, in its
// own colour class, named in a legend above the plot, on one shared axis.
func TestSeveralColumnsDrawOneLineEach(t *testing.T) {
	both, err := SVG(lagStages(), "c")
	if err != nil {
		t.Fatal(err)
	}
	for _, svg := range drawings(t, both) {
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if n := strings.Count(svg, "<polyline"); n != 4 {
			t.Errorf("%d lines for 4 columns", n)
		}
		for i, name := range []string{"sent", "write", "flush", "replay"} {
			if !strings.Contains(svg, fmt.Sprintf(`<polyline class="chart-line chart-line-%d"`, i+1)) {
				t.Errorf("no line of class chart-line-%d", i+1)
			}
			if !regexp.MustCompile(`<text class="chart-legend-name"[^>]*>` + name + `</text>`).MatchString(svg) {
				t.Errorf("the legend does not name %s", name)
			}
		}
		// One axis: the largest value of any column sets it.
		if !strings.Contains(svg, ">3 MiB<") {
			t.Error("the axis does not reach the largest column's peak")
		}
	}
	want := "3 samples over 1 s; sent: peak 0 B at 0 s, last 0 B; write: peak 8 KiB at 0.5 s, last 0 B; flush: peak 8 KiB at 0.5 s, last 0 B; replay: peak 3 MiB at 0.5 s, last 0 B."
	if got := Describe(lagStages()); got != want {
		t.Errorf("description\n got %s\nwant %s", got, want)
	}
	// The legend sits above the plot: every legend entry above the top grid
	// line, in both drawings.
	for _, g := range []geometry{wide, narrow} {
		l := layoutOf(lagStages(), g)
		for _, e := range l.legend {
			if e.y >= l.top {
				t.Errorf("%s: legend entry %s at y=%v, inside the plot starting at %v", g.class, e.lines, e.y, l.top)
			}
		}
	}
}

func TestOneColumnHasNoLegend(t *testing.T) {
	both, err := SVG(series(), "c")
	if err != nil {
		t.Fatal(err)
	}
	for _, svg := range drawings(t, both) {
		if strings.Contains(svg, "chart-legend-name") || strings.Count(svg, "<polyline") != 1 {
			t.Errorf("a one-column chart with a legend or other than one line: %s", svg)
		}
	}
	if strings.Contains(Describe(series()), "pg_wal_lsn_diff") {
		t.Error("a one-column description names its column")
	}
}

// TestLongColumnNamesWrapTheLegend: the longest names PostgreSQL allows
// (63 bytes), as many as a chart draws, stay inside the picture.
func TestLongColumnNamesWrapTheLegend(t *testing.T) {
	s := &course.Series{Probe: &course.Probe{Name: "p"}}
	for i := range MaxLines {
		s.Columns = append(s.Columns, strings.Repeat(string(rune('a'+i)), 63))
	}
	s.Points = []course.Point{{T: 0, V: make([]float64, MaxLines)}, {T: time.Second, V: []float64{1, 2, 3, 4, 5, 6}}}
	svg, err := SVG(s, "c")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []geometry{wide, narrow} {
		l := layoutOf(s, g)
		bottom := 0.0
		for i, e := range l.legend {
			if strings.Join(e.lines, "") != s.Columns[i] {
				t.Errorf("%s: legend entry %d reads %q", g.class, i, e.lines)
			}
			for j, line := range e.lines {
				if end := e.x + legendSwatch + 6 + float64(len(line))*legendCharWidth; end > float64(g.width-g.right) {
					t.Errorf("%s: legend entry %d ends at %v, past the picture's %d", g.class, i, end, g.width)
				}
				bottom = max(bottom, e.y+float64(j)*legendRow)
			}
		}
		if bottom >= l.top {
			t.Errorf("%s: the legend reaches y=%v, into the plot at %v", g.class, bottom, l.top)
		}
		if l.plotH < minPlotH {
			t.Errorf("%s: the legend leaves a plot %v high", g.class, l.plotH)
		}
	}
	for _, d := range drawings(t, svg) {
		if strings.Count(d, "<polyline") != MaxLines {
			t.Error("not one line per column")
		}
	}
}

// TestColumnShapesTheChartCannotDraw: each is an error naming what is
// wrong, never a picture.
func TestColumnShapesTheChartCannotDraw(t *testing.T) {
	pt := func(vs ...float64) []course.Point { return []course.Point{{T: 0, V: vs}} }
	for _, tc := range []struct {
		cols   []string
		points []course.Point
		want   string
	}{
		{[]string{"a", "a"}, pt(1, 2), `two columns named "a"`},
		{[]string{"a", ""}, pt(1, 2), "column 2 of the query has no name"},
		{[]string{"1", "2", "3", "4", "5", "6", "7"}, pt(1, 2, 3, 4, 5, 6, 7), "returns 7 columns; a chart draws at most 6"},
		{[]string{"a", "b"}, pt(1), "the sample at 0 s has 1 values for 2 columns"},
		{nil, pt(1), "the samples have no columns"},
		{[]string{"a", "b"}, pt(1, math.NaN()), "the sample at 0 s (column b) is NaN"},
	} {
		s := &course.Series{Probe: &course.Probe{Name: "p"}, Columns: tc.cols, Points: tc.points}
		svg, err := SVG(s, "c")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want %q (drawn: %.80s)", tc.cols, tc.points, err, tc.want, svg)
		}
	}
}

// TestCloseMarksDoNotOverlap: the numbers of blocks that started within a
// few pixels of each other are drawn on different lines.
func TestCloseMarksDoNotOverlap(t *testing.T) {
	s := series()
	b := &course.Block{Code: "SELECT 1;"}
	s.Marks = []course.Mark{{T: 0, Block: b}, {T: time.Millisecond, Block: b}, {T: 2 * time.Millisecond, Block: b}, {T: 400 * time.Millisecond, Block: b}}
	both, err := SVG(s, "c")
	if err != nil {
		t.Fatal(err)
	}
	for _, svg := range drawings(t, both) {
		closeMarks(t, svg)
	}
}

func closeMarks(t *testing.T, svg string) {
	label := regexp.MustCompile(`<text class="chart-mark-label" x="([0-9.]+)" y="([0-9.]+)"[^>]*>(\d+)</text>`)
	type pos struct{ x, y float64 }
	var seen []pos
	for _, m := range label.FindAllStringSubmatch(svg, -1) {
		var p pos
		fmt.Sscan(m[1], &p.x)
		fmt.Sscan(m[2], &p.y)
		for _, q := range seen {
			if math.Abs(p.x-q.x) < markLabelWidth && math.Abs(p.y-q.y) < 10 {
				t.Errorf("mark %s at (%v, %v) overlaps one at (%v, %v)", m[3], p.x, p.y, q.x, q.y)
			}
		}
		seen = append(seen, p)
	}
	if len(seen) != 4 {
		t.Fatalf("%d mark labels", len(seen))
	}
	if seen[3].y != seen[0].y {
		t.Error("a mark far from the others is not on the first line")
	}
}
