package stand

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"
	dcontext "github.com/docker/cli/cli/context"
	dockerctx "github.com/docker/cli/cli/context/docker"
	"github.com/docker/cli/cli/context/store"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/client"
)

// dockerEnv gives the test a docker CLI configuration of its own: HOME
// and DOCKER_CONFIG point at empty temporary folders, and DOCKER_HOST,
// DOCKER_CONTEXT and the TLS variables are unset. It returns the
// configuration folder.
func dockerEnv(t *testing.T) string {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	return dir
}

// addContext creates the docker context name in the configuration folder
// dir with host as its engine's address and caPEM (if any) as its CA
// certificate, as `docker context create NAME --docker host=…,ca=…`
// does.
func addContext(t *testing.T, dir, name, host string, caPEM []byte) {
	t.Helper()
	s := store.New(filepath.Join(dir, "contexts"), command.DefaultContextStoreConfig())
	err := s.CreateOrUpdate(store.Metadata{
		Name:      name,
		Metadata:  command.DockerContext{Description: "test"},
		Endpoints: map[string]any{dockerctx.DockerEndpoint: dockerctx.EndpointMeta{Host: host}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if caPEM != nil {
		tls := dcontext.TLSData{CA: caPEM}
		if err := s.ResetEndpointTLSMaterial(name, dockerctx.DockerEndpoint, tls.ToStoreTLSData()); err != nil {
			t.Fatal(err)
		}
	}
}

// useContext makes name the current context of the configuration in
// dir, as `docker context use NAME` does.
func useContext(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext": "`+name+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The engine is found as the docker CLI finds it: DOCKER_HOST, else
// DOCKER_CONTEXT, else the configuration's current context, else the
// default socket; a context's host is its docker endpoint's.
func TestEndpointOrder(t *testing.T) {
	dir := dockerEnv(t)
	addContext(t, dir, "colima", "unix:///home/me/.colima/default/docker.sock", nil)
	addContext(t, dir, "remote", "tcp://192.0.2.7:2376", nil)
	check := func(step, ctxName, source, host string) {
		t.Helper()
		e, err := resolveEndpoint()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if e.Context != ctxName || e.Source != source || e.Host != host {
			t.Errorf("%s: context %q, source %q, host %q; want %q, %q, %q", step, e.Context, e.Source, e.Host, ctxName, source, host)
		}
	}
	check("nothing set", "default", "", client.DefaultDockerHost)
	useContext(t, dir, "colima")
	check("current context", "colima", "the current context in "+filepath.Join(dir, "config.json"), "unix:///home/me/.colima/default/docker.sock")
	t.Setenv("DOCKER_CONTEXT", "remote")
	check("DOCKER_CONTEXT over the current context", "remote", "DOCKER_CONTEXT", "tcp://192.0.2.7:2376")
	t.Setenv("DOCKER_HOST", "tcp://192.0.2.9:2375")
	check("DOCKER_HOST over DOCKER_CONTEXT", "default", "DOCKER_HOST", "tcp://192.0.2.9:2375")
}

// A context that does not exist is an environment error (exit 3) naming
// it and what selected it.
func TestEndpointMissingContext(t *testing.T) {
	dir := dockerEnv(t)
	t.Setenv("DOCKER_CONTEXT", "nowhere")
	_, err := resolveEndpoint()
	var ee *EnvError
	if !errors.As(err, &ee) || err.Error() != "Docker context \"nowhere\" (DOCKER_CONTEXT) does not exist; `docker context ls` lists the contexts" {
		t.Errorf("DOCKER_CONTEXT naming no context: %v", err)
	}
	os.Unsetenv("DOCKER_CONTEXT")
	useContext(t, dir, "gone")
	_, err = resolveEndpoint()
	if !errors.As(err, &ee) || err.Error() != `Docker context "gone" (the current context in `+filepath.Join(dir, "config.json")+") does not exist; `docker context ls` lists the contexts" {
		t.Errorf("current context naming no context: %v", err)
	}
}

// A context whose engine does not answer (its socket does not exist) is
// an environment error (exit 3) naming the socket and the context.
func TestEndpointUnreachableContext(t *testing.T) {
	dir := dockerEnv(t)
	sock := filepath.Join(t.TempDir(), "docker.sock")
	addContext(t, dir, "colima", "unix://"+sock, nil)
	useContext(t, dir, "colima")
	_, err := newClient(context.Background())
	var ee *EnvError
	want := "Docker is not reachable at unix://" + sock + ` (context "colima", the current context in ` + filepath.Join(dir, "config.json") + "): "
	if !errors.As(err, &ee) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("\n got %v\nwant %s…", err, want)
	}
}

// SQL connects to the engine's host from the resolved endpoint: a
// context's tcp endpoint on another host works as DOCKER_HOST=tcp://H
// does, and messages name the context.
func TestEndpointEngineFromContext(t *testing.T) {
	dir := dockerEnv(t)
	addContext(t, dir, "remote", "tcp://192.0.2.7:2376", nil)
	addContext(t, dir, "ssh", "ssh://me@build-engine.internal", nil)
	addContext(t, dir, "local-tcp", "tcp://127.0.0.1:2375", nil)
	for _, tc := range []struct {
		name, host string
		remote     bool
	}{
		{"remote", "192.0.2.7", true},
		{"ssh", "build-engine.internal", true},
		{"local-tcp", "127.0.0.1", false},
	} {
		t.Setenv("DOCKER_CONTEXT", tc.name)
		e, err := resolveEndpoint()
		if err != nil {
			t.Fatal(err)
		}
		eng, err := e.engine()
		if err != nil || eng.Host != tc.host || eng.Remote != tc.remote {
			t.Errorf("context %s: %+v, %v; want host %s, remote %v", tc.name, eng, err, tc.host, tc.remote)
		}
	}
	t.Setenv("DOCKER_CONTEXT", "remote")
	e, _ := resolveEndpoint()
	eng, _ := e.engine()
	if got, err := eng.dial(netip.Addr{}); got != "192.0.2.7" || err != nil {
		t.Errorf("port on every interface: %q, %v", got, err)
	}
	_, err := eng.dial(netip.MustParseAddr("127.0.0.1"))
	if err == nil || !strings.Contains(err.Error(), `(192.0.2.7, engine tcp://192.0.2.7:2376 (context "remote" from DOCKER_CONTEXT)) can reach`) {
		t.Errorf("port on loopback of a remote engine: %v", err)
	}
}

// A tcp context's TLS material is used: an engine (here a stand-in
// answering /_ping over TLS on loopback) whose certificate only the
// context's CA vouches for answers with it, and not without it.
func TestEndpointContextTLS(t *testing.T) {
	dir := dockerEnv(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_ping" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Api-Version", "1.41")
		w.Write([]byte("OK"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the plain-HTTP attempt below
	srv.StartTLS()
	defer srv.Close()
	host := "tcp://" + strings.TrimPrefix(srv.URL, "https://")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	addContext(t, dir, "tls", host, ca)
	addContext(t, dir, "no-ca", host, nil)

	t.Setenv("DOCKER_CONTEXT", "tls")
	cli, e, err := openEngine(context.Background())
	if err != nil {
		t.Fatalf("context with the CA: %v", err)
	}
	cli.Close()
	if e.Host != host || e.ep.TLSData == nil || string(e.ep.TLSData.CA) != string(ca) {
		t.Errorf("context with the CA: host %q, TLS %+v", e.Host, e.ep.TLSData)
	}

	t.Setenv("DOCKER_CONTEXT", "no-ca")
	_, _, err = openEngine(context.Background())
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.HasPrefix(err.Error(), "Docker is not reachable at "+host+` (context "no-ca" from DOCKER_CONTEXT): `) {
		t.Errorf("context without the CA: %v", err)
	}
}

// localSocket is the path of the Unix socket of the engine the tests'
// environment reaches, before dockerEnv changes it; skips in -short runs
// and when that engine is not reachable over a Unix socket.
func localSocket(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cli, e, err := openEngine(context.Background())
	if err != nil {
		t.Skip(err)
	}
	cli.Close()
	path, ok := strings.CutPrefix(e.Host, "unix://")
	if !ok {
		t.Skipf("the engine is at %s, not on a Unix socket", e.Host)
	}
	return path
}

// A docker context is honoured end to end: its endpoint is a path no
// default names (a symbolic link, in a temporary folder, to the engine's
// socket), with DOCKER_HOST unset. The client talks to that path, and
// when the link is removed the engine is unreachable and the error names
// the path and the context — which using the default socket would not be.
func TestEngineFromContext(t *testing.T) {
	sock := localSocket(t)
	dir := dockerEnv(t)
	link := filepath.Join(t.TempDir(), "docker.sock")
	if err := os.Symlink(sock, link); err != nil {
		t.Fatal(err)
	}
	addContext(t, dir, "colima", "unix://"+link, nil)

	for _, selectBy := range []string{"current context", "DOCKER_CONTEXT"} {
		if selectBy == "DOCKER_CONTEXT" {
			os.Remove(filepath.Join(dir, "config.json"))
			t.Setenv("DOCKER_CONTEXT", "colima")
		} else {
			useContext(t, dir, "colima")
		}
		cli, e, err := openEngine(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", selectBy, err)
		}
		if cli.DaemonHost() != "unix://"+link || e.Context != "colima" {
			t.Errorf("%s: the client talks to %s (context %q); want unix://%s (context \"colima\")", selectBy, cli.DaemonHost(), e.Context, link)
		}
		if _, err := cli.ServerVersion(context.Background(), client.ServerVersionOptions{}); err != nil {
			t.Errorf("%s: a request after the ping: %v", selectBy, err)
		}
		cli.Close()
	}

	// DOCKER_HOST wins over DOCKER_CONTEXT.
	other := filepath.Join(t.TempDir(), "other.sock")
	if err := os.Symlink(sock, other); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", "unix://"+other)
	cli, e, err := openEngine(context.Background())
	if err != nil {
		t.Fatalf("DOCKER_HOST: %v", err)
	}
	cli.Close()
	if cli.DaemonHost() != "unix://"+other || e.Context != "default" || e.Source != "DOCKER_HOST" {
		t.Errorf("DOCKER_HOST and DOCKER_CONTEXT: the client talks to %s (context %q, %s); want unix://%s (default, DOCKER_HOST)", cli.DaemonHost(), e.Context, e.Source, other)
	}
	os.Unsetenv("DOCKER_HOST")

	// The context's socket gone: an environment error naming it.
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	_, _, err = openEngine(context.Background())
	var ee *EnvError
	want := "Docker is not reachable at unix://" + link + ` (context "colima" from DOCKER_CONTEXT): `
	if !errors.As(err, &ee) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("context's socket removed:\n got %v\nwant %s…", err, want)
	}
}

// The compose library runs on the docker CLI state that resolved the
// engine: the same context and the same client as the rest of the stand.
func TestComposeOnContext(t *testing.T) {
	sock := localSocket(t)
	dir := dockerEnv(t)
	link := filepath.Join(t.TempDir(), "docker.sock")
	if err := os.Symlink(sock, link); err != nil {
		t.Fatal(err)
	}
	addContext(t, dir, "colima", "unix://"+link, nil)
	useContext(t, dir, "colima")
	cli, e, err := openEngine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	svc, err := newComposeService(e, &progress{}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if e.dcli.CurrentContext() != "colima" || e.dcli.Client() != cli {
		t.Errorf("compose's docker CLI: context %q, client %p; want \"colima\", %p", e.dcli.CurrentContext(), e.dcli.Client(), cli)
	}
	if _, err := svc.List(context.Background(), api.ListOptions{All: true}); err != nil {
		t.Errorf("compose ls through the context: %v", err)
	}
}

// A config.json the docker CLI cannot read is ignored, as `docker` does
// (it warns and uses the default context); the warning is part of the
// error when the engine is then unreachable.
func TestEndpointConfigWarning(t *testing.T) {
	dir := dockerEnv(t)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext": `), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	_, _, err := openEngine(context.Background())
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.HasPrefix(err.Error(), "Docker is not reachable at unix:///nonexistent/docker.sock (DOCKER_HOST): ") ||
		!strings.Contains(err.Error(), "(the Docker CLI warned: WARNING: Error parsing config file ("+filepath.Join(dir, "config.json")+"): ") {
		t.Errorf("got %v", err)
	}
}
