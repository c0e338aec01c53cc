package stand

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/run"
	"replcourse/builder/topology"
)

// inspectCompose: a publisher known on the network by a hostname of its
// own, a subscriber, a helper that runs no PostgreSQL and a service in a
// profile that is never started.
const inspectCompose = `services:
  pub:
    image: postgres:17
    hostname: publisher
    command: ["postgres", "-c", "wal_level=logical"]
    environment:
      POSTGRES_PASSWORD: postgres
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1"]
      interval: 1s
      timeout: 5s
      retries: 5
      start_period: 60s
    ports:
      - "127.0.0.1::5432"
  sub:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: postgres
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1"]
      interval: 1s
      timeout: 5s
      retries: 5
      start_period: 60s
    ports:
      - "127.0.0.1::5432"
  tools:
    image: postgres:17
    entrypoint: ["sleep", "infinity"]
  later:
    image: postgres:17
    profiles: [later]
    environment:
      POSTGRES_PASSWORD: postgres
`

// TestDiagramOnARealStand draws a stand with a subscription through the
// runner's diagram step: every service with its state, the helper as a
// service with no server, and the flow from the publisher (reached by its
// hostname) to the subscriber with what both servers show.
func TestDiagramOnARealStand(t *testing.T) {
	needDocker(t)
	s := standOf(t, inspectCompose, nil)
	host(t, s, "docker compose up -d pub sub tools")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for node, script := range map[string]string{
		"pub": "CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE t;",
		"sub": "CREATE TABLE t (id int PRIMARY KEY); CREATE SUBSCRIPTION s CONNECTION 'host=publisher user=postgres password=postgres dbname=postgres' PUBLICATION p;",
	} {
		if errored, err := s.SQL(ctx, node, "", script, io.Discard); err != nil || errored {
			t.Fatalf("%s: %v (errored %v)", node, err, errored)
		}
	}
	// The subscription's walsender reaches streaming a moment after
	// CREATE SUBSCRIPTION returns: draw until it has, within a bound.
	var state *topology.State
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		d := &course.Block{Lang: topology.Lang, Timeout: 30 * time.Second, Pos: course.Pos{File: "t.md", Line: 1}}
		ch := &course.Chapter{File: "t.md", Number: 1, Blocks: []*course.Block{d}}
		d.Chapter = ch
		res, err := run.Run(ctx, s, &course.Course{Chapters: []*course.Chapter{ch}}, run.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if state, err = topology.Decode(res.Blocks[d].Output); err != nil {
			t.Fatal(err)
		}
		if p := state.Service("pub").Postgres; p != nil && len(p.Senders) == 1 && p.Senders[0].State == "streaming" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the subscription never streamed:\n%s", state.Encode())
		case <-tick.C:
		}
	}
	text := state.Encode()
	if names := strings.Join([]string{state.Services[0].Name, state.Services[1].Name, state.Services[2].Name, state.Services[3].Name}, " "); names != "later pub sub tools" {
		t.Errorf("services %s, want every service of the compose file in name order", names)
	}
	if later := state.Service("later"); later.State != "not created" || later.Postgres != nil {
		t.Errorf("later: %+v", later)
	}
	if tools := state.Service("tools"); tools.State != "running" || tools.Postgres != nil {
		t.Errorf("tools: %+v: running, with no server", tools)
	}
	pub := state.Service("pub").Postgres
	if pub.InRecovery || !strings.HasPrefix(pub.Version, "17") || len(pub.Publications) != 1 || pub.Publications[0].Name != "p" ||
		strings.Join(pub.Publications[0].Tables, ",") != "public.t" || len(pub.Slots) != 1 || pub.Slots[0].Type != "logical" || !pub.Slots[0].Active ||
		pub.Senders[0].Slot != "s" || pub.Senders[0].SyncState != "async" {
		t.Errorf("pub:\n%s", text)
	}
	sub := state.Service("sub").Postgres
	if len(sub.Subscriptions) != 1 || sub.Subscriptions[0].From != "pub" || !sub.Subscriptions[0].Worker || sub.Subscriptions[0].Slot != "s" {
		t.Errorf("sub: the subscription's host publisher is the service pub:\n%s", text)
	}
	if e := state.Edges(); len(e) != 1 || e[0] != (topology.Edge{From: "pub", To: "sub", Kind: topology.FlowLogical}) {
		t.Errorf("edges %v", e)
	}
	if strings.Contains(text, "password") {
		t.Errorf("a connection string reached the state:\n%s", text)
	}
	// The sessions the blocks use were not touched: the publisher's still
	// works and sees its own table.
	var out strings.Builder
	if _, err := s.SQL(ctx, "pub", "", "SELECT count(*) FROM t;", &out); err != nil || !strings.Contains(out.String(), "0") {
		t.Errorf("pub's session after the diagram: %q, %v", out.String(), err)
	}
	var _ run.Inspector = s
}
