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
		Probe: p,
		Points: []course.Point{
			{T: 0, V: 0}, {T: 100 * time.Millisecond, V: 2 << 20}, {T: 300 * time.Millisecond, V: 9 << 20},
			{T: 500 * time.Millisecond, V: 0},
		},
		Marks: []course.Mark{{T: 0, Block: b1}, {T: 400 * time.Millisecond, Block: b1}},
	}
}

func TestSVGIsWellFormedAndLabelled(t *testing.T) {
	svg, err := SVG(series(), "lag-chart")
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	for _, want := range []string{`role="img"`, `<title id="lag-chart-t">replay lag (bytes) over time</title>`,
		"peak 9 MiB at 0.3 s", "10 MiB", "0.5 s", `class="chart-mark"`, "time since the first sampled block"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
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
	s.Points = []course.Point{{T: 0, V: 0}, {T: time.Second, V: 4.4 * (1 << 20)}}
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
				Probe:  &course.Probe{Name: "lag", Label: lbl},
				Points: []course.Point{{T: 0, V: 1}, {T: 1500 * time.Millisecond, V: v}},
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
	s := &course.Series{Probe: &course.Probe{Name: "x"}, Points: []course.Point{{T: -time.Second, V: 1}}}
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
			s := &course.Series{Probe: &course.Probe{Name: "p", Label: lbl}}
			for i, v := range vs {
				s.Points = append(s.Points, course.Point{T: time.Duration(i) * time.Second, V: v})
			}
			svg, err := svgWithin(t, s)
			if err != nil {
				t.Errorf("%s %v: %v", lbl, vs, err)
				continue
			}
			if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
				t.Errorf("%s %v: not well-formed: %v", lbl, vs, err)
			}
			if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
				t.Errorf("%s %v: NaN or Inf in the chart: %s", lbl, vs, svg)
			}
			if n := strings.Count(svg, `class="chart-tick"`); n > 2*maxTicks {
				t.Errorf("%s %v: %d ticks", lbl, vs, n)
			}
			for _, m := range coord.FindAllStringSubmatch(svg, -1) {
				for _, f := range strings.FieldsFunc(m[1]+" "+m[2], func(r rune) bool { return r == ' ' || r == ',' }) {
					var c float64
					if _, err := fmt.Sscan(f, &c); err != nil {
						t.Fatalf("%s %v: coordinate %q: %v", lbl, vs, f, err)
					}
					if c < 0 || c > width {
						t.Errorf("%s %v: coordinate %v outside the picture", lbl, vs, c)
					}
				}
			}
		}
	}
}

func TestNegativeSamplesGetTheirOwnTicks(t *testing.T) {
	s := series()
	s.Points = []course.Point{{T: 0, V: -1 << 20}, {T: time.Second, V: 4.4 * (1 << 20)}}
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
