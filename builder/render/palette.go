package render

import (
	"fmt"

	"replcourse/builder/course"
	"replcourse/builder/topology"
	"replcourse/theme"
)

// palette gives each node of the course a colour of the theme's node
// palette (theme.NodeColours; classes node-c1… on blocks and badges,
// topo-c1… in diagrams) in the order the course first uses it: the nodes
// of its blocks and probes in document order, then services that only its
// diagrams show, in the order they show them. Colours follow no name, so
// any course's nodes get distinct colours, up to the palette's size; past
// it they repeat. host, the builder's own node (the Docker host, not a
// service), has a colour of its own: node-host.
type palette map[string]int

func newPalette(s *Site) palette {
	p := palette{}
	use := func(node string) {
		if node == "" || node == course.Host {
			return
		}
		if _, ok := p[node]; !ok {
			p[node] = len(p)%theme.NodeColours + 1
		}
	}
	var diagrams []*course.Block
	for _, ch := range s.Course.Chapters {
		for _, b := range ch.Blocks {
			use(b.Node)
			if b.Chart != nil {
				use(b.Chart.Node)
			}
			if b.Lang == topology.Lang {
				diagrams = append(diagrams, b)
			}
		}
	}
	for _, b := range diagrams {
		if r := s.Results[b]; r != nil {
			if st, err := topology.Decode(r.Output); err == nil {
				for _, svc := range st.Services {
					use(svc.Name)
				}
			}
		}
	}
	return p
}

// class is the CSS class of node's colour: node-cN, or node-host.
func (p palette) class(node string) string {
	if node == course.Host {
		return "node-host"
	}
	return fmt.Sprintf("node-c%d", p.colour(node))
}

// colour is node's palette colour, 1 to theme.NodeColours.
func (p palette) colour(node string) int {
	if c, ok := p[node]; ok {
		return c
	}
	return len(p)%theme.NodeColours + 1 // not in the course: cannot be shown
}
