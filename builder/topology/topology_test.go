package topology

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// element is an SVG element as the test reads it.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

func parse(t *testing.T, svg string) []element {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		case xml.CharData:
			if len(out) > 0 {
				out[len(out)-1].text += string(tok)
			}
		}
	}
}

func TestSVGIsAccessibleAndThemed(t *testing.T) {
	els := parse(t, SVG("block-7"))
	ids := map[string]string{}
	var roots []element
	var texts []string
	for _, e := range els {
		if e.name == "svg" {
			roots = append(roots, e)
		}
		if id := e.attrs["id"]; id != "" {
			ids[id] = e.name
		}
		for _, bad := range []string{"style", "fill", "stroke", "color", "font-size"} {
			if _, ok := e.attrs[bad]; ok {
				t.Errorf("<%s %s=…>: colours and sizes belong in the theme's CSS", e.name, bad)
			}
		}
		if e.name != "svg" && e.name != "title" && e.name != "desc" && e.attrs["class"] == "" {
			t.Errorf("<%s> has no class for the theme to style", e.name)
		}
		if e.name == "text" {
			texts = append(texts, e.text)
		}
	}
	if len(roots) != 2 {
		t.Fatalf("%d drawings, want the wide and the narrow one", len(roots))
	}
	for i, size := range []string{"wide", "narrow"} {
		id := "block-7-" + size
		r := roots[i]
		if r.attrs["class"] != "topology topology-"+size || r.attrs["role"] != "img" || r.attrs["aria-labelledby"] != id+"-t "+id+"-d" {
			t.Errorf("drawing %d: %v: want class topology-%s, role img, labelled by its title and description", i, r.attrs, size)
		}
		if ids[id+"-t"] != "title" || ids[id+"-d"] != "desc" {
			t.Errorf("%s: no title or description with ids %s-t, %s-d", size, id, id)
		}
	}
	if len(ids) != 4 {
		t.Errorf("ids %v: want only the titles and descriptions (markers would need more)", ids)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"primary", "replica", "subscriber", "streaming WAL", "slot replica_slot", "publication accounts_pub", "subscription acct_sub"} {
		if strings.Count(all, want) < 2 {
			t.Errorf("label %q is not in both drawings: %s", want, all)
		}
	}
}

// TestLabelsFit estimates each label's box (0.6 em a character, an upper
// bound for the system fonts at these sizes) and checks, in both layouts,
// that it stays inside the drawing, that a node's notes and badge stay
// inside the node, and that the arrows' labels cross no node.
func TestLabelsFit(t *testing.T) {
	sizes := map[string]float64{"topo-host-label": 14, "topo-badge-text": 14, "topo-note": 15, "topo-label": 15, "topo-label2": 14}
	for _, l := range []layout{wide(), narrow()} {
		for _, e := range parse(t, l.svg("x")) {
			if e.name != "text" {
				continue
			}
			class := e.attrs["class"]
			size, ok := sizes[class]
			if !ok {
				t.Errorf("text class %q has no size in this test (and maybe none in site.css)", class)
				continue
			}
			r := textRect(e, size)
			if r.x0 < 0 || r.x1 > float64(l.width) || r.y0 < 0 || r.y1 > float64(l.height) {
				t.Errorf("%s: %q spans %v, outside the drawing", l.class, e.text, r)
			}
			for _, n := range l.nodes {
				box := rect{float64(n.x), float64(n.y), float64(n.x + n.w), float64(n.y + n.h)}
				inNode := class == "topo-note" || class == "topo-badge-text"
				switch {
				case inNode && r.overlaps(box) && !r.inside(box):
					t.Errorf("%s: %q (%v) overflows the %s box (%v)", l.class, e.text, r, n.name, box)
				case !inNode && r.overlaps(box):
					t.Errorf("%s: label %q (%v) crosses the %s box (%v)", l.class, e.text, r, n.name, box)
				}
			}
		}
	}
}

// TestArrowsJoinNodes checks that each flow starts on the primary's edge
// and ends on its target's edge, and that no line crosses a third node.
func TestArrowsJoinNodes(t *testing.T) {
	for _, l := range []layout{wide(), narrow()} {
		byName := map[string]node{}
		for _, n := range l.nodes {
			byName[n.name] = n
		}
		targets := map[string]string{"wal": "replica", "logical": "subscriber"}
		for _, f := range l.flows {
			from, to := byName["primary"], byName[targets[f.kind]]
			if p := f.points[0]; !onEdge(from, p) {
				t.Errorf("%s %s: starts at %v, off the primary's edge", l.class, f.kind, p)
			}
			if p := f.points[len(f.points)-1]; !onEdge(to, p) {
				t.Errorf("%s %s: ends at %v, off the %s's edge", l.class, f.kind, p, to.name)
			}
			for _, n := range l.nodes {
				if n.name != from.name && n.name != to.name && crosses(f, n) {
					t.Errorf("%s %s: the line crosses the %s", l.class, f.kind, n.name)
				}
			}
		}
	}
}

func onEdge(n node, p [2]int) bool {
	x, y := p[0], p[1]
	inX, inY := x >= n.x && x <= n.x+n.w, y >= n.y && y <= n.y+n.h
	return (inX && (y == n.y || y == n.y+n.h)) || (inY && (x == n.x || x == n.x+n.w))
}

func crosses(f flow, n node) bool {
	for i := 1; i < len(f.points); i++ {
		a, b := f.points[i-1], f.points[i]
		seg := rect{float64(min(a[0], b[0])), float64(min(a[1], b[1])), float64(max(a[0], b[0])) + 1, float64(max(a[1], b[1])) + 1}
		if seg.overlaps(rect{float64(n.x), float64(n.y), float64(n.x + n.w), float64(n.y + n.h)}) {
			return true
		}
	}
	return false
}

type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) overlaps(o rect) bool {
	return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1
}

func (r rect) inside(o rect) bool {
	return r.x0 >= o.x0 && r.x1 <= o.x1 && r.y0 >= o.y0 && r.y1 <= o.y1
}

// textRect is where a <text> is drawn: its baseline at y, one em high.
func textRect(e element, size float64) rect {
	x, _ := strconv.ParseFloat(e.attrs["x"], 64)
	y, _ := strconv.ParseFloat(e.attrs["y"], 64)
	w := 0.6 * size * float64(len([]rune(e.text)))
	switch e.attrs["text-anchor"] {
	case "middle":
		x -= w / 2
	case "end":
		x -= w
	}
	return rect{x, y - size, x + w, y + 0.25*size}
}

// TestNamesMatchTheChapters fails when a chapter renames the slot, the
// publication or the subscription the diagram shows.
func TestNamesMatchTheChapters(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "content", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no chapters: %v", err)
	}
	var all strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
	}
	for _, re := range []string{
		// The slot's name is the first argument; others may follow.
		`pg_create_physical_replication_slot\('` + SlotName + `'\s*[,)]`,
		`CREATE PUBLICATION ` + Publication + ` FOR TABLE ` + Table,
		`CREATE SUBSCRIPTION ` + Subscription,
	} {
		if !regexp.MustCompile(re).MatchString(all.String()) {
			t.Errorf("no chapter matches %s: update the diagram's names", re)
		}
	}
}
