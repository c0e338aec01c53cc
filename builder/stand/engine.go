package stand

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// engine is where the Docker engine publishes a container's ports: on its
// own host's interfaces. A local engine (a Unix socket or a Windows named
// pipe: Docker Engine on this machine, Docker Desktop, which forwards
// published ports to this machine's loopback) publishes them here; a
// remote one (an endpoint tcp://H:P or ssh://user@H, from DOCKER_HOST or a
// docker context) on the host H.
type engine struct {
	Host   string // the host to dial a published port on: 127.0.0.1 for a local engine
	Remote bool   // the engine runs on another host (Host is its name or address)
	Daemon string // the engine's address and what selected it (endpoint.String), for messages
}

// engineHost reads the engine's address (endpoint.Host: "unix:///var/
// run/docker.sock", "tcp://H:2376", "ssh://user@H", "npipe:////./pipe/…").
// A tcp or ssh engine on a loopback address is this machine's own.
func engineHost(daemon string) (engine, error) {
	u, err := url.Parse(daemon)
	if err != nil {
		return engine{}, fmt.Errorf("the Docker engine's address %q: %v", daemon, err)
	}
	switch u.Scheme {
	case "unix", "npipe", "":
		return engine{Host: "127.0.0.1", Daemon: daemon}, nil
	case "tcp", "http", "https", "ssh":
		h := u.Hostname()
		if h == "" {
			return engine{}, fmt.Errorf("the Docker engine's address %q names no host", daemon)
		}
		if isLoopback(h) {
			return engine{Host: "127.0.0.1", Daemon: daemon}, nil
		}
		return engine{Host: h, Remote: true, Daemon: daemon}, nil
	}
	return engine{}, fmt.Errorf("the Docker engine's address %q: unknown scheme %q", daemon, u.Scheme)
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// dial returns the host to connect to for a port the engine published on
// hostIP (the binding's HostIp: unspecified for every interface). A local
// engine's port is dialled on 127.0.0.1 when published on every
// interface, else on the address it was published on. A remote engine's
// port is dialled on the engine's host, or on the address it was
// published on; one published on loopback is reachable from the engine's
// own host only, which is an error that says so.
func (e engine) dial(hostIP netip.Addr) (string, error) {
	switch {
	case !hostIP.IsValid() || hostIP.IsUnspecified():
		return e.Host, nil
	case hostIP.IsLoopback() && e.Remote:
		return "", fmt.Errorf("its port is published on %s, which only the engine's own host (%s, engine %s) can reach; "+
			"publish it on an address this machine reaches (ports: [\"::5432\"], or the engine's address) or run the build on the engine's host",
			hostIP, e.Host, e.Daemon)
	}
	return hostIP.Unmap().String(), nil
}
