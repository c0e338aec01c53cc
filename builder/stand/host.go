package stand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"replcourse/builder/course"
)

// waitingMarker is what stand/standby-entrypoint.sh prints while the replica
// idles with an empty data directory: started, but with nothing to serve yet.
const waitingMarker = "waiting for a base backup"

// pollEvery is the period of the bounded polls below (readiness, shutdown).
const pollEvery = 100 * time.Millisecond

// Host performs one lifecycle step with the Docker Compose library, as
// `docker compose` does it for a reader, and writes what compose printed
// for it (progress.lines: one line per resource, the build's project name
// replaced by the reader's), then, after course.HostStateHeading, the state
// of each service the step touched, "service  state" in name order, once
// every started service is ready (see waitReady). down has no state part.
//
// The compose operation is bounded by course.HostComposeTimeout, the wait
// for readiness by course.HostReadyTimeout; past either, the error says
// which, with what compose printed and each service's state and last log
// lines.
func (s *Stand) Host(ctx context.Context, st course.HostStep, w io.Writer) error {
	p, err := s.loadProject(ctx, st.Profiles, st.Services)
	if err != nil {
		return err
	}
	services := st.Services
	if len(services) == 0 {
		services = p.ServiceNames()
	}
	if st.Verb != "up" && st.Verb != "start" {
		for _, svc := range services {
			s.closeSessions(ctx, svc)
		}
	}

	s.progress.reset()
	cmd := "docker compose " + st.Verb
	t0 := time.Now()
	bound := course.HostComposeTimeout
	if st.Wait { // compose waits for readiness itself
		bound += course.HostReadyTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, bound)
	err = s.composeStep(cctx, p, st, services)
	cancel()
	tCompose := time.Since(t0)
	printed := s.progress.lines()
	for _, l := range printed {
		fmt.Fprintln(w, l)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("did not return within %s", bound)
		}
		return fmt.Errorf("%s: %w\n%s", cmd, err, s.report(context.WithoutCancel(ctx), services))
	}
	if st.Verb == "down" {
		s.logf("host: %s: compose %s", cmd, tCompose.Round(time.Millisecond))
		return nil
	}
	// As compose does, a step on every service skips those that have no
	// container (never started, or removed by down).
	if len(st.Services) == 0 {
		services = slices.DeleteFunc(services, func(svc string) bool {
			_, err := s.container(ctx, svc)
			return err != nil
		})
	}

	t1 := time.Now()
	switch st.Verb {
	case "up", "start", "restart":
		err = s.waitReady(ctx, services)
	case "stop", "kill":
		err = s.waitExited(ctx, services)
	}
	s.logf("host: %s: compose %s, ready %s", cmd, tCompose.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	if err != nil {
		return err
	}
	sort.Strings(services)
	width := 0
	for _, svc := range services {
		width = max(width, len(svc))
	}
	fmt.Fprintln(w, course.HostStateHeading)
	for _, svc := range services {
		state, err := s.state(ctx, svc)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-*s  %s\n", width, svc, state)
	}
	return nil
}

// composeStep performs the step with the options `docker compose` gives
// the same command line.
func (s *Stand) composeStep(ctx context.Context, p *types.Project, st course.HostStep, services []string) error {
	switch st.Verb {
	case "up":
		return s.svc.Up(ctx, p, api.UpOptions{
			Create: api.CreateOptions{
				Services:             services,
				Recreate:             api.RecreateDiverged,
				RecreateDependencies: api.RecreateDiverged,
				Inherit:              true,
			},
			Start: api.StartOptions{Project: p, Services: services, Wait: st.Wait, WaitTimeout: course.HostReadyTimeout},
		})
	case "start":
		return s.svc.Start(ctx, p.Name, api.StartOptions{Project: p, Services: services})
	case "stop":
		return s.svc.Stop(ctx, p.Name, api.StopOptions{Project: p, Services: services})
	case "restart":
		return s.svc.Restart(ctx, p.Name, api.RestartOptions{Project: p, Services: services})
	case "kill":
		return s.svc.Kill(ctx, p.Name, api.KillOptions{Project: p, Services: services, Signal: "SIGKILL"})
	case "down":
		s.closeSessions(ctx, "")
		return s.svc.Down(ctx, p.Name, api.DownOptions{Project: p, Volumes: st.RemoveVolumes})
	}
	return fmt.Errorf("unknown verb %q", st.Verb)
}

func (s *Stand) closeSessions(ctx context.Context, node string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, sess := range s.sessions {
		if node == "" || n == node {
			_ = sess.Close(ctx)
			delete(s.sessions, n)
		}
	}
}

// waitReady polls until every service is ready, within
// course.HostReadyTimeout: healthy if its container has a healthcheck (the
// compose file declares one), else accepting connections (pg_isready), and
// in both cases a replica idling for its base backup counts as ready. A
// service that exits, or is still not ready at the bound, is an error with
// its state and its last log lines.
func (s *Stand) waitReady(ctx context.Context, services []string) error {
	rctx, cancel := context.WithTimeout(ctx, course.HostReadyTimeout)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	pending := slices.Clone(services)
	for {
		var still []string
		for _, svc := range pending {
			ready, state, err := s.ready(rctx, svc)
			switch {
			case err != nil && rctx.Err() == nil:
				return err
			case strings.HasPrefix(state, "exited"):
				return fmt.Errorf("%s %s while starting; its log ends with:\n%s", svc, state, indent(s.Logs(context.WithoutCancel(ctx), svc, 20)))
			case !ready:
				still = append(still, svc)
			}
		}
		if pending = still; len(pending) == 0 {
			return nil
		}
		select {
		case <-rctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("not ready within %s: %s\n%s", course.HostReadyTimeout, strings.Join(pending, ", "), s.report(context.WithoutCancel(ctx), pending))
		case <-tick.C:
		}
	}
}

// ready reports whether svc is ready (see waitReady), with its state.
func (s *Stand) ready(ctx context.Context, svc string) (bool, string, error) {
	state, err := s.state(ctx, svc)
	if err != nil {
		return false, state, err
	}
	if state == stateWaiting {
		return true, state, nil
	}
	if state != stateReady {
		return false, state, nil
	}
	health, err := s.health(ctx, svc)
	if err != nil {
		return false, state, err
	}
	return health == "" || health == container.Healthy, state, nil
}

// health is the status of svc's healthcheck ("starting", "healthy",
// "unhealthy"), or "" when it has none.
func (s *Stand) health(ctx context.Context, svc string) (container.HealthStatus, error) {
	id, err := s.container(ctx, svc)
	if err != nil {
		return "", err
	}
	res, err := s.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", err
	}
	if st := res.Container.State; st != nil && st.Health != nil {
		return st.Health.Status, nil
	}
	return "", nil
}

// waitExited waits until the services' containers no longer run: compose's
// kill returns once the signal is sent.
func (s *Stand) waitExited(ctx context.Context, services []string) error {
	wctx, cancel := context.WithTimeout(ctx, course.HostComposeTimeout)
	defer cancel()
	for _, svc := range services {
		id, err := s.container(wctx, svc)
		if err != nil {
			return err
		}
		res := s.cli.ContainerWait(wctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
		select {
		case <-res.Result:
		case err := <-res.Error:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("waiting for %s to stop: %w\n%s", svc, err, s.report(context.WithoutCancel(ctx), []string{svc}))
		}
	}
	return nil
}

// report describes services for an error: each one's state, health and
// last log lines.
func (s *Stand) report(ctx context.Context, services []string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var b strings.Builder
	for _, svc := range services {
		state, err := s.state(ctx, svc)
		if err != nil {
			state = err.Error()
		}
		if h, err := s.health(ctx, svc); err == nil && h != "" {
			state += ", health " + string(h)
		}
		fmt.Fprintf(&b, "%s: %s; its log ends with:\n%s", svc, state, indent(s.Logs(ctx, svc, 20)))
	}
	return strings.TrimRight(b.String(), "\n")
}

func indent(text string) string {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return "  (empty)\n"
	}
	return "  " + strings.ReplaceAll(text, "\n", "\n  ") + "\n"
}

const (
	stateReady   = "accepting connections"
	stateWaiting = "running, " + waitingMarker
)

// pollTimeout bounds one look at a service (an inspect, a connection
// attempt, its log), so that one stalled call to a loaded engine cannot
// use up a step's whole bound unseen.
const pollTimeout = 10 * time.Second

// state describes a service as a reader would check it: exited (with its
// exit status), accepting connections, waiting for a base backup, or
// starting. It never runs a process in the container: a `docker exec`
// costs some 75 ms of CPU (runc, the shim, fuse-overlayfs on this engine),
// more than PostgreSQL's own start, and polling with it starved the very
// start it waited for on a loaded machine.
func (s *Stand) state(ctx context.Context, svc string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	id, err := s.container(ctx, svc)
	if err != nil {
		return "", err
	}
	res, err := s.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", err
	}
	st := res.Container.State
	if st == nil || !st.Running {
		if st != nil && st.ExitCode != 0 {
			return fmt.Sprintf("exited (%d)", st.ExitCode), nil
		}
		return "exited (0)", nil
	}
	if accepting(ctx, svc, res.Container) {
		return stateReady, nil
	}
	if s.loggedSince(ctx, id, st.StartedAt, waitingMarker) {
		return stateWaiting, nil
	}
	return "starting", nil
}

// accepting reports whether the server in c accepts connections, as
// pg_isready means it, over its port published on 127.0.0.1: a connection
// made, or refused by the server itself for any reason other than that it
// is starting up, shutting down or in recovery before a consistent state
// (SQLSTATE 57P03, cannot_connect_now). While initdb runs, the image's
// temporary server listens on its Unix socket only, so no answer comes.
func accepting(ctx context.Context, node string, c container.InspectResponse) bool {
	cs, err := connStringOf(node, c)
	if err != nil {
		return false
	}
	cfg, err := pgconn.ParseConfig(cs)
	if err != nil {
		return false
	}
	cfg.ConnectTimeout = 2 * time.Second
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err == nil {
		conn.Close(ctx)
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code != "57P03"
}

// loggedSince reports whether the container printed marker since it last
// started: an earlier run's log lines must not count after a restart.
func (s *Stand) loggedSince(ctx context.Context, id, startedAt, marker string) bool {
	text, err := s.containerLogs(ctx, id, client.ContainerLogsOptions{Since: startedAt})
	return err == nil && strings.Contains(text, marker)
}
