package stand

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"replcourse/builder/composefile"
	"replcourse/builder/psql"
)

// psqlClient is the node's own psql for a new SQL session on node, for
// its describe commands (psql.Session.SetClient): one psql kept running in
// the node's container while the session lasts (psql.Resident). Close
// closes them all.
func (s *Stand) psqlClient(node string) psql.Client {
	r := psql.NewResident(func(ctx context.Context, argv []string) (psql.Program, error) {
		id, err := s.container(ctx, node)
		if err != nil {
			return nil, err
		}
		return s.startProgram(ctx, id, "postgres", psqlArgv(s.cfg.Model, node, argv))
	})
	s.mu.Lock()
	s.psqls = append(s.psqls, r)
	s.mu.Unlock()
	return r
}

// psqlArgv is argv run with PGPORT set to the PostgreSQL port of node's
// service (composefile.Postgres.Port), so that psql reaches, over the
// container's Unix socket, the server a service runs on a port other than
// 5432. env execs psql in the same process, whose pid the starter reports.
func psqlArgv(m *composefile.Model, node string, argv []string) []string {
	svc, ok := m.Service(node)
	if !ok || svc.Postgres.Port == 0 {
		return argv
	}
	return append([]string{"env", "PGPORT=" + strconv.Itoa(svc.Postgres.Port)}, argv...)
}

// closePsqls closes the sessions' psql processes: each reads the end of
// its input and ends.
func (s *Stand) closePsqls() {
	s.mu.Lock()
	rs := s.psqls
	s.psqls = nil
	s.mu.Unlock()
	for _, r := range rs {
		_ = r.Close()
	}
}

// program is a program run by `docker exec -i` in a container: its
// standard input is the exec's attached stdin, its output the attached
// stream, stdout and stderr merged inside the container. It implements
// psql.Program.
type program struct {
	cli            *client.Client
	container, id  string // container and exec IDs
	user           string
	pid            string // in the container's PID namespace
	conn           io.WriteCloser
	out            *bufio.Reader
	pr             *io.PipeReader
	closeOnce      sync.Once
	closeConnError error
}

// startProgram starts argv in container id as user under a shell that
// first prints its PID (which argv then takes over, for Kill) and sends
// stderr to stdout: one pipe, so the two come in the order written.
func (s *Stand) startProgram(ctx context.Context, id, user string, argv []string) (*program, error) {
	cmd := append([]string{"sh", "-c", `echo $$ && exec "$@" 2>&1`, "sh"}, argv...)
	cr, err := s.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
		User: user, AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: cmd,
	})
	if err != nil {
		return nil, err
	}
	att, err := s.cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, att.Reader)
		pw.CloseWithError(err) // nil: io.EOF for the reader
	}()
	p := &program{cli: s.cli, container: id, id: cr.ID, user: user, conn: att.Conn, out: bufio.NewReader(pr), pr: pr}
	// Reading the PID line is bounded by ctx: closing unblocks it.
	stop := context.AfterFunc(ctx, func() { _ = p.Close() })
	line, err := p.out.ReadString('\n')
	stop()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if _, perr := strconv.Atoi(strings.TrimSpace(line)); err != nil || perr != nil {
		_ = p.Close()
		return nil, fmt.Errorf("starting %s: no process ID but %q (%v)", argv[0], line, err)
	}
	p.pid = strings.TrimSpace(line)
	return p, nil
}

func (p *program) Write(b []byte) (int, error) { return p.conn.Write(b) }
func (p *program) Read(b []byte) (int, error)  { return p.out.Read(b) }

// Exit polls the exec's state until it is no longer running (Docker may
// report the end of the stream a moment before the exit status), bounded
// by ctx and by a minute.
func (p *program) Exit(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	wait := time.Millisecond
	for {
		ins, err := p.cli.ExecInspect(ctx, p.id, client.ExecInspectOptions{})
		if err != nil {
			return 0, err
		}
		if !ins.Running {
			return ins.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for %s to end: %w", p.id[:12], ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// Kill sends SIGKILL to the program through a second exec, if the exec is
// still running (so its PID cannot belong to another process by then).
func (p *program) Kill(ctx context.Context) error {
	ins, err := p.cli.ExecInspect(ctx, p.id, client.ExecInspectOptions{})
	if err != nil || !ins.Running {
		return err
	}
	cr, err := p.cli.ExecCreate(ctx, p.container, client.ExecCreateOptions{
		User: p.user, Cmd: []string{"kill", "-KILL", p.pid},
	})
	if err != nil {
		return err
	}
	_, err = p.cli.ExecStart(ctx, cr.ID, client.ExecStartOptions{Detach: true})
	if err != nil {
		return err
	}
	// Wait for the kill to have happened.
	_, err = (&program{cli: p.cli, id: cr.ID}).Exit(ctx)
	return err
}

// Close closes the connection, which closes the program's standard input,
// and the output pipe, so that Read returns.
func (p *program) Close() error {
	p.closeOnce.Do(func() {
		p.closeConnError = p.conn.Close()
		p.pr.CloseWithError(io.ErrClosedPipe)
	})
	return p.closeConnError
}
