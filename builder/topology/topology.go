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

// Geometry of the drawing, in SVG user units. Text sizes are large for the
// width so they stay legible where a phone scales the drawing down.
const (
	width, height = 640, 330
	boxW, boxH    = 220, 78
)

// box is one node of the stand.
type box struct {
	node  string // course node name: also the badge's class and text
	notes [2]string
	x, y  int
}

// arrow is a data flow from one box to another, with two label lines.
type arrow struct {
	from, to      box
	kind          string // wal or logical: the CSS class of the line
	label, label2 string
}

// stand is the course's stand, laid out: primary top left, the replica to
// its right, the subscriber below the primary.
func stand() ([]box, []arrow) {
	primary := box{course.Primary, [2]string{"read-write", "publishes " + Table}, 24, 70}
	replica := box{course.Replica, [2]string{"hot standby", "read-only queries"}, width - 24 - boxW, 70}
	subscriber := box{course.Subscriber, [2]string{"a separate cluster", "subscribes to " + Table}, 24, 226}
	return []box{primary, replica, subscriber}, []arrow{
		{primary, replica, "wal", "streaming WAL", "slot " + SlotName},
		{primary, subscriber, "logical", "publication " + Publication + " → subscription " + Subscription,
			"logical replication of the table " + Table},
	}
}

// Describe says in words what the diagram shows, for its <desc> and for
// readers who cannot see it.
func Describe() string {
	return fmt.Sprintf("Three PostgreSQL 17 nodes in Docker. The primary accepts writes and streams its write-ahead log "+
		"to the replica, a read-only hot standby, through the physical replication slot %s. "+
		"The primary also publishes the table %s in the publication %s; the subscriber, a separate cluster, "+
		"receives it by logical replication through its subscription %s.", SlotName, Table, Publication, Subscription)
}

// SVG returns the diagram as an inline <svg> element. id must be unique in
// the page; it ties the title and the description to the image.
func SVG(id string) string {
	boxes, arrows := stand()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="topology" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">The stand: primary, replica and subscriber</title>`, id)
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(Describe()))
	frame(&b)
	for _, a := range arrows {
		a.draw(&b)
	}
	for _, x := range boxes {
		x.draw(&b)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// frame is the Docker host around the nodes: compose runs them all.
func frame(b *strings.Builder) {
	fmt.Fprintf(b, `<rect class="topo-host" x="4" y="4" width="%d" height="%d" rx="10"/>`, width-8, height-8)
	fmt.Fprintf(b, `<text class="topo-host-label" x="20" y="32">Docker host · one compose project</text>`)
}

func (x box) draw(b *strings.Builder) {
	fmt.Fprintf(b, `<g class="topo-node topo-%s">`, x.node)
	fmt.Fprintf(b, `<rect class="topo-box" x="%d" y="%d" width="%d" height="%d" rx="8"/>`, x.x, x.y, boxW, boxH)
	// The badge repeats the colour and the word of the node badges on the
	// pages' blocks, so the diagram and the commands read alike.
	badgeW := 16 + 9*len(x.node)
	fmt.Fprintf(b, `<rect class="topo-badge" x="%d" y="%d" width="%d" height="22" rx="11"/>`, x.x+10, x.y+9, badgeW)
	fmt.Fprintf(b, `<text class="topo-badge-text" x="%d" y="%d" text-anchor="middle">%s</text>`, x.x+10+badgeW/2, x.y+25, x.node)
	for i, n := range x.notes {
		fmt.Fprintf(b, `<text class="topo-note" x="%d" y="%d">%s</text>`, x.x+12, x.y+50+i*18, html.EscapeString(n))
	}
	b.WriteString(`</g>`)
}

// draw connects two boxes side by side (left edge to right edge) or one
// above the other (bottom edge to top edge), with the labels beside the
// line and an arrowhead drawn as a polygon, not a <marker>: markers need
// ids, which would have to be unique in the print page.
func (a arrow) draw(b *strings.Builder) {
	fmt.Fprintf(b, `<g class="topo-flow topo-%s">`, a.kind)
	if a.from.y == a.to.y {
		x1, x2, y := a.from.x+boxW, a.to.x, a.from.y+boxH/2
		fmt.Fprintf(b, `<line class="topo-line" x1="%d" y1="%d" x2="%d" y2="%d"/>`, x1, y, x2-10, y)
		fmt.Fprintf(b, `<polygon class="topo-head" points="%d,%d %d,%d %d,%d"/>`, x2, y, x2-12, y-6, x2-12, y+6)
		mid := (x1 + x2) / 2
		fmt.Fprintf(b, `<text class="topo-label" x="%d" y="%d" text-anchor="middle">%s</text>`, mid, y-10, html.EscapeString(a.label))
		fmt.Fprintf(b, `<text class="topo-label2" x="%d" y="%d" text-anchor="middle">%s</text>`, mid, y+22, html.EscapeString(a.label2))
	} else {
		x, y1, y2 := a.from.x+boxW/2, a.from.y+boxH, a.to.y
		fmt.Fprintf(b, `<line class="topo-line" x1="%d" y1="%d" x2="%d" y2="%d"/>`, x, y1, x, y2-10)
		fmt.Fprintf(b, `<polygon class="topo-head" points="%d,%d %d,%d %d,%d"/>`, x, y2, x-6, y2-12, x+6, y2-12)
		mid := (y1 + y2) / 2
		fmt.Fprintf(b, `<text class="topo-label" x="%d" y="%d">%s</text>`, x+14, mid-4, html.EscapeString(a.label))
		fmt.Fprintf(b, `<text class="topo-label2" x="%d" y="%d">%s</text>`, x+14, mid+16, html.EscapeString(a.label2))
	}
	b.WriteString(`</g>`)
}
