package stand

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"replcourse/builder/composefile"
)

// The host SQL connects to is the engine's: this machine's loopback for a
// local engine (a socket, a named pipe, tcp on loopback), the engine's
// host for a remote one.
func TestEngineHost(t *testing.T) {
	for _, tc := range []struct {
		daemon, host string
		remote       bool
	}{
		{"unix:///var/run/docker.sock", "127.0.0.1", false},
		{"unix:///Users/me/.docker/run/docker.sock", "127.0.0.1", false}, // Docker Desktop
		{"npipe:////./pipe/docker_engine", "127.0.0.1", false},
		{"tcp://127.0.0.1:2375", "127.0.0.1", false},
		{"tcp://localhost:2375", "127.0.0.1", false},
		{"tcp://[::1]:2375", "127.0.0.1", false},
		{"tcp://build-engine.internal:2376", "build-engine.internal", true},
		{"tcp://192.0.2.7:2376", "192.0.2.7", true},
		{"ssh://me@192.0.2.8", "192.0.2.8", true},
	} {
		e, err := engineHost(tc.daemon)
		if err != nil || e.Host != tc.host || e.Remote != tc.remote {
			t.Errorf("%s: %+v, %v; want host %s, remote %v", tc.daemon, e, err, tc.host, tc.remote)
		}
	}
	for _, bad := range []string{"tcp://:2375", "fd://", "://x"} {
		if e, err := engineHost(bad); err == nil {
			t.Errorf("%s: no error, got %+v", bad, e)
		}
	}
}

// A published port is dialled where the engine published it; a port
// published on loopback of a remote engine is an error that says why.
func TestEngineDial(t *testing.T) {
	local, _ := engineHost("unix:///var/run/docker.sock")
	remote, _ := engineHost("tcp://192.0.2.7:2376")
	for _, tc := range []struct {
		e      engine
		hostIP string // "" for no address: every interface
		want   string
	}{
		{local, "127.0.0.1", "127.0.0.1"},
		{local, "", "127.0.0.1"},
		{local, "0.0.0.0", "127.0.0.1"},
		{local, "::1", "::1"},
		{remote, "", "192.0.2.7"},
		{remote, "0.0.0.0", "192.0.2.7"},
		{remote, "::", "192.0.2.7"},
		{remote, "192.0.2.9", "192.0.2.9"},
	} {
		var ip netip.Addr
		if tc.hostIP != "" {
			ip = netip.MustParseAddr(tc.hostIP)
		}
		if got, err := tc.e.dial(ip); err != nil || got != tc.want {
			t.Errorf("%s, published on %q: %q, %v; want %s", tc.e.Daemon, tc.hostIP, got, err, tc.want)
		}
	}
	_, err := remote.dial(netip.MustParseAddr("127.0.0.1"))
	if err == nil || !strings.Contains(err.Error(), "published on 127.0.0.1, which only the engine's own host (192.0.2.7, engine tcp://192.0.2.7:2376) can reach") {
		t.Errorf("got %v", err)
	}
}

// inspected is a running container publishing 5433/tcp on hostIP:port.
func inspected(hostIP, port string) container.InspectResponse {
	p := network.MustParsePort("5433/tcp")
	return container.InspectResponse{
		State: &container.State{Status: container.StateRunning, Running: true},
		NetworkSettings: &container.NetworkSettings{Ports: network.PortMap{
			network.MustParsePort("22/tcp"): {{HostIP: netip.MustParseAddr(hostIP), HostPort: "40000"}},
			p:                               {{HostIP: netip.MustParseAddr(hostIP), HostPort: port}},
		}},
	}
}

// A connection takes its port, database and user from the service's
// definition (composefile.Postgres), its host from the engine, and
// user= in place of the service's user, without its password.
func TestConnStringFromService(t *testing.T) {
	svc := &composefile.Service{Name: "pg3", Postgres: composefile.Postgres{Port: 5433, User: "alice", Database: "shop", Password: "it's secret"}}
	local, _ := engineHost("unix:///var/run/docker.sock")
	remote, _ := engineHost("tcp://192.0.2.7:2376")
	for _, tc := range []struct {
		e          engine
		bind, user string
		want       string
	}{
		{local, "127.0.0.1", "", "host=127.0.0.1 port=49153 user=alice password='it\\'s secret' dbname=shop "},
		{local, "127.0.0.1", "alice", "host=127.0.0.1 port=49153 user=alice password='it\\'s secret' dbname=shop "},
		{local, "127.0.0.1", "bob", "host=127.0.0.1 port=49153 user=bob password='' dbname=shop "},
		{remote, "0.0.0.0", "", "host=192.0.2.7 port=49153 user=alice "},
	} {
		got, err := connStringOf(tc.e, svc, tc.user, inspected(tc.bind, "49153"))
		if err != nil || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s %s %q:\n got %q, %v\nwant %q…", tc.e.Daemon, tc.bind, tc.user, got, err, tc.want)
		}
	}
	if _, err := connStringOf(remote, svc, "", inspected("127.0.0.1", "49153")); err == nil || !strings.HasPrefix(err.Error(), "node pg3: its port is published on 127.0.0.1") {
		t.Errorf("remote engine, loopback port: %v", err)
	}
	other := *svc
	other.Postgres.Port = 5432
	if _, err := connStringOf(local, &other, "", inspected("127.0.0.1", "49153")); err == nil || err.Error() != "node pg3 publishes no port for PostgreSQL's port 5432" {
		t.Errorf("port not published: %v", err)
	}
	stopped := inspected("127.0.0.1", "49153")
	stopped.State = &container.State{Status: container.StateExited, ExitCode: 0}
	_, err := connStringOf(local, svc, "", stopped)
	var nr *NotRunningError
	if !asNotRunning(err, &nr) || !nr.Stopped || err.Error() != "node pg3 is not running (exited (0))" {
		t.Errorf("stopped: %v", err)
	}
}

// Readiness and the state words come from Docker: running, healthy where
// there is a healthcheck; exited, dead and unhealthy are failures.
func TestReadinessFromDocker(t *testing.T) {
	health := func(s container.HealthStatus) *container.Health { return &container.Health{Status: s} }
	for _, tc := range []struct {
		st            container.State
		ready, failed bool
		word          string
	}{
		{container.State{Status: container.StateRunning, Running: true}, true, false, "running"},
		{container.State{Status: container.StateRunning, Running: true, Health: health(container.NoHealthcheck)}, true, false, "running"},
		{container.State{Status: container.StateRunning, Running: true, Health: health(container.Starting)}, false, false, "starting"},
		{container.State{Status: container.StateRunning, Running: true, Health: health(container.Healthy)}, true, false, "healthy"},
		{container.State{Status: container.StateRunning, Running: true, Health: health(container.Unhealthy)}, false, true, "unhealthy"},
		{container.State{Status: container.StateCreated}, false, false, "created"},
		{container.State{Status: container.StateRestarting, Running: true, Restarting: true}, false, false, "restarting"},
		{container.State{Status: container.StateExited, ExitCode: 0}, false, true, "exited (0)"},
		{container.State{Status: container.StateExited, ExitCode: 137}, false, true, "exited (137)"},
		{container.State{Status: container.StateDead}, false, true, "dead"},
	} {
		c := container.InspectResponse{State: &tc.st}
		ready, failed := readiness(c)
		if ready != tc.ready || failed != tc.failed || stateOf(c) != tc.word {
			t.Errorf("%+v: ready %v failed %v %q; want %v %v %q", tc.st, ready, failed, stateOf(c), tc.ready, tc.failed, tc.word)
		}
	}
}

func asNotRunning(err error, target **NotRunningError) bool { return errors.As(err, target) }
