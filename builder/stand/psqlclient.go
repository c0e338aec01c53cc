package stand

import (
	"context"
	"io"

	"replcourse/builder/psql"
)

// psqlClient runs a program inside node's container as the postgres user,
// stdout and stderr merged: the node's own psql, for the describe commands
// of its SQL session (psql.Session.SetClient).
func (s *Stand) psqlClient(node string) psql.Client {
	return func(ctx context.Context, argv []string, w io.Writer) (int, error) {
		id, err := s.container(ctx, node)
		if err != nil {
			return 0, err
		}
		return s.exec(ctx, id, "postgres", argv, w)
	}
}
