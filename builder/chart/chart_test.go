package chart

import (
	"encoding/xml"
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
	svg := SVG(series(), "lag-chart")
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
	svg := SVG(s, "x")
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
	svg := SVG(s, "c")
	for _, want := range []string{">1 MiB<", ">2 MiB<", ">3 MiB<", ">4 MiB<", ">5 MiB<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("no tick %s", want)
		}
	}
	if strings.Contains(svg, ".25 MiB") || strings.Contains(svg, "1.3 MiB") {
		t.Error("ticks are not round")
	}
}
