package theme

import (
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"replcourse/builder/chart"
)

// TestChartLineColours checks the colours of a chart's lines, one per
// column of a probe's query, in both schemes: each exists for every line
// chart.SVG may draw, stands out from the page's background by 3:1 (WCAG
// 2 1.4.11, non-text contrast), and differs clearly (CIE76 ΔE ≥ 20) from
// every other line and from the blocks' dashed marks (--host).
func TestChartLineColours(t *testing.T) {
	data, err := fs.ReadFile(Static(), "site.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(data)
	light, dark := palette(t)
	// palette's names have no digits: read the numbered ones here, the
	// dark block over the light one as palette does.
	i := strings.Index(css, "@media screen and (prefers-color-scheme: dark)")
	for _, m := range numberedVar.FindAllStringSubmatch(css[:i], -1) {
		light[m[1]], dark[m[1]] = m[2], m[2]
	}
	for _, m := range numberedVar.FindAllStringSubmatch(css[i:], -1) {
		dark[m[1]] = m[2]
	}
	for n := 2; n <= chart.MaxLines; n++ {
		if !strings.Contains(css, fmt.Sprintf(".chart-line-%d { stroke: var(--chart-%d);", n, n)) {
			t.Errorf("site.css gives .chart-line-%d no colour of its own", n)
		}
	}
	for scheme, p := range map[string]map[string]string{"light": light, "dark": dark} {
		names := []string{"host"}
		for n := 1; n <= chart.MaxLines; n++ {
			name := fmt.Sprintf("chart-%d", n)
			if p[name] == "" {
				t.Errorf("%s: no --%s in site.css", scheme, name)
				continue
			}
			if r := contrast(p[name], p["bg"]); r < 3 {
				t.Errorf("%s: --%s %s on --bg %s: contrast %.2f, want ≥ 3", scheme, name, p[name], p["bg"], r)
			}
			names = append(names, name)
		}
		for i, a := range names {
			for _, b := range names[i+1:] {
				if d := deltaE(p[a], p[b]); d < 20 {
					t.Errorf("%s: --%s %s and --%s %s differ by ΔE %.1f, want ≥ 20", scheme, a, p[a], b, p[b], d)
				}
			}
		}
	}
}

var numberedVar = regexp.MustCompile(`--(chart-[0-9]+):\s*(#[0-9a-fA-F]{6})\s*;`)

func TestDeltaE(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 100}, {"#ff0000", "#ff0000", 0}} {
		if got := deltaE(tc.a, tc.b); math.Abs(got-tc.want) > 0.5 {
			t.Errorf("deltaE(%s, %s) = %.2f, want %.0f", tc.a, tc.b, got, tc.want)
		}
	}
}

// deltaE is the CIE76 colour difference: the distance in CIELAB (D65).
func deltaE(a, b string) float64 {
	la, lb := lab(a), lab(b)
	return math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2]))
}

func lab(hex string) [3]float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	r, g, bl := lin(v>>16&0xff), lin(v>>8&0xff), lin(v&0xff)
	x := (0.4124*r + 0.3576*g + 0.1805*bl) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*bl
	z := (0.0193*r + 0.1192*g + 0.9505*bl) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}
