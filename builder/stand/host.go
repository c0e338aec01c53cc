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
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"replcourse/builder/course"
)

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
		var kept []string
		for _, svc := range services {
			_, err := s.container(ctx, svc)
			var nr *NotRunningError
			switch {
			case err == nil:
				kept = append(kept, svc)
			case !errors.As(err, &nr):
				return err
			}
		}
		services = kept
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
	var failed []string
	for _, svc := range services {
		c, err := s.inspect(ctx, svc)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-*s  %s\n", width, svc, stateOf(c))
		// A service without a healthcheck is ready once running; one
		// that exited since is no more ready than one that exited
		// before.
		if _, bad := readiness(c); bad && st.Verb != "stop" && st.Verb != "kill" {
			failed = append(failed, svc)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s: %s no longer running once started\n%s", cmd, strings.Join(failed, ", "), s.report(context.WithoutCancel(ctx), failed))
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
	for k, sess := range s.sessions {
		if node == "" || k.node == node {
			_ = sess.Close(ctx)
			delete(s.sessions, k)
		}
	}
}

// waitReady polls until every service is ready, within
// course.HostReadyTimeout, as Docker tells it (see readiness): running,
// and healthy where the container has a healthcheck — the compose file's,
// else the image's; none where the compose file disables it. A service
// that exits, or whose healthcheck reports unhealthy (as `docker compose
// up --wait` fails then), is an error at once; one still not ready at the
// bound is an error too. Each says the service's state, its health log
// and its last log lines.
func (s *Stand) waitReady(ctx context.Context, services []string) error {
	rctx, cancel := context.WithTimeout(ctx, course.HostReadyTimeout)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	pending := slices.Clone(services)
	for {
		var still []string
		for _, svc := range pending {
			c, err := s.inspect(rctx, svc)
			if err != nil {
				if rctx.Err() != nil {
					break
				}
				return err
			}
			switch ready, failed := readiness(c); {
			case failed:
				return fmt.Errorf("%s %s while starting\n%s", svc, stateOf(c), s.report(context.WithoutCancel(ctx), []string{svc}))
			case !ready:
				still = append(still, svc)
			}
		}
		if rctx.Err() == nil {
			if pending = still; len(pending) == 0 {
				return nil
			}
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

// readiness decides from an inspected container whether its service is
// ready — running, and healthy if it has a healthcheck — or has failed:
// exited or dead, or unhealthy. A container that is starting, restarting
// or whose healthcheck has not passed yet is neither.
func readiness(c container.InspectResponse) (ready, failed bool) {
	st := c.State
	if st == nil {
		return false, false
	}
	switch st.Status {
	case container.StateExited, container.StateDead:
		return false, true
	case container.StateRunning:
	default:
		return false, false
	}
	if st.Health == nil || st.Health.Status == container.NoHealthcheck {
		return true, false
	}
	switch st.Health.Status {
	case container.Healthy:
		return true, false
	case container.Unhealthy:
		return false, true
	}
	return false, false
}

// inspect returns the container of svc as the engine describes it,
// bounded by pollTimeout: readiness and the state words come from it. It
// never runs a process in the container: a `docker exec` costs some 75 ms
// of CPU (runc, the shim, fuse-overlayfs on this engine), more than
// PostgreSQL's own start, and polling with it starved the very start it
// waited for on a loaded machine. Healthchecks are Docker's own.
func (s *Stand) inspect(ctx context.Context, svc string) (container.InspectResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	id, err := s.container(ctx, svc)
	if err != nil {
		return container.InspectResponse{}, err
	}
	res, err := s.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return container.InspectResponse{}, err
	}
	return res.Container, nil
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

// report describes services for an error: each one's state, its
// healthcheck's last results and its last log lines.
func (s *Stand) report(ctx context.Context, services []string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var b strings.Builder
	for _, svc := range services {
		c, err := s.inspect(ctx, svc)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", svc, err)
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", svc, stateOf(c))
		if h := healthLog(c); h != "" {
			fmt.Fprintf(&b, "its healthcheck's last results:\n%s", indent(h))
		}
		fmt.Fprintf(&b, "its log ends with:\n%s", indent(s.Logs(ctx, svc, 20)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// healthLog lists a container's last healthcheck results, oldest first,
// one "exit N: output" line each (Docker keeps the last five); "" when it
// has no healthcheck or no result yet.
func healthLog(c container.InspectResponse) string {
	if c.State == nil || c.State.Health == nil {
		return ""
	}
	var b strings.Builder
	for _, r := range c.State.Health.Log {
		out := strings.Join(strings.Fields(r.Output), " ")
		if out == "" {
			out = "(no output)"
		}
		fmt.Fprintf(&b, "exit %d: %s\n", r.ExitCode, out)
	}
	return b.String()
}

func indent(text string) string {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return "  (empty)\n"
	}
	return "  " + strings.ReplaceAll(text, "\n", "\n  ") + "\n"
}

// pollTimeout bounds one look at a service (an inspect, its log), so that
// one stalled call to a loaded engine cannot use up a step's whole bound
// unseen.
const pollTimeout = 10 * time.Second

// stateOf words an inspected container's state in Docker's terms, as
// `docker ps` and `docker compose ps` show them: the health status
// ("healthy", "unhealthy", "starting") of a running container with a
// healthcheck, "running" of one without, "exited (N)" with the exit
// status, else the engine's status ("created", "restarting", "paused",
// "removing", "dead").
func stateOf(c container.InspectResponse) string {
	st := c.State
	switch {
	case st == nil:
		return "unknown"
	case st.Status == container.StateRunning && st.Health != nil && st.Health.Status != container.NoHealthcheck:
		return string(st.Health.Status)
	case st.Status == container.StateExited:
		return fmt.Sprintf("exited (%d)", st.ExitCode)
	case st.Status == "":
		if st.Running {
			return string(container.StateRunning)
		}
		return fmt.Sprintf("exited (%d)", st.ExitCode)
	}
	return string(st.Status)
}
