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
	root := els[0]
	if root.name != "svg" || root.attrs["role"] != "img" || root.attrs["aria-labelledby"] != "block-7-t block-7-d" {
		t.Errorf("root %v: want an svg with role img labelled by its title and description", root)
	}
	ids := map[string]string{}
	var texts []string
	for _, e := range els {
		if id := e.attrs["id"]; id != "" {
			ids[id] = e.name
		}
		for _, bad := range []string{"style", "fill", "stroke", "color", "font-size"} {
			if _, ok := e.attrs[bad]; ok {
				t.Errorf("<%s %s=…>: colours and sizes belong in the theme's CSS", e.name, bad)
			}
		}
		if e.name != "svg" && e.name != "title" && e.name != "desc" && e.attrs["class"] == "" && e.name != "text" {
			t.Errorf("<%s> has no class for the theme to style", e.name)
		}
		if e.name == "text" {
			texts = append(texts, e.text)
		}
	}
	if ids["block-7-t"] != "title" || ids["block-7-d"] != "desc" || len(ids) != 2 {
		t.Errorf("ids %v: want exactly the title and the description (markers would need more)", ids)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"primary", "replica", "subscriber", "streaming WAL", "slot replica_slot", "publication accounts_pub", "subscription acct_sub"} {
		if !strings.Contains(all, want) {
			t.Errorf("no label %q in %s", want, all)
		}
	}
}

// TestLabelsFit estimates each label's box (0.6 em a character, an upper
// bound for the system sans-serif fonts at these sizes) and checks that
// it stays inside the drawing, that a node's notes stay inside the node,
// and that the arrows' labels cross no node.
func TestLabelsFit(t *testing.T) {
	sizes := map[string]float64{"topo-host-label": 14, "topo-badge-text": 14, "topo-note": 15, "topo-label": 15, "topo-label2": 14}
	boxes, _ := stand()
	for _, e := range parse(t, SVG("x")) {
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
		if r.x0 < 0 || r.x1 > width || r.y0 < 0 || r.y1 > height {
			t.Errorf("%q spans %v, outside the drawing", e.text, r)
		}
		for _, b := range boxes {
			in := rect{float64(b.x), float64(b.y), float64(b.x + boxW), float64(b.y + boxH)}
			switch {
			case class == "topo-note" && r.overlaps(in) && !r.inside(in):
				t.Errorf("note %q (%v) overflows the %s box (%v)", e.text, r, b.node, in)
			case (class == "topo-label" || class == "topo-label2") && r.overlaps(in):
				t.Errorf("arrow label %q (%v) crosses the %s box (%v)", e.text, r, b.node, in)
			}
		}
	}
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
	if e.attrs["text-anchor"] == "middle" {
		x -= w / 2
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
		`pg_create_physical_replication_slot\('` + SlotName + `'\)`,
		`CREATE PUBLICATION ` + Publication + ` FOR TABLE ` + Table,
		`CREATE SUBSCRIPTION ` + Subscription,
	} {
		if !regexp.MustCompile(re).MatchString(all.String()) {
			t.Errorf("no chapter matches %s: update the diagram's names", re)
		}
	}
}
