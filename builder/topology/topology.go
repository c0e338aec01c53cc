// Package topology draws the stand as a diagram block shows it: the
// compose file's services, and how data flows between them as their
// PostgreSQL servers showed it at the diagram's point of the run — WAL
// streamed from one server to a standby (pg_stat_wal_receiver on the
// standby, pg_stat_replication and the slot on the sender), tables
// published and subscribed to by logical replication (pg_publication,
// pg_subscription). Nothing in it knows a course's names: the State comes
// from the run (or the record), and the drawing from the State.
//
// The drawing has no inline styles and no colours of its own: every shape
// carries a CSS class (topo-*) that the theme colours, so the diagram
// follows the page's light or dark scheme and passes the pages'
// Content-Security-Policy, which forbids style attributes. A node's colour
// is a palette class (topo-c1…), the one its badges have on the page.
package topology

import (
	"fmt"
	"html"
	"slices"
	"strings"
)

// Flow kinds: the CSS class of an arrow.
const (
	FlowWAL     = "wal"     // physical streaming replication
	FlowLogical = "logical" // a subscription to publications
)

// Edge is one flow of data from one service to another.
type Edge struct {
	From, To string
	Kind     string // FlowWAL or FlowLogical
}

// Edges lists the flows the state shows, in the order of the receiving
// services and, within one, WAL before subscriptions: a WAL receiver that
// streams from a service, a standby configured to stream from one, and
// each subscription to a service. Flows from hosts that are no service of
// the stand are not edges (the receiving node's notes name them).
func (st *State) Edges() []Edge {
	var out []Edge
	for _, s := range st.Services {
		pg := s.Postgres
		if pg == nil {
			continue
		}
		if from := upstream(pg); from != "" && from != s.Name && st.Service(from) != nil {
			out = append(out, Edge{From: from, To: s.Name, Kind: FlowWAL})
		}
		for _, sub := range pg.Subscriptions {
			if sub.From != s.Name && st.Service(sub.From) != nil && !slices.Contains(out, Edge{sub.From, s.Name, FlowLogical}) {
				out = append(out, Edge{From: sub.From, To: s.Name, Kind: FlowLogical})
			}
		}
	}
	return out
}

// upstream is the service a standby streams from, or is configured to.
func upstream(pg *Server) string {
	if pg.Receiver != nil {
		return pg.Receiver.From
	}
	if pg.InRecovery {
		return pg.Upstream
	}
	return ""
}

// sender finds the row of from's pg_stat_replication that serves a
// receiver using slot, or, for a subscription, named app. A WAL receiver
// without a slot (slot and app "") is matched only when it is from's one
// such receiver in the stand and from has one sender without a slot:
// nothing else tells two of them apart.
func (st *State) sender(from, slot, app string) *Sender {
	s := st.Service(from)
	if s == nil || s.Postgres == nil {
		return nil
	}
	if slot == "" && app == "" {
		receivers := 0
		for _, o := range st.Services {
			if o.Postgres != nil && o.Postgres.Receiver != nil && o.Postgres.Receiver.From == from && o.Postgres.Receiver.Slot == "" {
				receivers++
			}
		}
		var found *Sender
		for i, x := range s.Postgres.Senders {
			if x.Slot == "" && !st.subscriber(from, x.Application) {
				if found != nil {
					return nil
				}
				found = &s.Postgres.Senders[i]
			}
		}
		if receivers != 1 {
			return nil
		}
		return found
	}
	for i, x := range s.Postgres.Senders {
		if (slot != "" && x.Slot == slot) || (app != "" && x.Application == app) {
			return &s.Postgres.Senders[i]
		}
	}
	return nil
}

// subscriber reports whether app is the name of a subscription to from.
func (st *State) subscriber(from, app string) bool {
	for _, o := range st.Services {
		if o.Postgres == nil {
			continue
		}
		for _, sub := range o.Postgres.Subscriptions {
			if sub.From == from && sub.Name == app {
				return true
			}
		}
	}
	return false
}

// Notes are the lines of text in a service's box: its state, its role,
// what it receives and from where, its slots and publications, and WAL
// senders no receiver in the stand accounts for.
func (st *State) Notes(s *Service) []string {
	if !s.Running() {
		return []string{s.State}
	}
	pg := s.Postgres
	if pg == nil {
		return []string{"running, no PostgreSQL server answers"}
	}
	role := "PostgreSQL " + pg.Version + ", read-write"
	if pg.InRecovery {
		role = "PostgreSQL " + pg.Version + ", standby (in recovery)"
	}
	notes := []string{role}
	matched := map[*Sender]bool{}
	if r := pg.Receiver; r != nil {
		n := "← WAL from " + r.From + ": " + r.Status
		if x := st.sender(r.From, r.Slot, ""); x != nil {
			n += ", " + x.SyncState
		}
		if r.Slot != "" {
			n += ", slot " + r.Slot
		}
		notes = append(notes, n)
	} else if pg.InRecovery {
		if pg.Upstream != "" {
			notes = append(notes, "← WAL from "+pg.Upstream+": not connected")
		} else {
			notes = append(notes, "no primary_conninfo: replays local WAL only")
		}
	}
	for _, sub := range pg.Subscriptions {
		n := "← subscription " + sub.Name + " to " + strings.Join(sub.Publications, ", ") + " on " + sub.From + ": "
		switch x := st.sender(sub.From, sub.Slot, sub.Name); {
		case !sub.Enabled:
			n += "disabled"
		case x != nil:
			n += x.State
		case sub.Worker:
			n += "apply worker running"
		default:
			n += "no apply worker"
		}
		notes = append(notes, n)
	}
	for _, sl := range pg.Slots {
		act := "inactive"
		if sl.Active {
			act = "active"
		}
		notes = append(notes, fmt.Sprintf("slot %s: %s, %s", sl.Name, sl.Type, act))
	}
	for _, p := range pg.Publications {
		what := strings.Join(p.Tables, ", ")
		if p.AllTables {
			what = "all tables"
		}
		if what == "" {
			what = "no tables"
		}
		notes = append(notes, "publication "+p.Name+": "+what)
	}
	// Senders whose receiver is not a service drawn here (or that no
	// receiver accounts for): say where they stream to.
	for _, other := range st.Services {
		if other.Postgres == nil {
			continue
		}
		if r := other.Postgres.Receiver; r != nil && r.From == s.Name {
			if x := st.sender(s.Name, r.Slot, ""); x != nil {
				matched[x] = true
			}
		}
		for _, sub := range other.Postgres.Subscriptions {
			if sub.From == s.Name {
				if x := st.sender(s.Name, sub.Slot, sub.Name); x != nil {
					matched[x] = true
				}
			}
		}
	}
	for i := range pg.Senders {
		x := &pg.Senders[i]
		if matched[x] {
			continue
		}
		to := x.Application
		if x.Client != "" {
			to += " at " + x.Client
		}
		notes = append(notes, "→ WAL sender to "+to+": "+x.State+", "+x.SyncState)
	}
	return notes
}

// Describe says in words what the diagram shows, for its <desc> and for
// readers who cannot see it.
func Describe(st *State) string {
	var parts []string
	for _, s := range st.Services {
		parts = append(parts, s.Name+": "+strings.Join(st.Notes(s), "; ")+".")
	}
	return "The services of the stand at this point of the course. " + strings.Join(parts, " ")
}

// Palette gives the palette colour (1 to n, 0 for none) of a service.
type Palette func(service string) int

// Drawing sizes, in SVG user units (CSS pixels at scale 1).
const (
	badgeSize = 14 // font size of a badge's text
	noteSize  = 14 // font size of a note
	noteLead  = 19 // distance of two note lines
	charWidth = 0.6
	lane      = 12 // distance of two arrows in the gutter
)

// node is one box of the drawing.
type node struct {
	svc        *Service
	colour     int
	lines      []string // the notes, wrapped to the box
	cont       []bool   // lines[i] continues the note of the line above
	x, y, w, h int
}

// flow is an arrow along straight segments, the last one horizontal.
type flow struct {
	kind   string
	points [][2]int
}

// layout is the whole drawing at one width.
type layout struct {
	class         string // topology-wide or topology-narrow
	width, height int
	nodes         []*node
	flows         []flow
}

// order puts senders above their receivers, each receiver close under
// its sender: services that send to or receive from another come first,
// depth first from the ones that receive from none (a service in a cycle
// only, from the first of it by name), children by name; then the
// services with no flow, by name.
func order(st *State, edges []Edge) []*Service {
	children := map[string][]string{}
	receives, linked := map[string]bool{}, map[string]bool{}
	for _, e := range edges {
		children[e.From] = append(children[e.From], e.To)
		receives[e.To] = true
		linked[e.From], linked[e.To] = true, true
	}
	names := make([]string, len(st.Services))
	for i, s := range st.Services {
		names[i] = s.Name
	}
	slices.Sort(names)
	var out []*Service
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		out = append(out, st.Service(name))
		kids := slices.Clone(children[name])
		slices.Sort(kids)
		for _, k := range kids {
			visit(k)
		}
	}
	for _, n := range names {
		if linked[n] && !receives[n] {
			visit(n)
		}
	}
	for _, n := range names { // cycles with no way in
		if linked[n] {
			visit(n)
		}
	}
	for _, n := range names {
		visit(n)
	}
	return out
}

// arrange lays the services out in one column, width wide: the boxes to
// the right of a gutter in which every flow runs in a lane of its own,
// from the left edge of its sender's box to the left edge of its
// receiver's, so that no arrow crosses a box and no label needs a place
// between boxes — what a flow is, the receiver's notes say.
func arrange(st *State, pal Palette, class string, width int) layout {
	edges := st.Edges()
	services := order(st, edges)
	l := layout{class: class, width: width}
	gutter := 20 + lane*len(edges)
	x, w := gutter+14, width-gutter-14-16
	y := 48
	byName := map[string]*node{}
	for _, s := range services {
		n := &node{svc: s, x: x, y: y, w: w}
		if pal != nil {
			n.colour = pal(s.Name)
		}
		for _, note := range st.Notes(s) {
			// A note's continuation lines are indented by one em,
			// so that where a note starts reads at a glance.
			first := wrap(note, int(float64(w-24)/(charWidth*noteSize)))
			if len(first) == 0 {
				continue
			}
			rest := wrap(strings.TrimPrefix(note, first[0]), int(float64(w-24-noteSize)/(charWidth*noteSize)))
			n.lines, n.cont = append(n.lines, first[0]), append(n.cont, false)
			for _, l := range rest {
				n.lines, n.cont = append(n.lines, l), append(n.cont, true)
			}
		}
		out, in := 0, 0
		for _, e := range edges {
			if e.From == s.Name {
				out++
			}
			if e.To == s.Name {
				in++
			}
		}
		n.h = max(44+noteLead*len(n.lines), 28+8*(out+in)+16)
		byName[s.Name] = n
		l.nodes = append(l.nodes, n)
		y += n.h + 24
	}
	l.height = y - 24 + 16
	// Flows leave their sender and enter their receiver 8 apart; the
	// further out a flow's lane, the higher it leaves and the lower it
	// enters, so that flows of one sender, or of one receiver, do not
	// cross each other.
	nOut, nIn := map[string]int{}, map[string]int{}
	for _, e := range edges {
		nOut[e.From]++
		nIn[e.To]++
	}
	outs, ins := map[string]int{}, map[string]int{}
	for i, e := range edges {
		from, to := byName[e.From], byName[e.To]
		lx := gutter - 8 - lane*i
		y0 := from.y + 20 + 8*(nOut[e.From]-1-outs[e.From])
		y1 := to.y + to.h - 14 - 8*(nIn[e.To]-1-ins[e.To])
		outs[e.From]++
		ins[e.To]++
		l.flows = append(l.flows, flow{kind: e.Kind, points: [][2]int{{from.x, y0}, {lx, y0}, {lx, y1}, {to.x, y1}}})
	}
	return l
}

// wrap breaks text into lines of at most n characters, at spaces where it
// can.
func wrap(text string, n int) []string {
	n = max(n, 8)
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for len([]rune(word)) > n { // a word longer than a line is cut
			if line != "" {
				lines, line = append(lines, line), ""
			}
			r := []rune(word)
			lines, word = append(lines, string(r[:n])), string(r[n:])
		}
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= n:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// SVG returns the diagram of st as inline SVG: a wide drawing and a narrow
// one, of which the theme shows one by the width of the screen (classes
// topology-wide and topology-narrow). id must be unique in the page; the
// drawings' titles and descriptions take ids made from it. pal colours
// the services (nil: none).
func SVG(id string, st *State, pal Palette) string {
	return arrange(st, pal, "topology-wide", 640).svg(id+"-wide", st) +
		arrange(st, pal, "topology-narrow", 360).svg(id+"-narrow", st)
}

func (l layout) svg(id string, st *State) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="topology %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		l.class, l.width, l.height, id, id)
	names := make([]string, len(st.Services))
	for i, s := range st.Services {
		names[i] = s.Name
	}
	fmt.Fprintf(&b, `<title id="%s-t">The stand: %s</title>`, id, html.EscapeString(strings.Join(names, ", ")))
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(Describe(st)))
	// The Docker host around the services: compose runs them all.
	fmt.Fprintf(&b, `<rect class="topo-host" x="4" y="4" width="%d" height="%d" rx="10"/>`, l.width-8, l.height-8)
	b.WriteString(`<text class="topo-host-label" x="16" y="30">Docker host · one compose project</text>`)
	for _, n := range l.nodes {
		n.draw(&b)
	}
	for _, f := range l.flows {
		f.draw(&b)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// badgeWidth fits the service's name in its badge. The name is bold:
// 0.75 em a character bounds the system fonts' (DejaVu Sans Bold's widest
// lower-case letters, m and w, are about 1 em).
func (n *node) badgeWidth() int {
	return 24 + int(0.75*badgeSize*float64(len([]rune(n.svc.Name)))+0.5)
}

func (n *node) draw(b *strings.Builder) {
	class := "topo-node"
	if n.colour > 0 {
		class += fmt.Sprintf(" topo-c%d", n.colour)
	}
	if !n.svc.Running() {
		class += " topo-down"
	}
	fmt.Fprintf(b, `<g class="%s">`, class)
	fmt.Fprintf(b, `<rect class="topo-box" x="%d" y="%d" width="%d" height="%d" rx="8"/>`, n.x, n.y, n.w, n.h)
	// The badge repeats the colour and the word of the node badges on the
	// pages' blocks, so the diagram and the commands read alike.
	bw := n.badgeWidth()
	fmt.Fprintf(b, `<rect class="topo-badge" x="%d" y="%d" width="%d" height="22" rx="11"/>`, n.x+10, n.y+9, bw)
	fmt.Fprintf(b, `<text class="topo-badge-text" x="%d" y="%d" text-anchor="middle">%s</text>`, n.x+10+bw/2, n.y+25, html.EscapeString(n.svc.Name))
	for i, s := range n.lines {
		x := n.x + 12
		if n.cont[i] {
			x += noteSize
		}
		fmt.Fprintf(b, `<text class="topo-note" x="%d" y="%d">%s</text>`, x, n.y+54+i*noteLead, html.EscapeString(s))
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
