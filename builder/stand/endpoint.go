package stand

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/cli/cli/command"
	cliconfig "github.com/docker/cli/cli/config"
	dockerctx "github.com/docker/cli/cli/context/docker"
	cliflags "github.com/docker/cli/cli/flags"
	"github.com/moby/moby/client"
	"github.com/spf13/pflag"
)

// pingTimeout bounds the first request to the engine: a running engine
// answers a ping at once.
const pingTimeout = 5 * time.Second

// endpoint is the Docker engine the builder talks to, found as the docker
// CLI finds it — github.com/docker/cli resolves it, in the order of its
// DockerCli.CurrentContext:
//
//  1. DOCKER_HOST, when set: the "default" context with that host, TLS
//     from DOCKER_TLS_VERIFY, DOCKER_TLS and DOCKER_CERT_PATH;
//  2. DOCKER_CONTEXT: the context of that name;
//  3. the CLI configuration's current context (currentContext in
//     $DOCKER_CONFIG/config.json, ~/.docker/config.json by default, which
//     `docker context use` sets);
//  4. else the "default" context: the platform's default socket
//     (unix:///var/run/docker.sock; tcp://localhost:2376 when
//     DOCKER_TLS_VERIFY or DOCKER_TLS asks for TLS).
//
// A named context's host and TLS material come from the CLI's context
// store ($DOCKER_CONFIG/contexts).
type endpoint struct {
	// Context is the docker context's name: "default" for 1 and 4.
	Context string
	// Source says what selected the engine (1–4 above), for messages:
	// "DOCKER_HOST", "DOCKER_CONTEXT", "the current context in
	// /home/me/.docker/config.json", or "" for the default.
	Source string
	// Host is the engine's address as the context (or DOCKER_HOST) writes
	// it: "unix:///var/run/docker.sock", "tcp://H:2376", "ssh://user@H".
	// For ssh the client's DaemonHost is a placeholder, so messages and
	// engineHost read this.
	Host string

	ep dockerctx.Endpoint // Host with its TLS material
	// dcli is the docker CLI state that resolved the endpoint (its
	// configuration and context store); the compose library runs on it.
	dcli *command.DockerCli
	// warnings is what the docker CLI printed while reading its
	// configuration (a config.json it cannot parse, which it then
	// ignores, as `docker` does), for messages.
	warnings string
}

// String names the engine and what selected it, for messages:
// `unix:///…/docker.sock (context "colima" from DOCKER_CONTEXT)`,
// `tcp://H:2376 (DOCKER_HOST)`.
func (e *endpoint) String() string {
	switch {
	case e.Source == "DOCKER_HOST":
		return e.Host + " (DOCKER_HOST)"
	case e.Source == "DOCKER_CONTEXT":
		return fmt.Sprintf("%s (context %q from DOCKER_CONTEXT)", e.Host, e.Context)
	case e.Source != "":
		return fmt.Sprintf("%s (context %q, %s)", e.Host, e.Context, e.Source)
	}
	return e.Host + " (the default: no DOCKER_HOST, DOCKER_CONTEXT or current docker context)"
}

// engine is where the engine publishes ports, from the endpoint's host
// (see engineHost), with the endpoint named for messages.
func (e *endpoint) engine() (engine, error) {
	eng, err := engineHost(e.Host)
	if err != nil {
		return engine{}, fmt.Errorf("%w (%s)", err, e.sourceOrDefault())
	}
	eng.Daemon = e.String()
	return eng, nil
}

func (e *endpoint) sourceOrDefault() string {
	if e.Source == "" {
		return "the default"
	}
	return e.Source
}

// resolveMu serialises endpoint resolution: the docker CLI keeps its
// configuration directory in a process-wide variable (config.SetDir).
var resolveMu sync.Mutex

// resolveEndpoint finds the engine as the docker CLI does (see endpoint)
// without contacting it. A context that does not exist or cannot be read
// (a DOCKER_CONTEXT naming none, a broken context store) is an *EnvError
// naming it and what selected it.
func resolveEndpoint() (*endpoint, error) {
	resolveMu.Lock()
	defer resolveMu.Unlock()
	var warnings bytes.Buffer
	dcli, err := command.NewDockerCli(command.WithOutputStream(io.Discard), command.WithErrorStream(&warnings))
	if err != nil {
		return nil, &EnvError{Msg: fmt.Sprintf("Docker CLI: %v", err)}
	}
	// The options the docker command starts with when given no flags: its
	// flags' defaults read DOCKER_TLS_VERIFY, DOCKER_TLS and
	// DOCKER_CERT_PATH.
	opts := cliflags.NewClientOptions()
	flags := pflag.NewFlagSet("docker", pflag.ContinueOnError)
	opts.InstallFlags(flags)
	opts.SetDefaultOptions(flags)
	// The configuration directory as DOCKER_CONFIG (or HOME) is now;
	// config.Dir caches it once per process. Set only when it differs,
	// as SetDir writes a process-wide variable others read.
	opts.ConfigDir = ""
	if dir := cliConfigDir(); dir != filepath.Clean(cliconfig.Dir()) {
		opts.ConfigDir = dir
	}
	if err := dcli.Initialize(opts); err != nil {
		return nil, &EnvError{Msg: fmt.Sprintf("Docker CLI configuration: %v", err)}
	}
	e := &endpoint{Context: dcli.CurrentContext(), dcli: dcli, warnings: strings.TrimSpace(warnings.String())}
	switch {
	case os.Getenv(client.EnvOverrideHost) != "":
		e.Source = "DOCKER_HOST"
	case os.Getenv(command.EnvOverrideContext) != "":
		e.Source = "DOCKER_CONTEXT"
	case dcli.ConfigFile().CurrentContext != "":
		e.Source = "the current context in " + dcli.ConfigFile().Filename
	}
	// As the docker CLI's resolveDockerEndpoint: the context's metadata,
	// its docker endpoint, then that endpoint's TLS material.
	s := dcli.ContextStore()
	meta, err := s.GetMetadata(e.Context)
	if err == nil {
		var m dockerctx.EndpointMeta
		if m, err = dockerctx.EndpointFromContext(meta); err == nil {
			e.ep, err = dockerctx.WithTLSData(s, e.Context, m)
		}
	}
	if err != nil {
		var msg string
		switch {
		case e.Context == command.DefaultContextName:
			// The default context fails only on DOCKER_HOST or the TLS files.
			msg = fmt.Sprintf("Docker engine (%s): %v", e.sourceOrDefault(), err)
		case errdefs.IsNotFound(err):
			msg = fmt.Sprintf("Docker context %q (%s) does not exist; `docker context ls` lists the contexts", e.Context, e.sourceOrDefault())
		default:
			msg = fmt.Sprintf("Docker context %q (%s): %v; `docker context inspect %s` shows it", e.Context, e.sourceOrDefault(), err, e.Context)
		}
		return nil, &EnvError{Msg: e.withWarnings(msg)}
	}
	e.Host = e.ep.Host
	return e, nil
}

// withWarnings appends what the docker CLI warned about to msg.
func (e *endpoint) withWarnings(msg string) string {
	if e.warnings == "" {
		return msg
	}
	return msg + " (the Docker CLI warned: " + strings.ReplaceAll(e.warnings, "\n", "; ") + ")"
}

// cliConfigDir is the docker CLI's configuration directory as the
// environment gives it now: DOCKER_CONFIG, else .docker in the home
// directory (config.Dir's rule).
func cliConfigDir() string {
	if dir := os.Getenv(cliconfig.EnvOverrideConfigDir); dir != "" {
		return filepath.Clean(dir)
	}
	home, _ := os.UserHomeDir()
	if home == "" {
		if u, err := user.Current(); err == nil {
			home = u.HomeDir
		}
	}
	return filepath.Join(home, ".docker")
}

// openEngine connects to the engine the docker CLI would use (see
// endpoint) and checks that it answers a ping within pingTimeout. The
// client negotiates the API version with the engine on its first request
// (DOCKER_API_VERSION fixes it instead). The endpoint's docker CLI state
// uses the client, for the compose library. An engine that cannot be
// resolved or does not answer is an *EnvError naming its address and
// what selected it: `Docker is not reachable at unix:///… (context
// "colima" from DOCKER_CONTEXT): …`.
func openEngine(ctx context.Context) (*client.Client, *endpoint, error) {
	e, err := resolveEndpoint()
	if err != nil {
		return nil, nil, err
	}
	opts, err := e.ep.ClientOpts()
	if err == nil {
		if h := e.dcli.ConfigFile().HTTPHeaders; len(h) > 0 {
			opts = append(opts, client.WithHTTPHeaders(h))
		}
	}
	var cli *client.Client
	if err == nil {
		cli, err = client.New(opts...)
	}
	if err != nil {
		return nil, nil, &EnvError{Msg: e.withWarnings(fmt.Sprintf("Docker client for %s: %v", e, err))}
	}
	if e.Host == "" {
		e.Host = cli.DaemonHost() // a context without a host: the client's default
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{}); err != nil {
		cli.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, &EnvError{Msg: e.withWarnings(fmt.Sprintf(
			"Docker is not reachable at %s: %s; start that engine, or choose another with `docker context use NAME`, DOCKER_CONTEXT or DOCKER_HOST",
			e, firstLine(err.Error())))}
	}
	if err := command.WithAPIClient(cli)(e.dcli); err != nil {
		cli.Close()
		return nil, nil, &EnvError{Msg: fmt.Sprintf("Docker CLI: %v", err)}
	}
	return cli, e, nil
}
