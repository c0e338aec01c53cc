// Package topology draws the course's stand as an SVG diagram: the nodes
// and how data flows between them — the primary streaming its WAL to the
// replica through the physical slot replica_slot, and publishing one table
// to the subscriber by logical replication.
//
// The drawing has no inline styles and no colours of its own: every shape
// carries a CSS class (topo-*) that the theme colours, so the diagram
// follows the page's light or dark scheme and passes the pages'
// Content-Security-Policy, which forbids style attributes.
package topology

import (
	"fmt"
	"html"
	"strings"

	"replcourse/builder/course"
)

// Names the chapters give the replication objects; the test checks that
// the chapters still create them.
const (
	SlotName     = "replica_slot" // physical slot: chapter 3 creates it, chapter 5 streams through it
	Publication  = "accounts_pub" // chapter 9, on the primary
	Subscription = "acct_sub"     // chapter 9, on the subscriber
	Table        = "accounts"     // the one table it replicates
)

// node is one box of the drawing, in SVG user units.
type node struct {
	name       string // course node name: also the badge's class and text
	notes      [2]string
	x, y, w, h int
}

// label is one line of text beside an arrow.
type label struct {
	x, y   int
	anchor string // start, middle or end
	class  string // topo-label (what flows) or topo-label2 (through what)
	text   string
}

// flow is an arrow from one node to another along straight segments.
type flow struct {
	kind   string // wal or logical: the CSS class of the line
	points [][2]int
	labels []label
}

// layout is the whole drawing at one size.
type layout struct {
	class         string // topology-wide or topology-narrow
	width, height int
	frameLabel    [2]int
	nodes         []node
	flows         []flow
}

var notes = map[string][2]string{
	course.Primary:    {"read-write", "publishes " + Table},
	course.Replica:    {"hot standby", "read-only queries"},
	course.Subscriber: {"a separate cluster", "subscribes to " + Table},
}

// wide lays the stand out for a page column: the replica to the right of
// the primary, the subscriber below it.
func wide() layout {
	return layout{
		class: "topology-wide", width: 640, height: 330, frameLabel: [2]int{20, 32},
		nodes: []node{
			{course.Primary, notes[course.Primary], 24, 70, 220, 78},
			{course.Replica, notes[course.Replica], 396, 70, 220, 78},
			{course.Subscriber, notes[course.Subscriber], 24, 226, 220, 78},
		},
		flows: []flow{
			{"wal", [][2]int{{244, 109}, {396, 109}}, []label{
				{320, 99, "middle", "topo-label", "streaming WAL"},
				{320, 131, "middle", "topo-label2", "slot " + SlotName},
			}},
			{"logical", [][2]int{{134, 148}, {134, 226}}, []label{
				{148, 183, "start", "topo-label", "publication " + Publication + " → subscription " + Subscription},
				{148, 203, "start", "topo-label2", "logical replication of the table " + Table},
			}},
		},
	}
}

// narrow stacks the nodes for a phone, at the text size of the page: the
// logical flow runs down the right, past the replica.
func narrow() layout {
	return layout{
		class: "topology-narrow", width: 360, height: 490, frameLabel: [2]int{16, 30},
		nodes: []node{
			{course.Primary, notes[course.Primary], 16, 48, 328, 78},
			{course.Replica, notes[course.Replica], 16, 214, 210, 78},
			{course.Subscriber, notes[course.Subscriber], 16, 392, 328, 78},
		},
		flows: []flow{
			{"wal", [][2]int{{60, 126}, {60, 214}}, []label{
				{74, 164, "start", "topo-label", "streaming WAL"},
				{74, 184, "start", "topo-label2", "slot " + SlotName},
			}},
			{"logical", [][2]int{{300, 126}, {300, 392}}, []label{
				{288, 322, "end", "topo-label", "publication " + Publication},
				{288, 342, "end", "topo-label", "→ subscription " + Subscription},
				{288, 362, "end", "topo-label2", "logical: table " + Table},
			}},
		},
	}
}

// Describe says in words what the diagram shows, for its <desc> and for
// readers who cannot see it.
func Describe() string {
	return fmt.Sprintf("Three PostgreSQL 17 nodes in Docker. The primary accepts writes and streams its write-ahead log "+
		"to the replica, a read-only hot standby, through the physical replication slot %s. "+
		"The primary also publishes the table %s in the publication %s; the subscriber, a separate cluster, "+
		"receives it by logical replication through its subscription %s. The roles are what move: after the "+
		"failover the promoted replica is the primary, and it is the node that publishes.", SlotName, Table, Publication, Subscription)
}

// SVG returns the diagram as inline SVG: a wide drawing and a narrow one,
// of which the theme shows one by the width of the screen (classes
// topology-wide and topology-narrow). id must be unique in the page; the
// drawings' titles and descriptions take ids made from it.
func SVG(id string) string {
	return wide().svg(id+"-wide") + narrow().svg(id+"-narrow")
}

func (l layout) svg(id string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="topology %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		l.class, l.width, l.height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">The stand: primary, replica and subscriber</title>`, id)
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(Describe()))
	// The Docker host around the nodes: compose runs them all.
	fmt.Fprintf(&b, `<rect class="topo-host" x="4" y="4" width="%d" height="%d" rx="10"/>`, l.width-8, l.height-8)
	fmt.Fprintf(&b, `<text class="topo-host-label" x="%d" y="%d">Docker host · one compose project</text>`, l.frameLabel[0], l.frameLabel[1])
	for _, f := range l.flows {
		f.draw(&b)
	}
	for _, n := range l.nodes {
		n.draw(&b)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// badgeWidth fits the node's name in its badge.
func (n node) badgeWidth() int { return 16 + 9*len(n.name) }

func (n node) draw(b *strings.Builder) {
	fmt.Fprintf(b, `<g class="topo-node topo-%s">`, n.name)
	fmt.Fprintf(b, `<rect class="topo-box" x="%d" y="%d" width="%d" height="%d" rx="8"/>`, n.x, n.y, n.w, n.h)
	// The badge repeats the colour and the word of the node badges on the
	// pages' blocks, so the diagram and the commands read alike.
	bw := n.badgeWidth()
	fmt.Fprintf(b, `<rect class="topo-badge" x="%d" y="%d" width="%d" height="22" rx="11"/>`, n.x+10, n.y+9, bw)
	fmt.Fprintf(b, `<text class="topo-badge-text" x="%d" y="%d" text-anchor="middle">%s</text>`, n.x+10+bw/2, n.y+25, n.name)
	for i, s := range n.notes {
		fmt.Fprintf(b, `<text class="topo-note" x="%d" y="%d">%s</text>`, n.x+12, n.y+50+i*18, html.EscapeString(s))
	}
	b.WriteString(`</g>`)
}

// draw strokes the flow's segments, stopping short of the end for the
// arrowhead, a polygon rather than a <marker>: markers need ids, which
// would have to be unique in the print page.
func (f flow) draw(b *strings.Builder) {
	fmt.Fprintf(b, `<g class="topo-flow topo-%s">`, f.kind)
	end, prev := f.points[len(f.points)-1], f.points[len(f.points)-2]
	dx, dy := sign(end[0]-prev[0]), sign(end[1]-prev[1]) // segments are horizontal or vertical
	pts := make([]string, len(f.points))
	for i, p := range f.points {
		if i == len(f.points)-1 {
			p = [2]int{p[0] - 10*dx, p[1] - 10*dy}
		}
		pts[i] = fmt.Sprintf("%d,%d", p[0], p[1])
	}
	fmt.Fprintf(b, `<polyline class="topo-line" points="%s"/>`, strings.Join(pts, " "))
	bx, by := end[0]-12*dx, end[1]-12*dy // the arrowhead's base, 12 back
	fmt.Fprintf(b, `<polygon class="topo-head" points="%d,%d %d,%d %d,%d"/>`, end[0], end[1], bx-6*dy, by-6*dx, bx+6*dy, by+6*dx)
	for _, l := range f.labels {
		fmt.Fprintf(b, `<text class="%s" x="%d" y="%d" text-anchor="%s">%s</text>`, l.class, l.x, l.y, l.anchor, html.EscapeString(l.text))
	}
	b.WriteString(`</g>`)
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
