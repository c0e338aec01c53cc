// Package chart draws a probe's samples as an SVG line chart: time on the
// x axis, the probe's value on the y axis, and a numbered dashed line where
// each sampled block started. Colours come from CSS classes, so the chart
// follows the page's light or dark theme.
package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"replcourse/builder/course"
)

// Geometry of the drawing, in SVG user units.
const (
	width, height            = 720, 300
	left, right, top, bottom = 72, 16, 16, 44
	plotW, plotH             = width - left - right, height - top - bottom
)

// SVG returns the chart of s as an inline <svg> element. id must be unique
// in the page; it ties the title and description to the image.
func SVG(s *course.Series, id string) string {
	xMax := xRange(s)
	yMax := niceTop(s)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s over time</title>`, id, html.EscapeString(label(s)))
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(Describe(s)))
	yAxis(&b, s, yMax)
	xAxis(&b, xMax)
	marks(&b, s, xMax)
	line(&b, s, xMax, yMax)
	b.WriteString(`</svg>`)
	return b.String()
}

// Describe summarises the series in words, for the image's description.
func Describe(s *course.Series) string {
	if len(s.Points) == 0 {
		return "No samples were taken."
	}
	peak := s.Points[0]
	for _, p := range s.Points {
		if p.V > peak.V {
			peak = p
		}
	}
	last := s.Points[len(s.Points)-1]
	return fmt.Sprintf("%d samples over %s; peak %s at %s; last %s.",
		len(s.Points), seconds(last.T), format(s, peak.V), seconds(peak.T), format(s, last.V))
}

func label(s *course.Series) string {
	if s.Probe.Label != "" {
		return s.Probe.Label
	}
	return s.Probe.Name
}

func xRange(s *course.Series) time.Duration {
	var m time.Duration
	for _, p := range s.Points {
		m = max(m, p.T)
	}
	for _, k := range s.Marks {
		m = max(m, k.T)
	}
	return max(m, time.Millisecond)
}

func maxValue(s *course.Series) float64 {
	m := 0.0
	for _, p := range s.Points {
		m = math.Max(m, p.V)
	}
	return m
}

// niceTop is the top of the y axis: a round number of the probe's unit.
func niceTop(s *course.Series) float64 {
	v := maxValue(s)
	if !isBytes(s) {
		return niceCeil(v)
	}
	unit := 1.0
	for v/unit >= 1024 {
		unit *= 1024
	}
	return niceCeil(v/unit) * unit
}

func isBytes(s *course.Series) bool {
	return strings.Contains(strings.ToLower(label(s)), "bytes")
}

// divisions splits the y axis so that each tick is a round number of the
// probe's unit: a top of 1 or 5 in fifths, a top of 2 in quarters.
func divisions(s *course.Series, top float64) int {
	if isBytes(s) {
		for top >= 1024 {
			top /= 1024
		}
	}
	m := top / math.Pow(10, math.Floor(math.Log10(top)))
	if math.Abs(m-2) < 1e-9 {
		return 4
	}
	return 5
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so ticks fall on
// round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func px(t time.Duration, xMax time.Duration) float64 {
	return left + float64(t)/float64(xMax)*plotW
}

func py(v, yMax float64) float64 {
	return top + plotH - v/yMax*plotH
}

func yAxis(b *strings.Builder, s *course.Series, yMax float64) {
	n := divisions(s, yMax)
	for i := 0; i <= n; i++ {
		v := yMax * float64(i) / float64(n)
		y := py(v, yMax)
		fmt.Fprintf(b, `<line class="chart-grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y, width-right, y)
		fmt.Fprintf(b, `<text class="chart-tick" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, left-6, y, format(s, v))
	}
	fmt.Fprintf(b, `<text class="chart-label" x="14" y="%d" text-anchor="middle" transform="rotate(-90 14 %d)">%s</text>`,
		top+plotH/2, top+plotH/2, html.EscapeString(label(s)))
}

func xAxis(b *strings.Builder, xMax time.Duration) {
	fmt.Fprintf(b, `<line class="chart-axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, top+plotH, width-right, top+plotH)
	step := niceCeil(xMax.Seconds() / 5)
	for t := 0.0; t <= xMax.Seconds()+1e-9; t += step {
		x := px(time.Duration(t*float64(time.Second)), xMax)
		fmt.Fprintf(b, `<text class="chart-tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, top+plotH+16, trimFloat(t)+" s")
	}
	fmt.Fprintf(b, `<text class="chart-label" x="%d" y="%d" text-anchor="middle">time since the first sampled block</text>`, left+plotW/2, height-6)
}

func marks(b *strings.Builder, s *course.Series, xMax time.Duration) {
	for i, m := range s.Marks {
		x := px(m.T, xMax)
		fmt.Fprintf(b, `<line class="chart-mark" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`, x, top, x, top+plotH)
		fmt.Fprintf(b, `<text class="chart-mark-label" x="%.1f" y="%d" text-anchor="start">%d</text>`, x+3, top+10, i+1)
	}
}

func line(b *strings.Builder, s *course.Series, xMax time.Duration, yMax float64) {
	if len(s.Points) == 0 {
		return
	}
	b.WriteString(`<polyline class="chart-line" fill="none" points="`)
	for i, p := range s.Points {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(b, "%.1f,%.1f", px(p.T, xMax), py(p.V, yMax))
	}
	b.WriteString(`"/>`)
}

// format prints a value in the probe's unit: bytes get binary prefixes.
func format(s *course.Series, v float64) string {
	if !isBytes(s) {
		return trimFloat(v)
	}
	units := []string{"B", "KiB", "MiB", "GiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return trimFloat(math.Round(v*10)/10) + " " + units[i]
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func seconds(d time.Duration) string {
	return trimFloat(d.Seconds()) + " s"
}
