package psql

import (
	"context"
	"io"
	"testing"
)

// BenchmarkBlock measures what one block costs through a session, against
// a real server: a describe command (which runs the node's own psql in its
// container) next to SQL the session runs itself, in expanded display and
// not. Run with: go test -run '^$' -bench Block ./builder/psql/
func BenchmarkBlock(b *testing.B) {
	if testing.Short() {
		b.Skip("needs Docker and " + image)
	}
	srv := startServer(b)
	srv.freshDB(b, "bench")
	s := srv.connect(b, "bench")
	s.SetClient(srv.resident(b))
	run(b, s, `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers (id), amount numeric(10,2), note text);
CREATE INDEX orders_customer ON orders (customer_id);`)
	for _, bb := range []struct{ name, script string }{
		{"describe/d+", `\d+ orders`},
		{"describe/dt", `\dt`},
		{"sql/aligned", "SELECT * FROM pg_stat_activity;"},
		{"sql/expanded", "\\x on\nSELECT * FROM pg_stat_activity;\n\\x off"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if errored, err := s.Run(context.Background(), bb.script, io.Discard); errored || err != nil {
					b.Fatalf("errored=%v err=%v", errored, err)
				}
			}
		})
	}
}
