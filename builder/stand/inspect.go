package stand

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/moby/moby/client"

	"replcourse/builder/run"
)

// Services lists every service of the compose file, every profile
// included, in name order, with the names it answers to on the compose
// network and its container's state (run.Inspector).
func (s *Stand) Services(ctx context.Context) ([]run.ServiceState, error) {
	p, err := s.loadProject(ctx, []string{"*"}, nil)
	if err != nil {
		return nil, err
	}
	var out []run.ServiceState
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		sc := p.Services[name]
		st := run.ServiceState{Name: name, State: "not created"}
		for _, h := range []string{sc.Hostname, sc.ContainerName} {
			if h != "" {
				st.Hosts = append(st.Hosts, h)
			}
		}
		for _, n := range sc.Networks {
			if n != nil {
				st.Hosts = append(st.Hosts, n.Aliases...)
			}
		}
		id, err := s.container(ctx, name)
		if err == nil {
			res, err := s.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
			if err != nil {
				return nil, err
			}
			switch c := res.Container.State; {
			case c != nil && c.Running:
				st.State = "running"
			case c != nil:
				st.State = fmt.Sprintf("exited (%d)", c.ExitCode)
			default:
				st.State = "exited (0)"
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Query runs query on node through a connection of its own, made as the
// node's sql blocks connect, and returns the rows as text (NULL as nil)
// (run.Inspector). A node that publishes no PostgreSQL port, or where
// nothing answers on it, is run.ErrNoPostgres.
func (s *Stand) Query(ctx context.Context, node, query string) ([][]*string, error) {
	cs, err := s.connString(ctx, node, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", run.ErrNoPostgres, err)
	}
	conn, err := pgx.Connect(ctx, cs)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) || ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", run.ErrNoPostgres, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, query, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]*string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]*string, len(raw))
		for i, v := range raw {
			if v != nil {
				s := string(v)
				row[i] = &s
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
