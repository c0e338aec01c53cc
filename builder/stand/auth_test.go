package stand

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"replcourse/builder/composefile"
)

// TestLoginErrorSaysWhatToDo: a refused login says why and what the author
// can do, by whose login it was; the server's error stays in the chain;
// other errors pass unchanged.
func TestLoginErrorSaysWhatToDo(t *testing.T) {
	svc := &composefile.Service{Name: "db", Postgres: composefile.Postgres{User: "postgres", Password: "postgres", Database: "postgres"}}
	refused := func(code, msg string) error {
		return fmt.Errorf("failed to connect to `user=x database=postgres`: 127.0.0.1:32768 (127.0.0.1): failed SASL auth: %w",
			&pgconn.PgError{Severity: "FATAL", Code: code, Message: msg})
	}
	for _, c := range []struct {
		svc  *composefile.Service
		user string
		err  error
		want []string
	}{
		{svc, "alice", refused("28P01", `password authentication failed for user "alice"`),
			[]string{`password authentication failed for user "alice"`, "user=alice on db:", "host  all  alice  all  trust", "hba_file", "SET ROLE alice"}},
		{svc, "Alice", refused("28000", `no pg_hba.conf entry for host "172.17.0.1", user "Alice", database "postgres", no encryption`),
			[]string{`host  all  "Alice"  all  trust`}},
		{svc, "bob", refused("28000", `role "bob" does not exist`), []string{"CREATE ROLE bob LOGIN"}},
		{svc, "", refused("28P01", `password authentication failed for user "postgres"`), []string{"user=postgres on db:", "POSTGRES_PASSWORD of the compose file"}},
		{&composefile.Service{Name: "db", Postgres: composefile.Postgres{User: "app"}}, "app", refused("28P01", `password authentication failed for user "app"`),
			[]string{"sets none", "set POSTGRES_PASSWORD"}},
	} {
		got := loginError(c.svc, c.user, c.err)
		var pe *pgconn.PgError
		if !errors.As(got, &pe) {
			t.Errorf("%s: the server's error is lost: %v", c.user, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got.Error(), w) {
				t.Errorf("user %q: %q is not in\n%v", c.user, w, got)
			}
		}
	}
	other := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	if got := loginError(svc, "alice", other); got != other {
		t.Errorf("another error changed: %v", got)
	}
	if got := loginError(svc, "alice", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}); strings.Contains(got.Error(), "trust") {
		t.Errorf("a server starting up is not a refused login: %v", got)
	}
}
