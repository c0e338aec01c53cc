package topology

import (
	"bufio"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Lang is the info string of a diagram block: an empty fenced block where
// the page draws the stand as it is at that point of the run.
const Lang = "diagram"

// State is what a diagram shows: every service of the compose file, in
// name order, as the stand showed it when the run reached the diagram.
// It is the diagram block's recorded output (Encode), so a rebuild from
// the record draws the same picture without Docker.
type State struct {
	Services []*Service
}

// Service is one compose service at the diagram's point of the run.
type Service struct {
	Name string `json:"service"`
	// State is the container's: "running", "exited (N)", or "not created"
	// (never started, in a profile not started yet, or removed by down).
	State string `json:"state"`
	// Postgres holds what the service's PostgreSQL server showed; nil
	// when none answered (the service is not running, or runs no
	// PostgreSQL reachable as sql blocks reach one).
	Postgres *Server `json:"postgres,omitempty"`
}

// Running reports whether the service's container runs.
func (s *Service) Running() bool { return s.State == "running" }

// Server is what one PostgreSQL server showed in its catalog views.
type Server struct {
	Version    string `json:"version"`               // server_version
	InRecovery bool   `json:"in_recovery,omitempty"` // pg_is_in_recovery(): a standby
	// Upstream is the service (or, when no service has that name, the
	// host) primary_conninfo names; "" when not in recovery or not set.
	Upstream      string         `json:"upstream,omitempty"`
	Receiver      *Receiver      `json:"receiver,omitempty"` // pg_stat_wal_receiver; nil: no WAL receiver runs
	Senders       []Sender       `json:"senders,omitempty"`  // pg_stat_replication
	Slots         []Slot         `json:"slots,omitempty"`    // pg_replication_slots
	Publications  []Publication  `json:"publications,omitempty"`
	Subscriptions []Subscription `json:"subscriptions,omitempty"`
}

// Receiver is the standby's WAL receiver (pg_stat_wal_receiver).
type Receiver struct {
	From   string `json:"from"`   // the service sender_host names, else sender_host itself
	Status string `json:"status"` // streaming, catchup, …
	Slot   string `json:"slot,omitempty"`
}

// Sender is one WAL sender (pg_stat_replication).
type Sender struct {
	Application string `json:"application"` // application_name
	Client      string `json:"client,omitempty"`
	State       string `json:"state"`      // startup, catchup, streaming, backup, stopping
	SyncState   string `json:"sync_state"` // async, potential, sync, quorum
	Slot        string `json:"slot,omitempty"`
}

// Slot is one replication slot (pg_replication_slots).
type Slot struct {
	Name   string `json:"name"`
	Type   string `json:"type"` // physical or logical
	Active bool   `json:"active,omitempty"`
}

// Publication is one publication of the server's database (pg_publication).
type Publication struct {
	Name      string   `json:"name"`
	AllTables bool     `json:"all_tables,omitempty"`
	Tables    []string `json:"tables,omitempty"` // schema.table, sorted
}

// Subscription is one subscription (pg_subscription, pg_stat_subscription).
type Subscription struct {
	Name         string   `json:"name"`
	From         string   `json:"from"` // the service its connection string's host names, else the host
	Publications []string `json:"publications"`
	Slot         string   `json:"slot,omitempty"`
	Enabled      bool     `json:"enabled,omitempty"`
	Worker       bool     `json:"worker,omitempty"` // an apply worker runs
}

// Query is what a diagram asks each running service's PostgreSQL server,
// through a connection of its own: one row per fact, every column text,
// kind first. publications are those of the connection's database
// (pg_publication is per database); subscriptions are the cluster's.
// Reading primary_conninfo and subconninfo needs a superuser, which the
// builder connects as.
const Query = `SELECT 'server' AS kind, current_setting('server_version') AS a, pg_is_in_recovery()::text AS b,
       CASE WHEN pg_is_in_recovery() THEN current_setting('primary_conninfo') END AS c,
       NULL::text AS d, NULL::text AS e, NULL::text AS f
UNION ALL
SELECT 'sender', r.application_name, r.state, r.sync_state, host(r.client_addr), s.slot_name::text, NULL
  FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
UNION ALL
SELECT 'slot', slot_name::text, slot_type, active::text, NULL, NULL, NULL FROM pg_replication_slots
UNION ALL
SELECT 'receiver', sender_host, status, slot_name, NULL, NULL, NULL FROM pg_stat_wal_receiver WHERE pid IS NOT NULL
UNION ALL
SELECT 'publication', p.pubname::text, p.puballtables::text,
       (SELECT string_agg(format('%s.%s', t.schemaname, t.tablename), ' ' ORDER BY 1) FROM pg_publication_tables t WHERE t.pubname = p.pubname),
       NULL, NULL, NULL
  FROM pg_publication p
UNION ALL
SELECT 'subscription', s.subname::text, s.subenabled::text, s.subconninfo, s.subslotname::text,
       array_to_string(s.subpublications, ' '),
       (EXISTS (SELECT FROM pg_stat_subscription w WHERE w.subid = s.oid AND w.relid IS NULL AND w.pid IS NOT NULL))::text
  FROM pg_subscription s
ORDER BY 1, 2, 3`

// Resolver maps a host name a server connects to (sender_host, the host
// of a connection string) to the service it reaches; ok is false when no
// service answers to it.
type Resolver func(host string) (service string, ok bool)

// ParseRows reads the rows Query returned (NULL as nil) into a Server,
// naming the services its WAL receiver and subscriptions connect to by
// resolve. A row of an unknown kind or width is an error: the query and
// this reader go together.
func ParseRows(rows [][]*string, resolve Resolver) (*Server, error) {
	s := &Server{}
	found := false
	for _, r := range rows {
		if len(r) != 7 || r[0] == nil {
			return nil, fmt.Errorf("diagram query: a row of %d columns, want 7 with a kind", len(r))
		}
		v := func(i int) string {
			if r[i] == nil {
				return ""
			}
			return *r[i]
		}
		switch v(0) {
		case "server":
			found = true
			// server_version may carry the packager's suffix
			// ("17.12 (Debian 17.12-0+deb13u1)"): the number is enough.
			s.Version, s.InRecovery = v(1), v(2) == "true"
			if f := strings.Fields(s.Version); len(f) > 0 {
				s.Version = f[0]
			}
			if h := conninfoHost(v(3)); h != "" {
				s.Upstream = name(h, resolve)
			}
		case "sender":
			s.Senders = append(s.Senders, Sender{Application: v(1), State: v(2), SyncState: v(3), Client: v(4), Slot: v(5)})
		case "slot":
			s.Slots = append(s.Slots, Slot{Name: v(1), Type: v(2), Active: v(3) == "true"})
		case "receiver":
			s.Receiver = &Receiver{From: name(v(1), resolve), Status: v(2), Slot: v(3)}
		case "publication":
			p := Publication{Name: v(1), AllTables: v(2) == "true"}
			if t := v(3); t != "" {
				p.Tables = strings.Fields(t)
			}
			s.Publications = append(s.Publications, p)
		case "subscription":
			sub := Subscription{Name: v(1), Enabled: v(2) == "true", Slot: v(4), Worker: v(6) == "true"}
			sub.From = name(conninfoHost(v(3)), resolve)
			sub.Publications = strings.Fields(v(5))
			s.Subscriptions = append(s.Subscriptions, sub)
		default:
			return nil, fmt.Errorf("diagram query: a row of unknown kind %q", v(0))
		}
	}
	if !found {
		return nil, fmt.Errorf("diagram query: no server row")
	}
	return s, nil
}

// name is the service resolve finds for host, else host itself.
func name(host string, resolve Resolver) string {
	if resolve != nil {
		if svc, ok := resolve(host); ok {
			return svc
		}
	}
	return host
}

// conninfoHost is the first host of a libpq connection string (key=value
// or URI), as pgconn reads it; "" when it names none or does not parse.
// A Unix-socket directory reads as "local socket". Only the host is kept:
// a connection string may hold a password.
func conninfoHost(conninfo string) string {
	if strings.TrimSpace(conninfo) == "" {
		return ""
	}
	cfg, err := pgconn.ParseConfig(conninfo)
	if err != nil {
		return ""
	}
	if strings.HasPrefix(cfg.Host, "/") {
		return "local socket"
	}
	return cfg.Host
}

// Encode writes the state as text for the record: one JSON object per
// service, one line each, in the state's order.
func (st *State) Encode() string {
	var b strings.Builder
	for _, s := range st.Services {
		line, err := json.Marshal(s)
		if err != nil { // plain strings, bools and slices: cannot fail
			panic(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Decode reads what Encode wrote. A line that is not a service, or a
// state with no service, is an error: the output is not a diagram's.
func Decode(text string) (*State, error) {
	st := &State{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var s Service
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil || s.Name == "" || s.State == "" {
			return nil, fmt.Errorf("line %d is not a service of a diagram: %.60q", n, sc.Text())
		}
		st.Services = append(st.Services, &s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(st.Services) == 0 {
		return nil, fmt.Errorf("a diagram with no service")
	}
	if err := st.check(); err != nil {
		return nil, err
	}
	return st, nil
}

// Values a state can hold: what the stand reports for a container
// (stand.Services) and what PostgreSQL's views hold, as Query reads them.
var (
	containerState = regexp.MustCompile(`^(running|not created|exited \(-?\d{1,3}\))$`)
	// server_version's number, as ParseRows keeps it: 17.12, 9.6.24,
	// 18beta1, 19devel.
	serverVersion = regexp.MustCompile(`^\d{1,3}(\.\d{1,3}){0,2}(devel|(alpha|beta|rc)\d{1,2})?$`)
	senderStates  = []string{"startup", "catchup", "streaming", "backup", "stopping"}
	syncStates    = []string{"async", "potential", "sync", "quorum"}
	slotTypes     = []string{"physical", "logical"}
	// pg_stat_wal_receiver.status.
	receiverStatuses = []string{"stopped", "starting", "streaming", "waiting", "restarting", "stopping"}
)

// check holds a decoded state to what a run writes: each service once, in a container state the stand reports; a server
// only on a running service, with a version number server_version gives
// and the values PostgreSQL's views hold. A state edited into anything
// else is an error naming the service.
func (st *State) check() error {
	for i, s := range st.Services {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("service %q: %s", s.Name, fmt.Sprintf(format, args...))
		}
		if slices.ContainsFunc(st.Services[:i], func(o *Service) bool { return o.Name == s.Name }) {
			return bad("twice in one state")
		}
		if !containerState.MatchString(s.State) {
			return bad("container state %q", s.State)
		}
		pg := s.Postgres
		if pg == nil {
			continue
		}
		switch {
		case !s.Running():
			return bad("a PostgreSQL server in a container that is %s", s.State)
		case !serverVersion.MatchString(pg.Version):
			return bad("server version %q", pg.Version)
		case pg.Upstream != "" && !pg.InRecovery:
			return bad("an upstream while not in recovery")
		case pg.Receiver != nil && !slices.Contains(receiverStatuses, pg.Receiver.Status):
			return bad("WAL receiver status %q", pg.Receiver.Status)
		}
		for _, x := range pg.Senders {
			if !slices.Contains(senderStates, x.State) || !slices.Contains(syncStates, x.SyncState) {
				return bad("WAL sender state %q, sync state %q", x.State, x.SyncState)
			}
		}
		for _, x := range pg.Slots {
			if x.Name == "" || !slices.Contains(slotTypes, x.Type) {
				return bad("replication slot %q of type %q", x.Name, x.Type)
			}
		}
	}
	return nil
}

// Service returns the service called name.
func (st *State) Service(name string) *Service {
	i := slices.IndexFunc(st.Services, func(s *Service) bool { return s.Name == name })
	if i < 0 {
		return nil
	}
	return st.Services[i]
}
