// Package chart draws a probe's samples as an SVG line chart: time on the
// x axis, the probe's values on the y axis — one line per column of the
// probe's query, with a legend naming the columns when there are several —
// and a numbered dashed line where each sampled block started. Colours
// come from CSS classes (chart-line-1 … chart-line-MaxLines), so the chart
// follows the page's light or dark theme.
package chart

import (
	"errors"
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"replcourse/builder/course"
)

// Sizes shared by both drawings, in SVG user units, which the theme's
// font sizes (12 and 13 px) are given in.
const (
	legendRow        = 20 // height of a row of the legend
	legendSwatch     = 24 // length of a legend entry's line sample
	legendCharWidth  = 7.5
	legendEntrySpace = 18
)

// geometry is one drawing of a chart, in SVG user units. The plot's top
// and height depend on the legend's rows (see layout).
type geometry struct {
	class          string // chart-wide or chart-narrow: the theme shows one
	width, height  int
	left, right    int  // the plot's margins; left holds the y ticks
	margin, bottom int  // above everything; below the plot, for the x ticks and caption
	legendLeft     int  // where the legend's rows start
	labelOnTop     bool // the y axis's caption above the plot, not turned along it
	timeDivisions  int  // about how many steps the time axis has
}

func (g geometry) plotW() int { return g.width - g.left - g.right }

// The two drawings. The wide one is for a column (720 units in some 600
// to 700 px); the narrow one for a phone (320 units in 296 to 448 px,
// 320 px screens and up), where the wide one's 12 px text would shrink
// to 5: it keeps the text near its size, moves the y axis's caption above
// the plot, starts the legend at the left edge and draws fewer time ticks.
var (
	wide   = geometry{class: "chart-wide", width: 720, height: 300, left: 72, right: 16, margin: 16, bottom: 44, legendLeft: 72, timeDivisions: 5}
	narrow = geometry{class: "chart-narrow", width: 320, height: 320, left: 58, right: 12, margin: 8, bottom: 44, legendLeft: 8, labelOnTop: true, timeDivisions: 4}
)

// MaxLines is the most columns a probe's query may return: the theme has
// a colour and a dash pattern for each line (chart-line-1 … chart-line-6).
const MaxLines = 6

// layout is where the plot sits in a drawing: below the y axis's caption
// when it is on top, and below the legend's rows, if any.
type layout struct {
	geometry
	labelY     float64 // baseline of the caption on top
	top, plotH float64
	legend     []legendEntry
}

// legendEntry is one column's line sample at (x, y) and its name, in
// lines: a name too long for the drawing's width is cut into several.
type legendEntry struct {
	x, y  float64
	lines []string
}

// layoutOf places the legend of s's columns (none for a single column)
// in rows across the drawing's width and the plot below it.
func layoutOf(s *course.Series, g geometry) layout {
	l := layout{geometry: g, top: float64(g.margin)}
	if g.labelOnTop {
		l.labelY = l.top + 12
		l.top += legendRow + 6 // clear of the top tick's label
	}
	if len(s.Columns) > 1 {
		end := float64(g.width - g.right)
		room := int((end - float64(g.legendLeft) - legendSwatch - 6) / legendCharWidth) // characters of a name on a row
		x, row := float64(g.legendLeft), 0
		for _, name := range s.Columns {
			lines := cut(name, room)
			w := legendSwatch + 6 + float64(len([]rune(lines[0])))*legendCharWidth
			if x > float64(g.legendLeft) && x+w > end {
				x, row = float64(g.legendLeft), row+1
			}
			l.legend = append(l.legend, legendEntry{x: x, y: l.top + float64(row)*legendRow + legendRow/2, lines: lines})
			x += w + legendEntrySpace
			if len(lines) > 1 { // the rest of the name takes rows of its own
				x, row = float64(g.legendLeft), row+len(lines)
			}
		}
		if x == float64(g.legendLeft) {
			row-- // the last entry ended its row
		}
		l.top += float64(row+1)*legendRow + 6
	}
	// A legend of many rows makes the drawing taller, not the plot flat.
	l.height = max(g.height, int(math.Ceil(l.top))+minPlotH+g.bottom)
	l.plotH = float64(l.height) - l.top - float64(g.bottom)
	return l
}

// minPlotH is the least height of the plot, whatever the legend takes.
const minPlotH = 160

// cut splits name into lines of at most n characters (at least one).
func cut(name string, n int) []string {
	r := []rune(name)
	n = max(n, 1)
	var lines []string
	for len(r) > n {
		lines = append(lines, string(r[:n]))
		r = r[n:]
	}
	return append(lines, string(r))
}

// MaxValue is the largest magnitude a chart draws: 2^53, the largest
// integer a float64 holds exactly (8 PiB as bytes). Up to it the axis's
// round numbers and their arithmetic stay exact; past it a sample is far
// more likely a wrong probe query than a measurement.
const MaxValue = 1 << 53

// Check returns an error describing the first thing in s the chart cannot
// draw: columns without a name, with the same name or more than MaxLines
// of them; a point with another number of values than there are columns,
// or of missing-value marks (Point.Null) than values; a value, not marked
// missing, that is not a finite number (NaN, ±Inf) or whose magnitude is
// over MaxValue; a point or mark timed before the start.
func Check(s *course.Series) error {
	if len(s.Points) > 0 && len(s.Columns) == 0 {
		return errors.New("the samples have no columns")
	}
	if len(s.Columns) > MaxLines {
		return fmt.Errorf("the query returns %d columns; a chart draws at most %d lines, one per column", len(s.Columns), MaxLines)
	}
	for i, c := range s.Columns {
		switch {
		case c == "":
			return fmt.Errorf("column %d of the query has no name; the chart's legend names each line by its column", i+1)
		case slices.Contains(s.Columns[:i], c):
			return fmt.Errorf("the query returns two columns named %q; the chart's legend names each line by its column (use AS)", c)
		}
	}
	for _, p := range s.Points {
		if len(p.V) != len(s.Columns) {
			return fmt.Errorf("the sample at %s has %d values for %d columns", seconds(p.T), len(p.V), len(s.Columns))
		}
		if p.Null != nil && len(p.Null) != len(p.V) {
			return fmt.Errorf("the sample at %s marks %d of its %d values as missing", seconds(p.T), len(p.Null), len(p.V))
		}
		if p.T < 0 {
			return fmt.Errorf("a sample is timed %s, before the probe started", seconds(p.T))
		}
		for i, v := range p.V {
			switch {
			case !p.Has(i):
				// no value: a gap in the line
			case math.IsNaN(v) || math.IsInf(v, 0):
				return fmt.Errorf("the sample at %s%s is %v, not a number a chart can draw", seconds(p.T), of(s, i), v)
			case math.Abs(v) > MaxValue:
				return fmt.Errorf("the sample at %s%s is %g, beyond the ±%d a chart draws", seconds(p.T), of(s, i), v, int64(MaxValue))
			}
		}
	}
	for _, m := range s.Marks {
		if m.T < 0 {
			return fmt.Errorf("a sampled block is timed %s, before the probe started", seconds(m.T))
		}
	}
	return nil
}

// of names column i in a message when the query has several.
func of(s *course.Series, i int) string {
	if len(s.Columns) < 2 {
		return ""
	}
	return fmt.Sprintf(" (column %s)", s.Columns[i])
}

// SVG returns the chart of s as two inline <svg> elements, of which the
// theme shows one by the width of the screen: a wide drawing (class
// "chart chart-wide", ids id-t and id-d for its title and description)
// and a narrow one for phones ("chart chart-narrow", ids id-narrow-t and
// id-narrow-d). id must be unique in the page. A series Check rejects is
// an error: no picture is drawn of values it cannot place.
func SVG(s *course.Series, id string) (string, error) {
	if err := Check(s); err != nil {
		return "", err
	}
	return draw(s, id, wide) + draw(s, id+"-narrow", narrow), nil
}

func draw(s *course.Series, id string, g geometry) string {
	xMax := xRange(s)
	l := layoutOf(s, g)
	y := yScaleOf(s)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, l.class, l.width, l.height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s over time</title>`, id, html.EscapeString(label(s)))
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(Describe(s)))
	legend(&b, l)
	yAxis(&b, s, y, l)
	xAxis(&b, xMax, y, l)
	marks(&b, s, xMax, l)
	lines(&b, s, xMax, y, l)
	b.WriteString(`</svg>`)
	return b.String()
}

// Describe summarises the series in words, for the image's description:
// the number of samples and their span, then each column's peak and last
// value (named when there are several columns). Samples without a value
// (failed, or NULL) are gaps: they count neither as samples nor as peaks.
func Describe(s *course.Series) string {
	good := 0
	for _, p := range s.Points {
		if p.Good() {
			good++
		}
	}
	if good == 0 {
		return "No samples were taken."
	}
	out := fmt.Sprintf("%d samples over %s", good, seconds(s.Points[len(s.Points)-1].T))
	for i := range s.Columns {
		sep := "; "
		if len(s.Columns) > 1 {
			sep = "; " + s.Columns[i] + ": "
		}
		var peak, last *course.Point
		for j := range s.Points {
			p := &s.Points[j]
			if !p.Has(i) {
				continue
			}
			if peak == nil || p.V[i] > peak.V[i] {
				peak = p
			}
			last = p
		}
		if peak == nil {
			out += sep + "no value"
			continue
		}
		out += fmt.Sprintf("%speak %s at %s, last %s", sep, format(s, peak.V[i]), seconds(peak.T), format(s, last.V[i]))
	}
	return out + "."
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

// yScale is the y axis: from lo to hi, with a tick every step. lo is 0
// unless a sample is negative; both ends are whole multiples of step.
type yScale struct {
	lo, hi, step float64
}

// maxTicks bounds the ticks of an axis, whatever the data: each side of
// zero has at most 5 divisions, plus rounding.
const maxTicks = 12

// yScaleOf fits the y axis to the samples of s (which Check accepted):
// each side of zero ends on a round number of the probe's unit, and the
// step is the coarser of the two sides' steps, so every tick is round.
func yScaleOf(s *course.Series) yScale {
	lowest, highest := 0.0, 0.0
	for _, p := range s.Points {
		for i, v := range p.V {
			if p.Has(i) {
				lowest, highest = min(lowest, v), max(highest, v)
			}
		}
	}
	if lowest == 0 && highest == 0 {
		return yScale{lo: 0, hi: 1, step: 1.0 / float64(divisions(s, 1))}
	}
	var y yScale
	if highest > 0 {
		top := niceTop(s, highest)
		y.step = top / float64(divisions(s, top))
	}
	if lowest < 0 {
		bottom := niceTop(s, -lowest)
		y.step = max(y.step, bottom/float64(divisions(s, bottom)))
	}
	// The tolerance absorbs rounding (10 MiB / 2 MiB is 5.000000001);
	// a side with a sample keeps at least one step, however small the
	// sample.
	if highest > 0 {
		y.hi = max(1, math.Ceil(highest/y.step-1e-9)) * y.step
	}
	if lowest < 0 {
		y.lo = min(-1, math.Floor(lowest/y.step+1e-9)) * y.step
	}
	return y
}

// niceTop is a round number of the probe's unit at or above v > 0.
func niceTop(s *course.Series, v float64) float64 {
	if !isBytes(s) {
		return niceCeil(v)
	}
	unit := 1.0
	for i := 1; i < len(byteUnits) && v/unit >= 1024; i++ {
		unit *= 1024
	}
	return niceCeil(v/unit) * unit
}

func isBytes(s *course.Series) bool {
	return strings.Contains(strings.ToLower(label(s)), "bytes")
}

// divisions splits a side of the y axis so that each tick is a round
// number of the probe's unit: a top of 1 or 5 in fifths, a top of 2 in
// quarters.
func divisions(s *course.Series, top float64) int {
	if isBytes(s) {
		for i := 1; i < len(byteUnits) && top >= 1024; i++ {
			top /= 1024
		}
	}
	m := top / math.Pow(10, math.Floor(math.Log10(top)))
	if math.Abs(m-2) < 1e-9 {
		return 4
	}
	return 5
}

// smallest is the lower end of niceCeil's results: below it, powers of
// ten are no longer normal float64 numbers.
const smallest = 1e-300

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so ticks fall on
// round numbers. v ≤ 0 gives 1; v below 1e-300 gives 1e-300.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	if v < smallest {
		return smallest
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func (l layout) px(t time.Duration, xMax time.Duration) float64 {
	return float64(l.left) + float64(t)/float64(xMax)*float64(l.plotW())
}

func py(v float64, y yScale, l layout) float64 {
	return l.top + l.plotH - (v-y.lo)/(y.hi-y.lo)*l.plotH
}

// legend draws, for several columns, each column's name after a sample
// of its line.
func legend(b *strings.Builder, l layout) {
	for i, e := range l.legend {
		fmt.Fprintf(b, `<line class="chart-line chart-line-%d" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`,
			i+1, e.x, e.y, e.x+legendSwatch, e.y)
		for j, line := range e.lines {
			fmt.Fprintf(b, `<text class="chart-legend-name" x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`,
				e.x+legendSwatch+6, e.y+float64(j)*legendRow, html.EscapeString(line))
		}
	}
}

// yAxis draws a grid line and a label at each tick, from y.lo to y.hi.
func yAxis(b *strings.Builder, s *course.Series, y yScale, l layout) {
	first := int(math.Round(y.lo / y.step))
	last := int(math.Round(y.hi / y.step))
	for k := first; k <= last && k-first < maxTicks; k++ {
		v := float64(k) * y.step
		at := py(v, y, l)
		fmt.Fprintf(b, `<line class="chart-grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, l.left, at, l.width-l.right, at)
		fmt.Fprintf(b, `<text class="chart-tick" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, l.left-6, at, format(s, v))
	}
	if l.labelOnTop {
		fmt.Fprintf(b, `<text class="chart-label" x="%d" y="%.1f">%s</text>`, l.legendLeft, l.labelY, html.EscapeString(label(s)))
		return
	}
	mid := l.top + l.plotH/2
	fmt.Fprintf(b, `<text class="chart-label" x="14" y="%.1f" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`,
		mid, mid, html.EscapeString(label(s)))
}

// xAxis draws the time axis at the value 0 (the bottom of the plot unless
// a sample is negative) and a label every round number of seconds.
func xAxis(b *strings.Builder, xMax time.Duration, y yScale, l layout) {
	at := py(0, y, l)
	fmt.Fprintf(b, `<line class="chart-axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, l.left, at, l.width-l.right, at)
	span := xMax.Seconds()
	step := niceCeil(span / float64(l.timeDivisions))
	for i := 0; i < maxTicks; i++ {
		t := float64(i) * step
		if t > span+1e-9 {
			break
		}
		x := l.px(time.Duration(t*float64(time.Second)), xMax)
		text := trimFloat(t) + " s"
		// A label centred on the last tick may reach past the edge: it
		// then ends at the tick.
		anchor := "middle"
		if x+float64(len(text))*tickCharWidth/2 > float64(l.width) {
			anchor = "end"
		}
		fmt.Fprintf(b, `<text class="chart-tick" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, x, l.top+l.plotH+16, anchor, text)
	}
	fmt.Fprintf(b, `<text class="chart-label" x="%d" y="%d" text-anchor="middle">time since the first sampled block</text>`, l.left+l.plotW()/2, l.height-6)
}

// tickCharWidth bounds the width of a character of a tick's or a mark's
// label (12 px digits of the system fonts are about 7 units wide).
const tickCharWidth = 7.5

// markLabelWidth is room for a mark's number; a number that would touch
// the one before it goes one line lower, up to maxMarkRows lines.
const (
	markLabelWidth = 16
	maxMarkRows    = 4
)

func marks(b *strings.Builder, s *course.Series, xMax time.Duration, l layout) {
	lastX, row := math.Inf(-1), 0
	for i, m := range s.Marks {
		x := l.px(m.T, xMax)
		if x-lastX < markLabelWidth {
			row = (row + 1) % maxMarkRows
		} else {
			row = 0
		}
		lastX = x
		fmt.Fprintf(b, `<line class="chart-mark" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x, l.top, x, l.top+l.plotH)
		// A number that would reach past the edge goes left of its line.
		at, anchor := x+3, "start"
		if at+float64(len(strconv.Itoa(i+1)))*tickCharWidth > float64(l.width) {
			at, anchor = x-3, "end"
		}
		fmt.Fprintf(b, `<text class="chart-mark-label" x="%.1f" y="%.1f" text-anchor="%s">%d</text>`, at, l.top+10+float64(row)*12, anchor, i+1)
	}
}

// lines draws each column's samples as polylines, one per run of samples
// with a value, the first column last so that it stays visible where
// lines coincide.
func lines(b *strings.Builder, s *course.Series, xMax time.Duration, y yScale, l layout) {
	if len(s.Points) == 0 {
		return
	}
	for i := len(s.Columns) - 1; i >= 0; i-- {
		// One polyline per run of samples with a value: a sample without
		// one (failed, or NULL in this column) leaves a gap.
		open := false
		for _, p := range s.Points {
			if !p.Has(i) {
				if open {
					b.WriteString(`"/>`)
					open = false
				}
				continue
			}
			if !open {
				fmt.Fprintf(b, `<polyline class="chart-line chart-line-%d" fill="none" points="`, i+1)
				open = true
			} else {
				b.WriteByte(' ')
			}
			fmt.Fprintf(b, "%.1f,%.1f", l.px(p.T, xMax), py(p.V[i], y, l))
		}
		if open {
			b.WriteString(`"/>`)
		}
	}
}

// byteUnits are the binary prefixes of a byte count; MaxValue is 8 PiB.
var byteUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}

// format prints a value in the probe's unit: bytes get binary prefixes.
func format(s *course.Series, v float64) string {
	if !isBytes(s) {
		return trimFloat(v)
	}
	i := 0
	for math.Abs(v) >= 1024 && i < len(byteUnits)-1 {
		v /= 1024
		i++
	}
	return trimFloat(math.Round(v*10)/10) + " " + byteUnits[i]
}

// trimFloat prints v with at most two decimals and no trailing zeros;
// a value too small to show that way (under 0.01) or too long (1e15 and
// over) gets three significant digits and an exponent.
func trimFloat(v float64) string {
	if a := math.Abs(v); a != 0 && (a < 0.01 || a >= 1e15) {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func seconds(d time.Duration) string {
	return trimFloat(d.Seconds()) + " s"
}
