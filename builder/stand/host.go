package stand

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go/modules/compose"

	"replcourse/builder/course"
)

// waitingMarker is what stand/standby-entrypoint.sh prints while the replica
// idles with an empty data directory: started, but with nothing to serve yet.
const waitingMarker = "waiting for a base backup"

// pollEvery is the period of the bounded polls below (readiness, shutdown).
const pollEvery = 100 * time.Millisecond

// Host performs one lifecycle step and writes the state of each service it
// touched, one "service  state" line each, in name order.
func (s *Stand) Host(ctx context.Context, st course.HostStep, w io.Writer) error {
	var touched []string
	var err error
	switch st.Verb {
	case "up":
		touched, err = s.up(ctx, st)
	case "down":
		touched, err = s.down(ctx)
	default:
		touched, err = s.lifecycle(ctx, st)
	}
	if err != nil {
		return err
	}
	sort.Strings(touched)
	width := 0
	for _, svc := range touched {
		width = max(width, len(svc))
	}
	for _, svc := range touched {
		state, err := s.state(ctx, svc)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-*s  %s\n", width, svc, state)
	}
	return nil
}

func (s *Stand) up(ctx context.Context, st course.HostStep) ([]string, error) {
	dc, err := s.newCompose(st.Profiles)
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %w", s.cfg.ComposeFile, err)
	}
	defer dc.Close()
	var opts []compose.StackUpOption
	if len(st.Services) > 0 {
		opts = append(opts, compose.RunServices(st.Services...))
	}
	if err := dc.WithEnv(map[string]string{"PG_IMAGE": s.cfg.Image.Ref}).Up(ctx, opts...); err != nil {
		return nil, fmt.Errorf("docker compose up: %w", err)
	}
	touched := st.Services
	if len(touched) == 0 {
		touched = dc.Services()
	}
	for _, svc := range touched {
		if err := s.waitReady(ctx, svc); err != nil {
			return nil, err
		}
	}
	return touched, nil
}

func (s *Stand) down(ctx context.Context) ([]string, error) {
	s.closeSessions(ctx, "")
	return nil, Remove(ctx, s.cli, s.project)
}

// lifecycle performs stop, start, restart and kill on the named services
// (all services of the project when none is named).
func (s *Stand) lifecycle(ctx context.Context, st course.HostStep) ([]string, error) {
	services := st.Services
	if len(services) == 0 {
		var err error
		if services, err = s.services(ctx); err != nil {
			return nil, err
		}
	}
	for _, svc := range services {
		id, err := s.container(ctx, svc)
		if err != nil {
			return nil, err
		}
		if st.Verb != "start" {
			s.closeSessions(ctx, svc)
			if err := s.stop(ctx, id, svc, st.Verb == "kill"); err != nil {
				return nil, err
			}
		}
		if st.Verb == "start" || st.Verb == "restart" {
			if _, err := s.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
				return nil, fmt.Errorf("starting %s: %w", svc, err)
			}
			if err := s.waitReady(ctx, svc); err != nil {
				return nil, err
			}
		}
	}
	return services, nil
}

// stop sends the container's stop signal (SIGINT, PostgreSQL's fast
// shutdown, as the compose file says) or SIGKILL, and waits until it exited.
func (s *Stand) stop(ctx context.Context, id, svc string, kill bool) error {
	sig := "KILL"
	if !kill {
		res, err := s.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return err
		}
		sig = res.Container.Config.StopSignal
		if sig == "" {
			sig = "TERM"
		}
	}
	if _, err := s.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: sig}); err != nil {
		if strings.Contains(err.Error(), "is not running") {
			return nil
		}
		return fmt.Errorf("stopping %s: %w", svc, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	res := s.cli.ContainerWait(wctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-res.Result:
		return nil
	case err := <-res.Error:
		return fmt.Errorf("waiting for %s to stop: %w", svc, err)
	}
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

func (s *Stand) services(ctx context.Context) ([]string, error) {
	res, err := s.cli.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", Label+"="+s.project),
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range res.Items {
		out = append(out, c.Labels[serviceLabel])
	}
	return out, nil
}

// waitReady polls until the service accepts connections, or idles waiting
// for its base backup, or has exited (an error, with its log).
func (s *Stand) waitReady(ctx context.Context, svc string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		state, err := s.state(ctx, svc)
		switch {
		case err != nil && ctx.Err() == nil:
			return err
		case state == stateReady || state == stateWaiting:
			return nil
		case strings.HasPrefix(state, "exited"):
			return fmt.Errorf("%s %s while starting; its log ends with:\n%s", svc, state, s.Logs(context.Background(), svc, 20))
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("%s did not accept connections within %s; its log ends with:\n%s", svc, readyTimeout, s.Logs(context.Background(), svc, 20))
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

const (
	stateReady   = "accepting connections"
	stateWaiting = "running, " + waitingMarker
)

// state describes a service as a reader would check it: exited, accepting
// connections (pg_isready), waiting for a base backup, or starting.
func (s *Stand) state(ctx context.Context, svc string) (string, error) {
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
	var out bytes.Buffer
	code, err := s.exec(ctx, id, "postgres", []string{"pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"}, &out)
	if err == nil && code == 0 {
		return stateReady, nil
	}
	if s.loggedSince(ctx, id, st.StartedAt, waitingMarker) {
		return stateWaiting, nil
	}
	return "starting", nil
}

// loggedSince reports whether the container printed marker since it last
// started: an earlier run's log lines must not count after a restart.
func (s *Stand) loggedSince(ctx context.Context, id, startedAt, marker string) bool {
	text, err := s.containerLogs(ctx, id, client.ContainerLogsOptions{Since: startedAt})
	return err == nil && strings.Contains(text, marker)
}
