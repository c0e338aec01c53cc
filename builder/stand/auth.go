package stand

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"replcourse/builder/composefile"
)

// loginError is a session's failed login, with what the author can do
// about it. The builder logs in over TCP, through the port the engine
// publishes, so the server sees the engine's address, not 127.0.0.1. It
// sends a password only for the service's own user (POSTGRES_USER, with
// its POSTGRES_PASSWORD from the compose file); a block's other user=
// gets none, since a password for it has no place in a chapter. So
// another user must be let in by pg_hba.conf without one. Errors other
// than a refused login (SQLSTATE class 28) come back as they are.
func loginError(svc *composefile.Service, user string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "28") {
		return err
	}
	own := user == "" || user == svc.Postgres.User
	if own {
		user = svc.Postgres.User
	}
	var hint string
	switch {
	case strings.Contains(pe.Message, "does not exist"):
		hint = fmt.Sprintf("create the role in a block before this one (CREATE ROLE %s LOGIN)", user)
	case own && svc.Postgres.Password == "":
		hint = fmt.Sprintf("the builder logs in as %s, the service's POSTGRES_USER, with its POSTGRES_PASSWORD, and %s sets none in the compose file's environment (a POSTGRES_PASSWORD_FILE is not read); set POSTGRES_PASSWORD", user, svc.Name)
	case own:
		hint = fmt.Sprintf("the builder logs in as %s, the service's POSTGRES_USER, with the POSTGRES_PASSWORD of the compose file; a block that changes that password, or a pg_hba.conf that refuses it, keeps the builder out", user)
	default:
		hint = fmt.Sprintf("the builder sends a password only for the service's own user (%s, with its POSTGRES_PASSWORD), never for user=%s, and connects over TCP from the engine's address; let %s in without a password with a pg_hba.conf line before the one that asks for it, such as\n"+
			"    host  all  %s  all  trust\n"+
			"in a pg_hba.conf under stand/ that the service mounts and names with `-c hba_file=…` (see the one `coursebuild new` writes), or run the block as %s and SET ROLE %s",
			svc.Postgres.User, user, user, quoteHBA(user), svc.Postgres.User, user)
	}
	return fmt.Errorf("%w\n  user=%s on %s: %s", err, user, svc.Name, hint)
}

// quoteHBA writes a user name as pg_hba.conf takes it: double-quoted when
// it holds anything but lower-case letters, digits and underscores.
func quoteHBA(name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		}
	}
	return name
}
