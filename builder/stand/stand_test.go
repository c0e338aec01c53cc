package stand

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
)

// testCompose is a one-service stand in a folder named stand, with no
// `name:`: a reader's project is then called stand, after the folder.
const testCompose = `services:
  primary:
    image: ${PG_IMAGE:-postgres:17}
    environment:
      POSTGRES_PASSWORD: postgres
    stop_signal: SIGINT
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"]
      interval: 1s
      timeout: 5s
      retries: 5
      start_period: 60s
    ports:
      - "127.0.0.1::5432"
`

// testImage is the image the test stands run for postgres:17 where the
// engine cannot pull it: the fixture courses' fallback, which the
// repository's `make image` makes.
const testImage = "replcourse/postgres:17"

// needDocker skips in -short runs and when the engine does not hold
// testImage.
func needDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cli, err := newClient(context.Background())
	if err != nil {
		t.Skip(err)
	}
	defer cli.Close()
	if _, ok := inspectImage(context.Background(), cli, testImage); !ok {
		t.Skipf("the engine holds no %s (make image)", testImage)
	}
}

// courseOf writes a course folder whose stand/compose.yaml is compose,
// with the fixture courses' course.yaml and image recipe (postgres:17
// falls back to testImage), and returns its root.
func courseOf(t *testing.T, compose string) string {
	t.Helper()
	root := coursetest.Write(t, coursetest.Part(t, "one-service", "course.yaml", "stand/image.sh"))
	if err := os.WriteFile(filepath.Join(root, "stand", "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// configOf is the stand's Config for the course at root: its compose
// file, read into a model, and its images made ready.
func configOf(t testing.TB, root string, log io.Writer) Config {
	t.Helper()
	cc, err := config.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := composefile.Load(context.Background(), root, cc.ComposeFile())
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = io.Discard
	}
	imgs, err := EnsureImages(context.Background(), cc, m, log)
	if err != nil {
		t.Fatal(err)
	}
	return Config{ComposeFile: cc.ComposeFile(), Model: m, Images: imgs, Log: log, Course: root}
}

// standOf prepares a stand of compose, removed when the test ends, with
// nothing left behind.
func standOf(t *testing.T, compose string, log io.Writer) *Stand {
	t.Helper()
	s, err := New(context.Background(), configOf(t, courseOf(t, compose), log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if left, err := Leftovers(context.Background(), s.Project()); err != nil || len(left) > 0 {
			t.Errorf("left behind: %v %v", left, err)
		}
	})
	return s
}

// newTestStand prepares a stand of testCompose.
func newTestStand(t *testing.T, log io.Writer) *Stand {
	t.Helper()
	return standOf(t, testCompose, log)
}

func host(t *testing.T, s *Stand, line string) string {
	t.Helper()
	steps, err := course.ParseHostSteps(line)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), course.HostTimeout(steps))
	defer cancel()
	var out strings.Builder
	for _, st := range steps {
		if err := s.Host(ctx, st, &out); err != nil {
			t.Fatalf("%s: %v\noutput so far:\n%s", line, err, out.String())
		}
	}
	return out.String()
}

// TestHostPrintsWhatComposePrints: a host step's output is compose's own
// progress lines under the reader's project name, then the state the
// build checked under its heading; down has only compose's lines.
func TestHostPrintsWhatComposePrints(t *testing.T) {
	needDocker(t)
	s := newTestStand(t, nil)
	h := course.HostStateHeading
	cases := []struct{ cmd, want string }{
		{"docker compose up -d", " ✔ Network stand_default     Created\n ✔ Container stand-primary-1 Started\n" + h + "\nprimary  healthy\n"},
		{"docker compose up -d", " ✔ Container stand-primary-1 Running\n" + h + "\nprimary  healthy\n"},
		{"docker compose stop primary", " ✔ Container stand-primary-1 Stopped\n" + h + "\nprimary  exited (0)\n"},
		{"docker compose start primary", " ✔ Container stand-primary-1 Started\n" + h + "\nprimary  healthy\n"},
		{"docker compose kill", " ✔ Container stand-primary-1 Killed\n" + h + "\nprimary  exited (137)\n"},
		{"docker compose up -d --wait", " ✔ Container stand-primary-1 Healthy\n" + h + "\nprimary  healthy\n"},
		{"docker compose down -v", " ✔ Container stand-primary-1 Removed\n ✔ Network stand_default     Removed\n"},
	}
	for _, tc := range cases {
		if got := host(t, s, tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
		// A service that declares a healthcheck is ready once healthy.
		if strings.Contains(tc.want, "primary  healthy") {
			if c, err := s.inspect(context.Background(), "primary"); err != nil || c.State.Health == nil || c.State.Health.Status != container.Healthy {
				t.Errorf("%s returned with primary %+v (%v), want healthy", tc.cmd, c.State, err)
			}
		}
	}
	if left, err := Leftovers(context.Background(), s.Project()); err != nil || len(left) > 0 {
		t.Errorf("down -v left %v %v", left, err)
	}
}

// TestEverythingLabelled: the containers, network and volumes of a stand
// carry its project and its owner, this process.
func TestEverythingLabelled(t *testing.T) {
	needDocker(t)
	s := newTestStand(t, nil)
	host(t, s, "docker compose up -d")
	ctx := context.Background()
	f := make(client.Filters).Add("label", Label+"="+s.Project())
	var all []map[string]string
	cs, err := s.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil || len(cs.Items) != 1 {
		t.Fatalf("containers: %v %v", cs.Items, err)
	}
	all = append(all, cs.Items[0].Labels)
	ns, err := s.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil || len(ns.Items) != 1 {
		t.Fatalf("networks: %v %v", ns.Items, err)
	}
	all = append(all, ns.Items[0].Labels)
	// The container's data directory, declared a volume by the image.
	ins, err := s.cli.ContainerInspect(ctx, cs.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vols := 0
	for _, m := range ins.Container.Mounts {
		if m.Type != "volume" {
			continue
		}
		vols++
		v, err := s.cli.VolumeInspect(ctx, m.Name, client.VolumeInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, v.Volume.Labels)
	}
	if vols == 0 {
		t.Fatal("no volume mounted: the image declares its data directory as one")
	}
	me := self()
	for _, l := range all {
		if l[Label] != s.Project() || judge(ownerOf(l), me) != alive || ownerOf(l).PID != os.Getpid() {
			t.Errorf("labels %v: want project %s and this process as owner", l, s.Project())
		}
	}
}

// TestHelperHoldStand is not a test: TestKilledBuildLeftovers runs it in a
// subprocess, which brings a stand up, says so and waits to be killed.
func TestHelperHoldStand(t *testing.T) {
	root := os.Getenv("STAND_TEST_HOLD")
	if root == "" {
		t.Skip("helper process only")
	}
	s, err := New(context.Background(), configOf(t, root, nil))
	if err != nil {
		t.Fatal(err)
	}
	steps, _ := course.ParseHostSteps("docker compose up -d")
	if err := s.Host(context.Background(), steps[0], &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("stand %s up\n", s.Project())
	os.Stdin.Read(make([]byte, 1)) // until killed
}

// TestKilledBuildLeftovers: a build killed with SIGKILL leaves its
// stand's containers, network and volumes; the next build removes them,
// leaves a live build's stand alone and lists, with the command to remove
// it, a stand whose builder it cannot check.
func TestKilledBuildLeftovers(t *testing.T) {
	needDocker(t)
	root := courseOf(t, testCompose)

	ctx, cancel := context.WithTimeout(context.Background(), course.HostTimeout(nil)+course.HostComposeTimeout+course.HostReadyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHoldStand$", "-test.v")
	cmd.Env = append(os.Environ(), "STAND_TEST_HOLD="+root)
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	project := ""
	sc := bufio.NewScanner(stdout)
	for project == "" && sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "stand "); ok {
			project = strings.TrimSuffix(p, " up")
		}
	}
	if project == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the helper never brought its stand up; stderr:\n%s", stderr.String())
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	t.Cleanup(func() {
		cli, err := newClient(context.Background())
		if err == nil {
			Remove(context.Background(), cli, project)
			cli.Close()
		}
	})
	left, err := Leftovers(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, l := range left {
		kind, _, _ := strings.Cut(l, " ")
		kinds[kind] = true
	}
	if !kinds["container"] || !kinds["network"] || !kinds["volume"] {
		t.Fatalf("after the kill, want a container, a network and a volume labelled %s, got %v", project, left)
	}

	// Two more stands, as volumes only: one of a live build (this
	// process), one of a build on another host.
	cli, err := newClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	me := self()
	live, far := "othercourse-test-live", "othercourse-test-far"
	other := me
	other.Host, other.PID = "elsewhere", 1
	for p, o := range map[string]owner{live: me, far: other} {
		labels := o.labels(time.Now())
		labels[Label] = p
		if _, err := cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: p + "-data", Labels: labels}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { Remove(context.Background(), cli, p) })
	}

	var log strings.Builder
	s, err := New(ctx, configOf(t, root, &log))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if left, err := Leftovers(ctx, project); err != nil || len(left) > 0 {
		t.Errorf("the next build left the killed build's stand: %v %v\nlog:\n%s", left, err, log.String())
	}
	if left, _ := Leftovers(ctx, live); len(left) != 1 {
		t.Errorf("the live build's stand was touched: %v", left)
	}
	if left, _ := Leftovers(ctx, far); len(left) != 1 {
		t.Errorf("the other host's stand was touched: %v", left)
	}
	if !strings.Contains(log.String(), "removed stand "+project) || strings.Contains(log.String(), live) ||
		!strings.Contains(log.String(), "leftover stand "+far+"? ") || !strings.Contains(log.String(), RemoveCommand(far)) {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestUpFailsWithStateAndLog: a service that exits while starting fails
// the step at once, with its exit status and its log, not at a timeout.
// (Its healthcheck, which would pass, keeps it from counting as ready
// while it still runs: without one, running is ready.)
func TestUpFailsWithStateAndLog(t *testing.T) {
	needDocker(t)
	s := standOf(t, `services:
  primary:
    image: ${PG_IMAGE:-postgres:17}
    entrypoint: ["sh", "-c", "echo 'FATAL:  configuration file contains errors'; exit 3"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
`, nil)
	steps, _ := course.ParseHostSteps("docker compose up -d")
	var out strings.Builder
	err := s.Host(context.Background(), steps[0], &out)
	if err == nil || !strings.Contains(err.Error(), "primary exited (3) while starting") ||
		!strings.Contains(err.Error(), "configuration file contains errors") {
		t.Errorf("got %v", err)
	}
	if !strings.Contains(out.String(), "Container stand-primary-1 Started") {
		t.Errorf("what compose printed is lost: %q", out.String())
	}
}

// TestReadinessExecsNothing: waiting for a service to be ready, and
// reporting its state, runs no process in its container (each `docker
// exec` costs more CPU than PostgreSQL's start on a loaded machine).
func TestReadinessExecsNothing(t *testing.T) {
	needDocker(t)
	// No healthcheck: Docker itself would exec it.
	s := standOf(t, strings.Replace(testCompose, "    healthcheck:", "    x-healthcheck:", 1), nil)
	since := time.Now()
	out := host(t, s, "docker compose up -d\ndocker compose restart primary")
	if !strings.Contains(out, "primary  running") {
		t.Fatalf("output %q", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ev := s.cli.Events(ctx, client.EventsListOptions{
		Since: fmt.Sprint(since.Unix()), Until: fmt.Sprint(time.Now().Unix() + 1),
		Filters: make(client.Filters).Add("label", Label+"="+s.Project()).Add("type", "container"),
	})
	var execs []string
	for done := false; !done; {
		select {
		case m := <-ev.Messages:
			if strings.HasPrefix(string(m.Action), "exec_create") {
				execs = append(execs, string(m.Action))
			}
		case err := <-ev.Err:
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			done = true
		}
	}
	if len(execs) > 0 {
		t.Errorf("%d processes run in the container while waiting: %v", len(execs), execs)
	}
}

// TestStepOnAllSkipsServicesNeverStarted: `docker compose stop` with no
// service named acts on the services that have a container, as compose
// does, and reports only those.
func TestStepOnAllSkipsServicesNeverStarted(t *testing.T) {
	needDocker(t)
	extra := "  extra:\n    image: ${PG_IMAGE:-postgres:17}\n    environment:\n      POSTGRES_PASSWORD: postgres\n"
	s := standOf(t, testCompose+extra, nil)
	host(t, s, "docker compose up -d primary")
	want := " ✔ Container stand-primary-1 Stopped\n" + course.HostStateHeading + "\nprimary  exited (0)\n"
	if got := host(t, s, "docker compose stop"); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestUnhealthyFailsWithHealthLog: a service whose healthcheck fails
// never gets ready; the step fails once Docker marks it unhealthy (as
// `docker compose up --wait` does), with its state, its healthcheck's
// last results and its last log lines.
func TestUnhealthyFailsWithHealthLog(t *testing.T) {
	needDocker(t)
	s := standOf(t, `services:
  app:
    image: postgres:17
    entrypoint: ["sh", "-c", "echo 'app: listening nowhere'; exec sleep infinity"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD-SHELL", "echo 'probe: no answer on 8080'; exit 1"]
      interval: 1s
      retries: 1
`, nil)
	steps, _ := course.ParseHostSteps("docker compose up -d")
	var out strings.Builder
	err := s.Host(context.Background(), steps[0], &out)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"app unhealthy while starting", "app: unhealthy", "its healthcheck's last results:\n  exit 1: probe: no answer on 8080", "its log ends with:\n  app: listening nowhere"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestSessionPerUser: SQL blocks reach the service's database as its
// user (POSTGRES_DB, POSTGRES_USER), and user= opens a session of its own
// on the same node; each keeps its own state.
func TestSessionPerUser(t *testing.T) {
	needDocker(t)
	s := standOf(t, `services:
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: secret
      POSTGRES_USER: alice
      POSTGRES_DB: shop
      POSTGRES_HOST_AUTH_METHOD: trust
    ports: ["127.0.0.1::5432"]
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "alice", "-d", "shop"]
      interval: 1s
      retries: 30
`, nil)
	host(t, s, "docker compose up -d")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sql := func(user, script string) string {
		t.Helper()
		var out strings.Builder
		if failed, err := s.SQL(ctx, "db", user, script, &out); err != nil || failed {
			t.Fatalf("%s as %q: %v (failed %v)\n%s", script, user, err, failed, out.String())
		}
		return out.String()
	}
	if got := sql("", "CREATE ROLE bob LOGIN; SET application_name = 'mine'; SELECT current_user, current_database();"); !strings.Contains(got, " alice        | shop\n") {
		t.Errorf("the service's own user and database:\n%s", got)
	}
	if got := sql("bob", "SELECT current_user, current_setting('application_name') AS app;"); !strings.Contains(got, " bob          | psql\n") {
		t.Errorf("user=bob:\n%s", got)
	}
	if got := sql("", "SHOW application_name;"); !strings.Contains(got, " mine\n") {
		t.Errorf("the first session lost its setting:\n%s", got)
	}
}

// TestNotRunningIsTyped: a block on a node that was never started, or
// that stopped, fails with a *NotRunningError, told apart by its fields.
func TestNotRunningIsTyped(t *testing.T) {
	needDocker(t)
	s := newTestStand(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var nr *NotRunningError
	if _, err := s.SQL(ctx, "primary", "", "SELECT 1", io.Discard); !errors.As(err, &nr) || nr.Stopped {
		t.Errorf("never started: %v", err)
	}
	host(t, s, "docker compose up -d\ndocker compose stop")
	if _, err := s.SQL(ctx, "primary", "", "SELECT 1", io.Discard); !errors.As(err, &nr) || !nr.Stopped || nr.State != "exited (0)" {
		t.Errorf("SQL on a stopped node: %v", err)
	}
	if _, err := s.Shell(ctx, "primary", "", "true", time.Minute, io.Discard); !errors.As(err, &nr) || !nr.Stopped {
		t.Errorf("shell on a stopped node: %v", err)
	}
}

// TestSQLRightAfterUpWithoutHealthcheck: a service without a healthcheck
// is ready once running, which is before initdb has run; an SQL block
// right after `up -d` waits, within its own bound, for the server to
// accept connections instead of failing on the refused connection.
func TestSQLRightAfterUpWithoutHealthcheck(t *testing.T) {
	needDocker(t)
	s := standOf(t, strings.Replace(testCompose, "    healthcheck:", "    x-healthcheck:", 1), nil)
	if out := host(t, s, "docker compose up -d"); !strings.HasSuffix(out, "\nprimary  running\n") {
		t.Fatalf("output %q", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out strings.Builder
	if failed, err := s.SQL(ctx, "primary", "", "SELECT 1 AS one;", &out); err != nil || failed {
		t.Fatalf("%v (failed %v)\n%s", err, failed, out.String())
	}
	if out.String() != " one \n-----\n   1\n(1 row)\n\n" && out.String() != " one \n-----\n   1\n(1 row)\n" {
		t.Errorf("output %q", out.String())
	}
}
