package psql

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
	"github.com/testcontainers/testcontainers-go/wait"
)

const image = "replcourse/postgres:17"

func TestMain(m *testing.M) {
	// The Ryuk reaper image cannot be pulled here; tests remove their
	// containers themselves.
	os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	os.Exit(m.Run())
}

// server is one PostgreSQL container that has both psql and a TCP port.
type server struct {
	c    *testcontainers.DockerContainer
	port uint16
}

func startServer(t testing.TB) *server {
	t.Helper()
	ctx := context.Background()
	c, err := testcontainers.Run(ctx, image,
		testcontainers.WithEnv(map[string]string{"POSTGRES_PASSWORD": "postgres"}),
		testcontainers.WithCmd("postgres", "-c", "listen_addresses=*"),
		testcontainers.WithExposedPorts("5432/tcp"),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{network.MustParsePort("5432/tcp"): {
				{HostIP: netip.MustParseAddr("127.0.0.1")},
			}}
		}),
		// TCP readiness means the final server is up, not the entrypoint's
		// socket-only init server.
		testcontainers.WithWaitStrategy(wait.ForExec([]string{"pg_isready", "-h", "127.0.0.1", "-U", "postgres"}).
			WithStartupTimeout(2*time.Minute)),
	)
	if c != nil {
		t.Cleanup(func() {
			if err := c.Terminate(context.Background()); err != nil {
				t.Errorf("terminate container: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("cannot start %s (is Docker running and the image built by stand/image/build.sh?): %v", image, err)
	}
	p, err := c.MappedPort(ctx, "5432/tcp")
	if err != nil {
		t.Fatalf("mapped port: %v", err)
	}
	return &server{c: c, port: p.Num()}
}

func (s *server) connString(db string) string {
	return fmt.Sprintf("postgres://postgres:postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// psql runs script through the real psql inside the container, stdout and
// stderr merged in order, exactly as a reader's `psql < file` shows it.
func (s *server) psql(t *testing.T, db, script string) string {
	t.Helper()
	ctx := context.Background()
	path := "/tmp/" + db + ".sql"
	if err := s.c.CopyToContainer(ctx, []byte(script), path, 0o644); err != nil {
		t.Fatalf("copy script: %v", err)
	}
	// Over TCP, as the builder's session connects, so that \conninfo
	// prints the same line but for the port.
	cmd := fmt.Sprintf("psql -X -h 127.0.0.1 -U postgres -d %s < %s 2>&1", db, path)
	code, r, err := s.c.Exec(ctx, []string{"sh", "-c", cmd}, tcexec.Multiplexed())
	if err != nil {
		t.Fatalf("exec psql: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil || code != 0 {
		t.Fatalf("psql exit %d, %v: %s", code, err, out)
	}
	return string(out)
}

// session runs script through Session.Run.
func (s *server) session(t *testing.T, db, script string) string {
	t.Helper()
	ctx := context.Background()
	sess, err := Connect(ctx, s.connString(db))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer sess.Close(ctx)
	sess.SetClient(s.resident(t))
	sess.SetLimits(math.MaxInt, math.MaxInt) // 12_code_points has a row per code point
	var b strings.Builder
	if _, err := sess.Run(ctx, script, &b); err != nil {
		t.Fatalf("Run: %v\noutput so far:\n%s", err, b.String())
	}
	return b.String()
}

// client runs argv in the container as the stand's exec does (exec
// create, attach, copy until the end of the stream, inspect), stdout and
// stderr merged in order.
func (s *server) client(ctx context.Context, argv []string, w io.Writer) (int, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	cr, err := cli.ExecCreate(ctx, s.c.GetContainerID(), client.ExecCreateOptions{
		User: "postgres", AttachStdout: true, AttachStderr: true, Cmd: argv,
	})
	if err != nil {
		return 0, err
	}
	att, err := cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return 0, err
	}
	defer att.Close()
	if _, err := stdcopy.StdCopy(w, w, att.Reader); err != nil {
		return 0, err
	}
	ins, err := cli.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
	if err != nil {
		return 0, err
	}
	return ins.ExitCode, nil
}

// freshDB (re)creates an empty database so neither run sees the other's state.
func (s *server) freshDB(t testing.TB, db string) {
	t.Helper()
	ctx := context.Background()
	admin, err := Connect(ctx, s.connString("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer admin.Close(ctx)
	sql := fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE); CREATE DATABASE %s;", db, db)
	var b strings.Builder
	if errored, err := admin.Run(ctx, sql, &b); errored || err != nil {
		t.Fatalf("create database: %v\n%s", err, b.String())
	}
}

// Backend PIDs differ between the two runs, and so do the ports: psql
// connects inside the container, the session through the published port.
var (
	pidPattern  = regexp.MustCompile(`PID \d+`)
	portPattern = regexp.MustCompile(`at port "\d+"`)
)

func normalize(s string) string {
	return portPattern.ReplaceAllString(pidPattern.ReplaceAllString(s, "PID n"), `at port "n"`)
}

// TestWithPostgres runs everything that needs a server against one container.
func TestWithPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker and " + image)
	}
	srv := startServer(t)
	t.Run("fidelity", func(t *testing.T) { testFidelity(t, srv) })
	t.Run("session", func(t *testing.T) { testSession(t, srv) })
	t.Run("variables", func(t *testing.T) { testVariables(t, srv) })
}

// testVariables wants psqlVariables to hold every variable a fresh psql
// -X has set, as \set lists them, so that a reference to any is refused.
func testVariables(t *testing.T, srv *server) {
	known := strings.Fields(psqlVariables)
	out := srv.psql(t, "postgres", "\\set\n")
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, _, ok := strings.Cut(l, " = ")
		if !ok {
			t.Fatalf("\\set printed %q", l)
		}
		n++
		if !slices.Contains(known, name) {
			t.Errorf("psql sets %s, which psqlVariables lacks", name)
		}
	}
	if n < 30 {
		t.Errorf("\\set listed %d variables:\n%s", n, out)
	}
}

// testFidelity runs every script of testdata/fidelity through psql and
// through Session.Run and wants the same bytes.
func testFidelity(t *testing.T, srv *server) {
	files, err := filepath.Glob("testdata/fidelity/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fidelity scripts: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each script has its own database
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(string(script)); err != nil {
				t.Fatalf("Check: %v", err)
			}
			db := "fidelity_" + name
			srv.freshDB(t, db)
			want := normalize(srv.psql(t, db, string(script)))
			srv.freshDB(t, db)
			got := normalize(srv.session(t, db, string(script)))
			if got != want {
				t.Errorf("output differs from psql (-psql +Session):\n%s", lineDiff(want, got))
			}
		})
	}
}

// lineDiff shows how got differs from want, line by line; for huge outputs
// only the region around the first difference.
func lineDiff(want, got string) string {
	w, g := strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n")
	if len(w) < 3000 && len(g) < 3000 {
		return cmp.Diff(w, g)
	}
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	lo := max(i-3, 0)
	return fmt.Sprintf("first difference at line %d\npsql:    %q\nSession: %q",
		i+1, w[lo:min(i+4, len(w))], g[lo:min(i+4, len(g))])
}
