package theme

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// diagramParts are the classes of the diagram's shapes (topology.SVG)
// other than the nodes' colours.
var diagramParts = map[string]bool{
	"host": true, "host-label": true, "node": true, "box": true, "badge": true, "badge-text": true,
	"note": true, "down": true, "flow": true, "line": true, "head": true, "wal": true, "logical": true,
}

var nodeVar = regexp.MustCompile(`--(node-[0-9]+):\s*(#[0-9a-fA-F]{6})\s*;`)

// TestNodePalette checks the colours the renderer gives a course's nodes
// in the order the course first uses them (NodeColours of them), in both
// schemes: a badge's text on each reads at 4.5:1 (WCAG 2 1.4.3), each
// stands out from the page and the panels it borders by 3:1 (1.4.11: a
// block's edge, a diagram's box), each differs clearly (CIE76 ΔE ≥ 20)
// from every other, from the host's and from the muted grey of a node
// with no colour; every colour has its rules for blocks, badges and
// diagram boxes; and no rule is keyed by a node's name.
func TestNodePalette(t *testing.T) {
	data, err := fs.ReadFile(Static(), "site.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(data)
	light, dark := palette(t)
	i := strings.Index(css, "@media screen and (prefers-color-scheme: dark)")
	for _, m := range nodeVar.FindAllStringSubmatch(css[:i], -1) {
		light[m[1]], dark[m[1]] = m[2], m[2]
	}
	for _, m := range nodeVar.FindAllStringSubmatch(css[i:], -1) {
		dark[m[1]] = m[2]
	}
	if n := len(nodeVar.FindAllStringSubmatch(css[:i], -1)); n != NodeColours {
		t.Errorf("site.css defines %d node colours, NodeColours is %d", n, NodeColours)
	}
	for n := 1; n <= NodeColours; n++ {
		for _, rule := range []string{
			fmt.Sprintf(".block.node-c%d { border-left-color: var(--node-%d); }", n, n),
			fmt.Sprintf(".node.node-c%d { background: var(--node-%d); }", n, n),
			fmt.Sprintf(".topo-c%d .topo-box { stroke: var(--node-%d); }", n, n),
			fmt.Sprintf(".topo-c%d .topo-badge { fill: var(--node-%d); }", n, n),
		} {
			if !strings.Contains(css, rule) {
				t.Errorf("site.css lacks %s", rule)
			}
		}
	}
	for scheme, p := range map[string]map[string]string{"light": light, "dark": dark} {
		names := []string{"host", "muted"}
		for n := 1; n <= NodeColours; n++ {
			name := fmt.Sprintf("node-%d", n)
			if p[name] == "" {
				t.Errorf("%s: no --%s in site.css", scheme, name)
				continue
			}
			if r := contrast(p["badge-fg"], p[name]); r < 4.5 {
				t.Errorf("%s: --badge-fg %s on --%s %s: contrast %.2f, want ≥ 4.5", scheme, p["badge-fg"], name, p[name], r)
			}
			for _, bg := range []string{"bg", "surface", "code-bg"} {
				if r := contrast(p[name], p[bg]); r < 3 {
					t.Errorf("%s: --%s %s on --%s %s: contrast %.2f, want ≥ 3", scheme, name, p[name], bg, p[bg], r)
				}
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
	// Colours follow the order of use, never a name: the only node
	// classes are the palette's and the host's.
	for _, m := range regexp.MustCompile(`\.(node|topo)-([a-z][a-z0-9_-]*)`).FindAllStringSubmatch(css, -1) {
		name := m[2]
		if regexp.MustCompile(`^c[0-9]+$`).MatchString(name) || name == "host" && m[1] == "node" {
			continue
		}
		if m[1] == "topo" && diagramParts[name] {
			continue
		}
		t.Errorf("site.css has a rule for .%s-%s: node colours come from the palette, not from names", m[1], name)
	}
}
