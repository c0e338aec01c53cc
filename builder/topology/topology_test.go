package topology

import (
	"encoding/xml"
	"fmt"
	"io"
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

// str is a column value.
func str(s string) *string { return &s }

// row is one row of Query's result; "" stands for NULL.
func row(vals ...string) []*string {
	r := make([]*string, 7)
	for i, v := range vals {
		if v != "" {
			r[i] = str(v)
		}
	}
	return r
}

// resolver knows the services of the replication states below by their
// names and one hostname.
func resolver(names ...string) Resolver {
	return func(host string) (string, bool) {
		for _, n := range names {
			if host == n || host == n+".example" {
				return n, true
			}
		}
		return "", false
	}
}

// replication is a stand with a primary streaming to a replica through a
// slot and publishing a table to a subscriber, as the rows show it.
func replication(t *testing.T) *State {
	t.Helper()
	res := resolver("primary", "replica", "subscriber")
	primary, err := ParseRows([][]*string{
		row("publication", "accounts_pub", "false", "public.accounts"),
		row("sender", "acct_sub", "streaming", "async", "172.18.0.4", "acct_sub"),
		row("sender", "walreceiver", "streaming", "async", "172.18.0.3", "replica_slot"),
		row("server", "17.6 (Debian 17.6-1.pgdg13+1)", "false"),
		row("slot", "acct_sub", "logical", "true"),
		row("slot", "replica_slot", "physical", "true"),
	}, res)
	if err != nil {
		t.Fatal(err)
	}
	replica, err := ParseRows([][]*string{
		row("receiver", "primary.example", "streaming", "replica_slot"),
		row("server", "17.6", "true", "user=postgres password=secret host=primary port=5432"),
	}, res)
	if err != nil {
		t.Fatal(err)
	}
	subscriber, err := ParseRows([][]*string{
		row("server", "17.6", "false"),
		row("subscription", "acct_sub", "true", "host=primary dbname=postgres password=secret", "acct_sub", "accounts_pub", "true"),
	}, res)
	if err != nil {
		t.Fatal(err)
	}
	return &State{Services: []*Service{
		{Name: "primary", State: "running", Postgres: primary},
		{Name: "replica", State: "running", Postgres: replica},
		{Name: "subscriber", State: "running", Postgres: subscriber},
	}}
}

// others are states of other stands: a cascade of three services with a
// helper that runs no PostgreSQL and one never started, a failover (the
// sender stopped, its standby promoted), one service alone.
func others(t *testing.T) map[string]*State {
	t.Helper()
	res := resolver("pg1", "pg2", "pg3", "tools")
	pg1, err := ParseRows([][]*string{row("server", "17.6", "false"), row("sender", "pg2", "streaming", "sync", "10.0.0.2")}, res)
	if err != nil {
		t.Fatal(err)
	}
	pg2, err := ParseRows([][]*string{
		row("receiver", "pg1", "streaming"), row("sender", "pg3", "catchup", "async", "10.0.0.3"),
		row("server", "17.6", "true", "host=pg1"),
	}, res)
	if err != nil {
		t.Fatal(err)
	}
	pg3, err := ParseRows([][]*string{row("server", "17.6", "true", "host=pg2")}, res) // not connected yet
	if err != nil {
		t.Fatal(err)
	}
	after := replication(t)
	after.Services[0] = &Service{Name: "primary", State: "exited (0)"}
	after.Services[1].Postgres = &Server{Version: "17.6", Slots: []Slot{{Name: "replica_slot", Type: "physical"}}}
	after.Services[2].Postgres.Subscriptions[0].Worker = false
	return map[string]*State{
		"cascade": {Services: []*Service{
			{Name: "pg3", State: "running", Postgres: pg3}, {Name: "extra", State: "not created"},
			{Name: "pg1", State: "running", Postgres: pg1}, {Name: "pg2", State: "running", Postgres: pg2},
			{Name: "tools", State: "running"},
		}},
		"failover": after,
		"one":      {Services: []*Service{{Name: "db", State: "running", Postgres: &Server{Version: "17.6"}}}},
	}
}

func states(t *testing.T) map[string]*State {
	m := others(t)
	m["replication"] = replication(t)
	return m
}

func TestParseRows(t *testing.T) {
	st := replication(t)
	p := st.Service("primary").Postgres
	if p.InRecovery || p.Version != "17.6" || len(p.Slots) != 2 || len(p.Senders) != 2 || p.Senders[1].Slot != "replica_slot" ||
		len(p.Publications) != 1 || p.Publications[0].Tables[0] != "public.accounts" {
		t.Errorf("primary: %+v", p)
	}
	r := st.Service("replica").Postgres
	if !r.InRecovery || r.Upstream != "primary" || r.Receiver == nil || r.Receiver.From != "primary" || r.Receiver.Slot != "replica_slot" {
		t.Errorf("replica: %+v, receiver %+v: the hostname primary.example is the service primary", r, r.Receiver)
	}
	sub := st.Service("subscriber").Postgres.Subscriptions
	if len(sub) != 1 || sub[0].From != "primary" || !sub[0].Worker || !sub[0].Enabled || sub[0].Publications[0] != "accounts_pub" {
		t.Errorf("subscriber: %+v", sub)
	}
	if strings.Contains(st.Encode(), "secret") {
		t.Error("a password of a connection string reached the state")
	}
	// A host no service answers to stays a host.
	s, err := ParseRows([][]*string{row("server", "17.6", "true"), row("receiver", "10.1.2.3", "streaming")}, resolver("db"))
	if err != nil || s.Receiver.From != "10.1.2.3" {
		t.Errorf("%+v, %v", s, err)
	}
	for name, rows := range map[string][][]*string{
		"no server row": {row("slot", "s", "physical", "false")},
		"unknown kind":  {row("server", "17.6", "false"), row("wal", "x")},
		"short row":     {{str("server"), str("17.6")}},
	} {
		if _, err := ParseRows(rows, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	for name, st := range states(t) {
		text := st.Encode()
		got, err := Decode(text)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, text)
		}
		if got.Encode() != text {
			t.Errorf("%s: %s\nread back as\n%s", name, text, got.Encode())
		}
		if n := strings.Count(text, "\n"); n != len(st.Services) {
			t.Errorf("%s: %d lines for %d services", name, n, len(st.Services))
		}
	}
	for _, bad := range []string{"", "\n", "not json\n", `{"service":"a"}` + "\n", `{"service":"a","state":"running","colour":"red"}` + "\n"} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q): no error", bad)
		}
	}
}

func TestEdgesAndNotes(t *testing.T) {
	all := states(t)
	for name, want := range map[string][]Edge{
		"replication": {{"primary", "replica", FlowWAL}, {"primary", "subscriber", FlowLogical}},
		"cascade":     {{"pg2", "pg3", FlowWAL}, {"pg1", "pg2", FlowWAL}},
		"failover":    {{"primary", "subscriber", FlowLogical}}, // configured, its sender down
		"one":         nil,
	} {
		if got := all[name].Edges(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: edges %v, want %v", name, got, want)
		}
	}
	for _, tc := range []struct{ state, service, want string }{
		{"replication", "primary", "read-write|slot acct_sub: logical, active|slot replica_slot: physical, active|publication accounts_pub: public.accounts"},
		{"replication", "replica", "standby (in recovery)|← WAL from primary: streaming, async, slot replica_slot"},
		{"replication", "subscriber", "← subscription acct_sub to accounts_pub on primary: streaming"},
		{"cascade", "pg1", "read-write"}, // its sender is pg2's receiver
		{"cascade", "pg2", "← WAL from pg1: streaming|→ WAL sender to pg3 at 10.0.0.3: catchup, async"},
		{"cascade", "pg3", "← WAL from pg2: not connected"},
		{"cascade", "tools", "running, no PostgreSQL server answers"},
		{"cascade", "extra", "not created"},
		{"failover", "primary", "exited (0)"},
		{"failover", "replica", "read-write|slot replica_slot: physical, inactive"},
		{"failover", "subscriber", "on primary: no apply worker"},
	} {
		st := all[tc.state]
		got := strings.Join(st.Notes(st.Service(tc.service)), "|")
		for _, w := range strings.Split(tc.want, "|") {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s: notes %q lack %q", tc.state, tc.service, got, w)
			}
		}
	}
	// pg1's one sender serves pg2: no note says it streams to somebody else.
	st := all["cascade"]
	if got := strings.Join(st.Notes(st.Service("pg1")), "|"); strings.Contains(got, "WAL sender") {
		t.Errorf("pg1: %q", got)
	}
}

// palette colours services by the order of their names, as a page would
// by first use.
func palette(name string) int { return int(name[len(name)-1])%8 + 1 }

func TestSVGIsAccessibleAndThemed(t *testing.T) {
	st := replication(t)
	els := parse(t, SVG("block-7", st, palette))
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
		if e.name == "g" && strings.Contains(e.attrs["class"], "topo-node") && !regexp.MustCompile(`^topo-node topo-c[1-8]$`).MatchString(e.attrs["class"]) {
			t.Errorf("node class %q: want a palette class, never one named after the node", e.attrs["class"])
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
	all := strings.Join(texts, " ")
	for _, want := range []string{"primary", "replica", "subscriber", "slot replica_slot", "accounts_pub", "acct_sub"} {
		if strings.Count(all, want) < 2 {
			t.Errorf("%q is not in both drawings: %s", want, all)
		}
	}
	for _, e := range els {
		if e.name == "desc" && !strings.Contains(e.text, "replica: PostgreSQL 17.6, standby (in recovery); ← WAL from primary") {
			t.Errorf("description %q does not say what the drawing shows", e.text)
		}
	}
	// A service that is not running is drawn, dashed.
	if svg := SVG("x", others(t)["failover"], palette); !strings.Contains(svg, `class="topo-node topo-c`+fmt.Sprint(palette("primary"))+` topo-down"`) {
		t.Errorf("the stopped primary is not drawn as down: %s", svg)
	}
}

func layouts(t *testing.T) map[string]layout {
	out := map[string]layout{}
	for name, st := range states(t) {
		out[name+" wide"] = arrange(st, palette, "topology-wide", 640)
		out[name+" narrow"] = arrange(st, palette, "topology-narrow", 360)
	}
	return out
}

// TestLabelsFit estimates each text's box (0.6 em a character, an upper
// bound for the system fonts at these sizes) and checks, in both layouts
// of every state, that it stays inside the drawing and that a node's
// notes and badge stay inside the node's box.
func TestLabelsFit(t *testing.T) {
	sizes := map[string]float64{"topo-host-label": 14, "topo-badge-text": badgeSize, "topo-note": noteSize}
	for name, l := range layouts(t) {
		st := states(t)[strings.Fields(name)[0]]
		for _, e := range parse(t, l.svg("x", st)) {
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
				t.Errorf("%s: %q spans %v, outside the drawing", name, e.text, r)
			}
			for _, n := range l.nodes {
				box := rect{float64(n.x), float64(n.y), float64(n.x + n.w), float64(n.y + n.h)}
				if r.overlaps(box) && !r.inside(box) {
					t.Errorf("%s: %q (%v) overflows the %s box (%v)", name, e.text, r, n.svc.Name, box)
				}
			}
		}
	}
}

// TestArrowsJoinNodes checks that each flow starts on its sender's edge
// and ends on its receiver's, that no line crosses a box, and that every
// edge of the state is drawn.
func TestArrowsJoinNodes(t *testing.T) {
	for name, l := range layouts(t) {
		st := states(t)[strings.Fields(name)[0]]
		edges := st.Edges()
		if len(l.flows) != len(edges) {
			t.Errorf("%s: %d arrows for %d flows", name, len(l.flows), len(edges))
			continue
		}
		byName := map[string]*node{}
		for _, n := range l.nodes {
			byName[n.svc.Name] = n
		}
		for i, f := range l.flows {
			from, to := byName[edges[i].From], byName[edges[i].To]
			if p := f.points[0]; !onEdge(from, p) {
				t.Errorf("%s %v: starts at %v, off the %s's edge", name, edges[i], p, from.svc.Name)
			}
			if p := f.points[len(f.points)-1]; !onEdge(to, p) {
				t.Errorf("%s %v: ends at %v, off the %s's edge", name, edges[i], p, to.svc.Name)
			}
			for _, n := range l.nodes {
				if n != from && n != to && crosses(f, n) {
					t.Errorf("%s %v: the line crosses the %s", name, edges[i], n.svc.Name)
				}
			}
		}
		// Senders are drawn above their receivers, where there is no cycle.
		for _, e := range edges {
			if byName[e.From].y > byName[e.To].y {
				t.Errorf("%s: %s is drawn below %s, which it sends to", name, e.From, e.To)
			}
		}
	}
}

func onEdge(n *node, p [2]int) bool {
	x, y := p[0], p[1]
	inX, inY := x >= n.x && x <= n.x+n.w, y >= n.y && y <= n.y+n.h
	return (inX && (y == n.y || y == n.y+n.h)) || (inY && (x == n.x || x == n.x+n.w))
}

func crosses(f flow, n *node) bool {
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

// TestWrappedNotesIndent: a note too long for a narrow box goes on over
// more lines, indented by one em, never cut where a space allows.
func TestWrappedNotesIndent(t *testing.T) {
	st := replication(t)
	l := arrange(st, palette, "topology-narrow", 360)
	var replica *node
	for _, n := range l.nodes {
		if n.svc.Name == "replica" {
			replica = n
		}
	}
	joined, cont := "", 0
	for i, line := range replica.lines {
		if replica.cont[i] {
			cont++
			joined += " "
		} else if i > 0 {
			joined += "|"
		}
		joined += line
	}
	if cont == 0 || joined != strings.Join(st.Notes(st.Service("replica")), "|") {
		t.Errorf("lines %q (%d continued), want the notes %q", replica.lines, cont, st.Notes(st.Service("replica")))
	}
	svg := l.svg("x", st)
	if !strings.Contains(svg, fmt.Sprintf(`<text class="topo-note" x="%d"`, replica.x+12+noteSize)) {
		t.Error("no continued line is indented")
	}
}
