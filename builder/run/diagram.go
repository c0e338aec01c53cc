package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"replcourse/builder/topology"
)

// Inspector is what a diagram block needs from the stand besides Stand:
// the compose file's services with their containers' states, and
// read-only queries outside the nodes' sessions, so that drawing the
// stand changes nothing a later block could see.
type Inspector interface {
	// Services lists every service of the compose file, every profile
	// included, in name order.
	Services(ctx context.Context) ([]ServiceState, error)
	// Query runs query on node's PostgreSQL server through a connection
	// of its own, as sql blocks reach the node, and returns its rows with
	// every value as text (NULL as nil). ErrNoPostgres says the node has
	// no PostgreSQL server to reach (no published port, no answer).
	Query(ctx context.Context, node, query string) ([][]*string, error)
}

// ErrNoPostgres is Inspector.Query's error for a node with no PostgreSQL
// server a block could reach.
var ErrNoPostgres = errors.New("no PostgreSQL server answers")

// ServiceState is one compose service as the stand has it now.
type ServiceState struct {
	Name string
	// Hosts are the other names the service answers to on the compose
	// network besides its name: hostname, container_name, aliases.
	Hosts []string
	// State is "running", "exited (N)" or "not created".
	State string
}

// runDiagram draws the stand as it is now: every service, and for each
// running one what its PostgreSQL server shows (topology.Query), the
// hosts it connects to named as services. It writes the state, encoded,
// as the block's output, which the record keeps and the page draws.
func runDiagram(ctx context.Context, st Stand, w io.Writer) error {
	in, ok := st.(Inspector)
	if !ok {
		return errors.New("this stand cannot show its services, so no diagram can be drawn")
	}
	services, err := in.Services(ctx)
	if err != nil {
		return fmt.Errorf("listing the stand's services: %w", err)
	}
	resolve := func(host string) (string, bool) {
		for _, s := range services {
			if s.Name == host || slices.Contains(s.Hosts, host) {
				return s.Name, true
			}
		}
		return "", false
	}
	state := &topology.State{}
	for _, s := range services {
		svc := &topology.Service{Name: s.Name, State: s.State}
		state.Services = append(state.Services, svc)
		if !svc.Running() {
			continue
		}
		rows, err := in.Query(ctx, s.Name, topology.Query)
		switch {
		case errors.Is(err, ErrNoPostgres):
			continue
		case err != nil:
			return fmt.Errorf("asking %s for its replication state: %w", s.Name, err)
		}
		if svc.Postgres, err = topology.ParseRows(rows, resolve); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	if len(state.Services) == 0 {
		return errors.New("the compose file has no service to draw")
	}
	_, err = io.WriteString(w, state.Encode())
	return err
}
