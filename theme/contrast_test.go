package theme

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/styles"
)

// palette reads the colour variables of site.css: the :root block, and
// the dark block over it.
func palette(t *testing.T) (light, dark map[string]string) {
	t.Helper()
	data, err := fs.ReadFile(Static(), "site.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(data)
	i := strings.Index(css, "@media screen and (prefers-color-scheme: dark)")
	if i < 0 {
		t.Fatal("site.css has no dark block")
	}
	light, dark = vars(css[:i]), vars(css[:i])
	for k, v := range vars(css[i:]) {
		if _, ok := light[k]; !ok {
			t.Errorf("dark block sets --%s, which the light one does not", k)
		}
		dark[k] = v
	}
	return light, dark
}

var colourVar = regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;`)

func vars(css string) map[string]string {
	m := map[string]string{}
	for _, sub := range colourVar.FindAllStringSubmatch(css, -1) {
		if _, seen := m[sub[1]]; !seen { // the first block of the text wins
			m[sub[1]] = sub[2]
		}
	}
	return m
}

func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
}

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// textPairs are the text colours the theme puts on each background
// (foreground, background), as site.css uses them.
var textPairs = [][2]string{
	{"fg", "bg"}, {"muted", "bg"}, {"link", "bg"}, {"link-visited", "bg"},
	{"fg", "surface"}, {"muted", "surface"}, {"link", "surface"}, {"link-visited", "surface"}, // header, contents, block heads
	{"code-fg", "code-bg"}, {"fg", "code-bg"},
	{"out-label", "out-bg"}, {"fg", "out-bg"}, {"skip-label", "skip-bg"}, {"fg", "skip-bg"},
	{"skip-label", "surface"},                   // "not run: why" in a block head
	{"badge-fg", "host"}, {"badge-fg", "muted"}, // the node palette's badges: TestNodePalette
	{"mark-fg", "mark-bg"},
	{"host", "bg"}, // chart mark numbers
}

// uiPairs need 3:1 (WCAG 1.4.11): the focus ring, the search box's border.
var uiPairs = [][2]string{{"focus", "bg"}, {"focus", "surface"}, {"muted", "bg"}, {"muted", "surface"}}

func TestContrast(t *testing.T) {
	light, dark := palette(t)
	for scheme, p := range map[string]map[string]string{"light": light, "dark": dark} {
		for _, pairs := range []struct {
			min   float64
			pairs [][2]string
		}{{4.5, textPairs}, {3, uiPairs}} {
			for _, pair := range pairs.pairs {
				fg, bg := p[pair[0]], p[pair[1]]
				if fg == "" || bg == "" {
					t.Errorf("%s: no --%s or --%s in site.css", scheme, pair[0], pair[1])
					continue
				}
				if r := contrast(fg, bg); r < pairs.min {
					t.Errorf("%s: --%s %s on --%s %s: contrast %.2f, want ≥ %.1f", scheme, pair[0], fg, pair[1], bg, r, pairs.min)
				}
			}
		}
	}
}

// notDrawn are chroma token types the pages never show as text: no line
// numbers or highlighted lines are configured, and whitespace has no ink.
var notDrawn = map[chroma.TokenType]bool{
	chroma.Background: true, chroma.PreWrapper: true, chroma.Line: true, chroma.CodeLine: true,
	chroma.LineNumbers: true, chroma.LineNumbersTable: true, chroma.LineHighlight: true,
	chroma.LineTable: true, chroma.LineTableTD: true, chroma.LineLink: true, chroma.TextWhitespace: true,
}

// TestCodeContrast checks every token colour of the chroma styles against
// the code background site.css paints under them, and the background of
// a value from the build's run (.captured, --captured-bg), or the token's
// own, where it has one of its own.
func TestCodeContrast(t *testing.T) {
	light, dark := palette(t)
	for _, c := range []struct{ style, bg string }{
		{LightStyle, light["code-bg"]}, {DarkStyle, dark["code-bg"]},
		{LightStyle, light["captured-bg"]}, {DarkStyle, dark["captured-bg"]},
	} {
		st := styles.Get(c.style)
		base := st.Get(chroma.Background).Background
		for _, tt := range st.Types() {
			e := st.Get(tt)
			if !e.Colour.IsSet() || notDrawn[tt] {
				continue
			}
			bg := c.bg
			if e.Background.IsSet() && e.Background != base {
				bg = e.Background.String()
			}
			if r := contrast(e.Colour.String(), bg); r < 4.5 {
				t.Errorf("%s: %s %s on %s: contrast %.2f, want ≥ 4.5", c.style, tt, e.Colour, bg, r)
			}
		}
	}
}

func TestContrastFormula(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#777777", "#ffffff", 4.48}, {"#ffffff", "#ffffff", 1}} {
		if got := contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.2f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}
