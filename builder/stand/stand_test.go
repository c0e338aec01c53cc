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

	"replcourse/builder/course"
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

// needDocker skips in -short runs and returns the image the course uses.
func needDocker(t *testing.T) Image {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker")
	}
	img, err := EnsureImage(context.Background(), DefaultSource(filepath.Join("..", "..")), os.Stderr)
	if err != nil {
		t.Skip(err)
	}
	return img
}

// newTestStand prepares a stand of testCompose, removed when the test ends.
func newTestStand(t *testing.T, img Image, log *strings.Builder) *Stand {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stand")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "compose.yaml")
	os.WriteFile(file, []byte(testCompose), 0o644)
	s, err := New(context.Background(), Config{ComposeFile: file, Image: img, Log: log})
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
	img := needDocker(t)
	s := newTestStand(t, img, &strings.Builder{})
	h := course.HostStateHeading
	cases := []struct{ cmd, want string }{
		{"docker compose up -d", " ✔ Network stand_default     Created\n ✔ Container stand-primary-1 Started\n" + h + "\nprimary  accepting connections\n"},
		{"docker compose up -d", " ✔ Container stand-primary-1 Running\n" + h + "\nprimary  accepting connections\n"},
		{"docker compose stop primary", " ✔ Container stand-primary-1 Stopped\n" + h + "\nprimary  exited (0)\n"},
		{"docker compose start primary", " ✔ Container stand-primary-1 Started\n" + h + "\nprimary  accepting connections\n"},
		{"docker compose kill", " ✔ Container stand-primary-1 Killed\n" + h + "\nprimary  exited (137)\n"},
		{"docker compose up -d --wait", " ✔ Container stand-primary-1 Healthy\n" + h + "\nprimary  accepting connections\n"},
		{"docker compose down -v", " ✔ Container stand-primary-1 Removed\n ✔ Network stand_default     Removed\n"},
	}
	for _, tc := range cases {
		if got := host(t, s, tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
		// A service that declares a healthcheck is ready once healthy.
		if strings.Contains(tc.want, "accepting connections") {
			if h, err := s.health(context.Background(), "primary"); err != nil || h != container.Healthy {
				t.Errorf("%s returned with primary %q (%v), want healthy", tc.cmd, h, err)
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
	img := needDocker(t)
	s := newTestStand(t, img, &strings.Builder{})
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
	file := os.Getenv("STAND_TEST_HOLD")
	if file == "" {
		t.Skip("helper process only")
	}
	img := Image{Ref: os.Getenv("STAND_TEST_IMAGE")}
	s, err := New(context.Background(), Config{ComposeFile: file, Image: img})
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
	img := needDocker(t)
	dir := filepath.Join(t.TempDir(), "stand")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "compose.yaml")
	os.WriteFile(file, []byte(testCompose), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), course.HostTimeout(nil)+course.HostComposeTimeout+course.HostReadyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHoldStand$", "-test.v")
	cmd.Env = append(os.Environ(), "STAND_TEST_HOLD="+file, "STAND_TEST_IMAGE="+img.Ref)
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
	live, far := ProjectPrefix+"test-live", ProjectPrefix+"test-far"
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
	s, err := New(ctx, Config{ComposeFile: file, Image: img, Log: &log})
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
func TestUpFailsWithStateAndLog(t *testing.T) {
	img := needDocker(t)
	dir := filepath.Join(t.TempDir(), "stand")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "compose.yaml")
	os.WriteFile(file, []byte(`services:
  primary:
    image: ${PG_IMAGE:-postgres:17}
    entrypoint: ["sh", "-c", "echo 'FATAL:  configuration file contains errors'; exit 3"]
`), 0o644)
	s, err := New(context.Background(), Config{ComposeFile: file, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	steps, _ := course.ParseHostSteps("docker compose up -d")
	var out strings.Builder
	err = s.Host(context.Background(), steps[0], &out)
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
	img := needDocker(t)
	dir := filepath.Join(t.TempDir(), "stand")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "compose.yaml")
	// No healthcheck: Docker itself would exec it.
	os.WriteFile(file, []byte(strings.Replace(testCompose, "    healthcheck:", "    x-healthcheck:", 1)), 0o644)
	s, err := New(context.Background(), Config{ComposeFile: file, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	since := time.Now()
	out := host(t, s, "docker compose up -d\ndocker compose restart primary")
	if !strings.Contains(out, "primary  accepting connections") {
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
	img := needDocker(t)
	dir := filepath.Join(t.TempDir(), "stand")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "compose.yaml")
	extra := "  extra:\n    image: ${PG_IMAGE:-postgres:17}\n    environment:\n      POSTGRES_PASSWORD: postgres\n"
	os.WriteFile(file, []byte(testCompose+extra), 0o644)
	s, err := New(context.Background(), Config{ComposeFile: file, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host(t, s, "docker compose up -d primary")
	want := " ✔ Container stand-primary-1 Stopped\n" + course.HostStateHeading + "\nprimary  exited (0)\n"
	if got := host(t, s, "docker compose stop"); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
