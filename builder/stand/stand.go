// Package stand is the only package that knows Docker. It runs the course's
// own compose file as a fresh, uniquely named project, hands out SQL sessions
// and shell commands per node, performs the lifecycle steps of host blocks,
// and removes everything it made — on success, failure and interruption.
package stand

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/sirupsen/logrus"

	"replcourse/builder/composefile"
	"replcourse/builder/psql"
)

// Label marks every container, network and volume of a build: compose puts
// the project name under it (the build adds it to the volumes too). The
// project is named for the course (see projectName); the owner labels
// (owner.go) say that a build made it, and which builder process.
const (
	Label        = "com.docker.compose.project"
	serviceLabel = "com.docker.compose.service"
	// legacyPrefix starts the project name of every build made before
	// stands were named for their course and carried the owner labels:
	// the clean-up of leftovers still finds those by it.
	legacyPrefix = "replcourse-build-"
)

// Config says what to run.
type Config struct {
	ComposeFile string // the course's compose file
	// Model is the compose file as read at check time: the services, and
	// how to reach PostgreSQL in each.
	Model *composefile.Model
	// Images maps each image reference of the compose file, as written,
	// to the image the stand runs for it (from EnsureImages).
	Images map[string]Image
	Log    io.Writer
	// Course is the course's folder. Its name names the stand when the
	// compose file has no name: (see projectName).
	Course string
}

// Stand is one running compose project.
type Stand struct {
	cfg     Config
	project string
	cli     *client.Client
	svc     api.Compose // the Docker Compose library, reporting to progress
	// progress collects what compose prints for the current host step.
	progress *progress
	// labels go on every container, network and volume: the owner's.
	labels map[string]string

	// engine is where the engine publishes ports (see engineHost).
	engine engine

	mu       sync.Mutex
	sessions map[sessionKey]*psql.Session
	probes   map[string]*pgx.Conn // connections of background probes, per node
	psqls    []*psql.Resident     // the psql of each session, for describe commands (psqlclient.go)
	server   string               // SELECT version() of the first node reached
}

// sessionKey names an SQL session: one per node and user.
type sessionKey struct{ node, user string }

// New prepares a stand with a fresh project name. No container exists until
// a host block runs `docker compose up -d`. First it removes the stands of
// earlier builds whose builder process is gone (see cleanLeftovers), and
// logs those it cannot judge with the command that removes them.
func New(ctx context.Context, cfg Config) (*Stand, error) {
	// The compose library warns through logrus, e.g. about a network it
	// did not create; what it does for the stand comes back as events and
	// errors.
	logrus.SetOutput(io.Discard)
	cli, ep, err := openEngine(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Model == nil {
		cli.Close()
		return nil, fmt.Errorf("stand: no compose model for %s", cfg.ComposeFile)
	}
	eng, err := ep.engine()
	if err != nil {
		cli.Close()
		return nil, &EnvError{Msg: err.Error()}
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	s := &Stand{
		cfg:      cfg,
		project:  projectName(cfg, hex.EncodeToString(b[:])),
		cli:      cli,
		engine:   eng,
		sessions: map[sessionKey]*psql.Session{},
		probes:   map[string]*pgx.Conn{},
		labels:   self().labels(time.Now()),
	}
	if err := cleanLeftovers(ctx, cli, s.project, self(), s.logf); err != nil {
		s.logf("%v", err)
	}
	var errOut io.Writer = io.Discard
	if cfg.Log != nil {
		errOut = cfg.Log
	}
	s.progress = &progress{}
	if s.svc, err = newComposeService(ep, s.progress, errOut); err != nil {
		cli.Close()
		return nil, &EnvError{Msg: fmt.Sprintf("Docker Compose: %v", err)}
	}
	reader := cfg.Model.Name
	s.progress.rename = func(id string) string { return strings.ReplaceAll(id, s.project, reader) }
	return s, nil
}

// projectName names a build's compose project for its course, as a
// reader's `docker compose` would name it, with suffix (unique per build)
// appended: "NAME-SUFFIX". NAME is the compose file's name: when it has
// one, else the course folder's name (Config.Course, else the compose
// file's folder's), normalized as compose normalizes a folder's name
// (lower case, only a-z, 0-9, _ and -, starting with a letter or digit)
// and cut to maxNameLen; "course" when nothing is left of it.
func projectName(cfg Config, suffix string) string {
	name := cfg.Model.Name
	if !cfg.Model.Named {
		dir := cfg.Course
		if dir == "" {
			dir = filepath.Dir(cfg.ComposeFile)
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		name = loader.NormalizeProjectName(filepath.Base(dir))
	}
	name = strings.TrimRight(name[:min(len(name), maxNameLen)], "-_")
	if name == "" {
		name = "course"
	}
	return name + "-" + suffix
}

// maxNameLen bounds the course's part of a project name, so that the
// names compose derives from it (NAME-SUFFIX-SERVICE-1) stay readable.
const maxNameLen = 40

// Project is the compose project name, the value of Label on everything.
func (s *Stand) Project() string { return s.project }

// Server is the SELECT version() string of the stand's PostgreSQL.
func (s *Stand) Server() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server
}

func (s *Stand) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", args...)
	}
}

// NotRunningError is a block or a step on a node whose container does
// not run: never started (Stopped false: no container), or stopped,
// killed or exited.
type NotRunningError struct {
	Node    string
	Stopped bool   // a container exists but does not run
	State   string // its state when Stopped, e.g. "exited (0)"
}

func (e *NotRunningError) Error() string {
	if !e.Stopped {
		return fmt.Sprintf("node %s is not running: no `docker compose up -d` has started it yet", e.Node)
	}
	if e.State != "" {
		return fmt.Sprintf("node %s is not running (%s)", e.Node, e.State)
	}
	return fmt.Sprintf("node %s is not running", e.Node)
}

// container finds the running or stopped container of a service; a
// service without one is a *NotRunningError.
func (s *Stand) container(ctx context.Context, service string) (string, error) {
	res, err := s.cli.ContainerList(ctx, client.ContainerListOptions{
		All: true,
		Filters: make(client.Filters).Add("label", Label+"="+s.project).
			Add("label", serviceLabel+"="+service),
	})
	if err != nil {
		return "", err
	}
	if len(res.Items) == 0 {
		return "", &NotRunningError{Node: service}
	}
	return res.Items[0].ID, nil
}

// SQL runs a script on node through the long-lived session of node and
// user (the service's POSTGRES_USER when user is ""), reconnecting first
// if the server restarted since the last block.
func (s *Stand) SQL(ctx context.Context, node, user, script string, w io.Writer) (bool, error) {
	sess, err := s.session(ctx, node, user)
	if err != nil {
		return false, err
	}
	return sess.Run(ctx, script, w)
}

func (s *Stand) session(ctx context.Context, node, user string) (*psql.Session, error) {
	key := sessionKey{node, user}
	s.mu.Lock()
	sess := s.sessions[key]
	s.mu.Unlock()
	if sess != nil && sess.Alive() {
		return sess, nil
	}
	conn, err := s.connString(ctx, node, user)
	if err != nil {
		return nil, err
	}
	sess, err = connect(ctx, conn)
	if err != nil {
		if svc, ok := s.cfg.Model.Service(node); ok {
			err = loginError(svc, user, err)
		}
		return nil, fmt.Errorf("connecting to %s: %w", node, err)
	}
	sess.SetClient(s.psqlClient(node))
	s.mu.Lock()
	s.sessions[key] = sess
	first := s.server == ""
	s.mu.Unlock()
	if first {
		s.recordServer(ctx, conn)
	}
	return sess, nil
}

// connect opens an SQL session. A server that is not up yet is tried
// again every pollEvery until ctx ends (the block's timeout): a service
// without a healthcheck is ready once its container runs, which can be
// before its server accepts connections — nothing listens yet (refused,
// or Docker's proxy closing the connection at once), or the server says
// it is starting up (SQLSTATE 57P03, cannot_connect_now). Any other
// error returns at once; at the bound, the last error.
func connect(ctx context.Context, conn string) (*psql.Session, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		sess, err := psql.Connect(ctx, conn)
		if err == nil || !starting(err) {
			return sess, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-tick.C:
		}
	}
}

// starting reports whether a connection error says the server is not up
// yet (see connect).
func starting(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P03"
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func (s *Stand) recordServer(ctx context.Context, conn string) {
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		return
	}
	defer c.Close(ctx)
	var v string
	if c.QueryRow(ctx, "SELECT version()").Scan(&v) == nil {
		s.mu.Lock()
		s.server = v
		s.mu.Unlock()
	}
}

// Sample runs a probe's query on node through a connection of its own, so
// the node's session (and its transaction state) is not disturbed, and
// returns the first row: the names of its columns and their values as
// numbers, NaN for a NULL (a gap in that column's line). No row, a value
// that is not a number, or a NaN or infinite one (a chart cannot draw it)
// is an error. A failed connection is dropped and made anew at the next
// sample.
func (s *Stand) Sample(ctx context.Context, node, query string) ([]string, []float64, error) {
	s.mu.Lock()
	conn := s.probes[node]
	s.mu.Unlock()
	if conn == nil || conn.IsClosed() {
		cs, err := s.connString(ctx, node, "")
		if err != nil {
			return nil, nil, err
		}
		if conn, err = pgx.Connect(ctx, cs); err != nil {
			return nil, nil, err
		}
		s.mu.Lock()
		s.probes[node] = conn
		s.mu.Unlock()
	}
	cols, vals, err := sampleRow(ctx, conn, query)
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return cols, vals, nil
}

// sampleRow reads the first row of query's result as numbers, like
// QueryRow, keeping the columns' names.
func sampleRow(ctx context.Context, conn *pgx.Conn, query string) ([]string, []float64, error) {
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		return nil, nil, pgx.ErrNoRows
	}
	cols := make([]string, len(fields))
	ptrs := make([]*float64, len(fields))
	dest := make([]any, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
		dest[i] = &ptrs[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, nil, err
	}
	vals := make([]float64, len(fields))
	for i, p := range ptrs {
		switch {
		case p == nil:
			vals[i] = math.NaN()
		case math.IsNaN(*p) || math.IsInf(*p, 0):
			return nil, nil, fmt.Errorf("column %s is %v, not a number a chart can draw", cols[i], *p)
		default:
			vals[i] = *p
		}
	}
	rows.Close()
	return cols, vals, rows.Err()
}

// connString reaches the PostgreSQL of node as user (the service's
// Postgres.User when ""), through the port the engine publishes for the
// service's Postgres.Port, on the engine's host (see engine.dial), in the
// service's Postgres.Database, with its POSTGRES_PASSWORD for its own user.
func (s *Stand) connString(ctx context.Context, node, user string) (string, error) {
	svc, ok := s.cfg.Model.Service(node)
	if !ok {
		return "", fmt.Errorf("node %s is not a service of %s", node, s.cfg.Model.File)
	}
	id, err := s.container(ctx, node)
	if err != nil {
		return "", err
	}
	res, err := s.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", err
	}
	return connStringOf(s.engine, svc, user, res.Container)
}

// connStringOf is connString for an inspected container of svc.
func connStringOf(eng engine, svc *composefile.Service, user string, c container.InspectResponse) (string, error) {
	if c.State == nil || !c.State.Running {
		return "", &NotRunningError{Node: svc.Name, Stopped: true, State: stateOf(c)}
	}
	pg := svc.Postgres
	var bind *network.PortBinding
	if c.NetworkSettings != nil {
		for p, binds := range c.NetworkSettings.Ports {
			if p.Num() == uint16(pg.Port) && p.Proto() == network.TCP && len(binds) > 0 {
				bind = &binds[0]
			}
		}
	}
	if bind == nil {
		return "", fmt.Errorf("node %s publishes no port for PostgreSQL's port %d", svc.Name, pg.Port)
	}
	host, err := eng.dial(bind.HostIP)
	if err != nil {
		return "", fmt.Errorf("node %s: %v", svc.Name, err)
	}
	password := ""
	if user == "" || user == pg.User {
		user, password = pg.User, pg.Password
	}
	// application_name=psql: what a reader's own session shows in
	// pg_stat_activity and pg_stat_replication.
	return fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable connect_timeout=10 application_name=psql",
		quoteConn(host), bind.HostPort, quoteConn(user), quoteConn(password), quoteConn(pg.Database)), nil
}

// quoteConn quotes a value of a libpq keyword/value connection string.
func quoteConn(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Shell runs a bash script inside node's container as user (postgres when
// empty), stderr merged into stdout in the order written. The script is
// killed inside the container when timeout passes.
func (s *Stand) Shell(ctx context.Context, node, user, script string, timeout time.Duration, w io.Writer) (int, error) {
	id, err := s.container(ctx, node)
	if err != nil {
		return 0, err
	}
	if user == "" {
		user = "postgres"
	}
	secs := fmt.Sprintf("%d", int(timeout.Seconds())+1)
	cmd := []string{"timeout", "-s", "KILL", secs, "bash", "-c", "exec 2>&1\n" + script}
	exit, err := s.exec(ctx, id, user, cmd, w)
	if errdefs.IsConflict(err) {
		// The engine refuses an exec in a container that does not run
		// (HTTP 409).
		nr := &NotRunningError{Node: node, Stopped: true}
		if c, ierr := s.inspect(context.WithoutCancel(ctx), node); ierr == nil {
			nr.State = stateOf(c)
		}
		return 0, nr
	}
	return exit, err
}

func (s *Stand) exec(ctx context.Context, id, user string, cmd []string, w io.Writer) (int, error) {
	cr, err := s.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
		User: user, AttachStdout: true, AttachStderr: true, Cmd: cmd,
	})
	if err != nil {
		return 0, err
	}
	att, err := s.cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return 0, err
	}
	defer att.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			att.Close() // unblocks the copy below; partial output is kept
		case <-done:
		}
	}()
	if _, err := stdcopy.StdCopy(w, w, att.Reader); err != nil && ctx.Err() == nil {
		return 0, err
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	ins, err := s.cli.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
	if err != nil {
		return 0, err
	}
	return ins.ExitCode, nil
}

// Close removes every container (with its volumes), network and volume of
// the project. It uses its own context so that it also runs after the
// build's context was cancelled by a signal.
func (s *Stand) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s.mu.Lock()
	for node, sess := range s.sessions {
		_ = sess.Close(ctx)
		delete(s.sessions, node)
	}
	for node, conn := range s.probes {
		_ = conn.Close(ctx)
		delete(s.probes, node)
	}
	s.mu.Unlock()
	s.closePsqls()
	err := Remove(ctx, s.cli, s.project)
	s.cli.Close()
	return err
}

// Remove deletes everything labelled with project.
func Remove(ctx context.Context, cli *client.Client, project string) error {
	f := make(client.Filters).Add("label", Label+"="+project)
	var errs []string
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return err
	}
	for _, c := range cs.Items {
		// Killed, not stopped: the data is thrown away, so there is
		// nothing to shut down cleanly, and it takes no time.
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, err.Error())
		}
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err == nil {
		for _, n := range ns.Items {
			if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err == nil {
		for _, v := range vs.Items {
			if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("removing stand %s: %s", project, strings.Join(errs, "; "))
	}
	return nil
}

// Leftovers lists the containers, networks and volumes of the build whose
// project is named project that still exist: after a build there must be none.
func Leftovers(ctx context.Context, project string) ([]string, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	f := make(client.Filters).Add("label", Label+"="+project)
	var out []string
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	for _, c := range cs.Items {
		out = append(out, "container "+c.ID[:12])
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	for _, n := range ns.Items {
		out = append(out, "network "+n.Name)
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	for _, v := range vs.Items {
		out = append(out, "volume "+v.Name)
	}
	return out, nil
}
