package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/topology"
)

// inspectStand is a fakeStand that can also show its services, as a
// diagram block asks: services in name order, rows per node.
type inspectStand struct {
	*fakeStand
	services []ServiceState
	rows     map[string][][]*string
	errs     map[string]error
	queried  []string
}

func (s *inspectStand) Services(context.Context) ([]ServiceState, error) { return s.services, nil }

func (s *inspectStand) Query(_ context.Context, node, query string) ([][]*string, error) {
	if query != topology.Query {
		return nil, fmt.Errorf("unexpected query %q", query)
	}
	s.queried = append(s.queried, node)
	if err := s.errs[node]; err != nil {
		return nil, err
	}
	return s.rows[node], nil
}

func text(vals ...string) []*string {
	r := make([]*string, 7)
	for i, v := range vals {
		if v != "" {
			r[i] = &vals[i]
		}
	}
	return r
}

func diagramBlock() *course.Block {
	return &course.Block{Lang: topology.Lang, Timeout: time.Second, Pos: course.Pos{File: "c.md", Line: 20}}
}

// TestDiagramShowsTheStandAsItIs runs a diagram block after an SQL block
// and checks that it asked every running service, through the
// inspector's own connections (not the nodes' sessions), and recorded
// what they showed as its output, with hosts named as services.
func TestDiagramShowsTheStandAsItIs(t *testing.T) {
	fake := &fakeStand{sql: func(node, script string, call int) (string, bool, error) { return "ok\n", false, nil }}
	st := &inspectStand{
		fakeStand: fake,
		services: []ServiceState{
			{Name: "pg1", State: "running", Hosts: []string{"main-db"}},
			{Name: "pg2", State: "running"},
			{Name: "pg3", State: "not created"},
			{Name: "tools", State: "running"},
		},
		rows: map[string][][]*string{
			"pg1": {text("server", "17.6", "false"), text("sender", "walreceiver", "streaming", "async", "10.0.0.3")},
			"pg2": {text("receiver", "main-db", "streaming"), text("server", "17.6", "true", "host=main-db")},
		},
		errs: map[string]error{"tools": fmt.Errorf("%w: node tools publishes no port", ErrNoPostgres)},
	}
	sqlBlock := block("sql", "pg1", "SELECT 1;", "ok\n")
	d := diagramBlock()
	c := courseOf(sqlBlock, d)
	if bs := Blocks(c, 0); len(bs) != 2 || bs[1] != d {
		t.Fatalf("Blocks = %v: the diagram block runs, in its place", bs)
	}
	res, err := Run(context.Background(), st, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fake.calls != 1 {
		t.Errorf("%d calls into the nodes' sessions and shells, want only the SQL block's", fake.calls)
	}
	if got := strings.Join(st.queried, " "); got != "pg1 pg2 tools" {
		t.Errorf("queried %s: want every running service, in order", got)
	}
	state, err := topology.Decode(res.Blocks[d].Output)
	if err != nil {
		t.Fatalf("the diagram's output is no state: %v\n%s", err, res.Blocks[d].Output)
	}
	if len(state.Services) != 4 || state.Service("pg3").State != "not created" || state.Service("tools").Postgres != nil {
		t.Errorf("state:\n%s", state.Encode())
	}
	pg2 := state.Service("pg2").Postgres
	if pg2 == nil || pg2.Receiver == nil || pg2.Receiver.From != "pg1" || pg2.Upstream != "pg1" {
		t.Errorf("pg2 receives from %+v: want pg1, which answers to main-db", pg2)
	}
	if e := state.Edges(); len(e) != 1 || e[0] != (topology.Edge{From: "pg1", To: "pg2", Kind: topology.FlowWAL}) {
		t.Errorf("edges %v", e)
	}
}

// TestDiagramFailures: a server that fails to answer fails the block
// with the service named; a stand that cannot list its services cannot
// draw one.
func TestDiagramFailures(t *testing.T) {
	st := &inspectStand{
		fakeStand: &fakeStand{},
		services:  []ServiceState{{Name: "db", State: "running"}},
		errs:      map[string]error{"db": errors.New("FATAL: the database system is starting up (SQLSTATE 57P03)")},
	}
	_, err := Run(context.Background(), st, courseOf(diagramBlock()), Options{})
	var be *BlockError
	if !errors.As(err, &be) || !strings.Contains(be.Msg, "asking db for its replication state") || !strings.Contains(err.Error(), "c.md:20") {
		t.Errorf("error %v: want the block's, naming the service", err)
	}
	st.errs = nil
	st.rows = map[string][][]*string{"db": {text("server", "17.6", "false"), text("what", "x")}}
	if _, err := Run(context.Background(), st, courseOf(diagramBlock()), Options{}); err == nil || !strings.Contains(err.Error(), "db: diagram query") {
		t.Errorf("an unreadable answer: error %v", err)
	}
	_, err = Run(context.Background(), &fakeStand{}, courseOf(diagramBlock()), Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot show its services") {
		t.Errorf("a stand without an inspector: error %v", err)
	}
}

// TestVerifyDiagram: a diagram's result verifies when its output reads
// as a state, as a recorded one must.
func TestVerifyDiagram(t *testing.T) {
	d := diagramBlock()
	if err := Verify(d, &course.Result{Output: "{\"service\":\"db\",\"state\":\"running\"}\n"}, nil); err != nil {
		t.Errorf("a state: %v", err)
	}
	for _, out := range []string{"", "db running\n", "{\"service\":\"db\"}\n"} {
		if err := Verify(d, &course.Result{Output: out}, nil); err == nil || !strings.Contains(err.Error(), "not a diagram's state") {
			t.Errorf("output %q: %v", out, err)
		}
	}
}
