package course

import (
	"fmt"
	"strings"
	"time"
)

// HostStep is one lifecycle step a host block may ask for. Host blocks are
// written as the docker compose commands a reader types; the build performs
// them with the Docker Compose library. Nothing else can run on the host.
type HostStep struct {
	Verb     string   // up, stop, start, restart, kill, down
	Services []string // empty means every service the verb applies to
	Profiles []string // --profile names (up and down)
	// RemoveVolumes is down's -v: the containers' volumes go too.
	RemoveVolumes bool
	// Wait is up's --wait: compose itself waits until every started
	// service is running, and healthy where it declares a healthcheck.
	Wait bool
}

// Bounds of one host step, set by the stand. A host block that sets no
// timeout= is bounded by HostTimeout, past these, so that a stuck step
// ends with the stand's own error, which names the phase and shows the
// container's state and log, never with a bare block timeout.
const (
	// HostComposeTimeout bounds the compose operation of one step:
	// creating and starting, stopping, killing, removing containers.
	HostComposeTimeout = 2 * time.Minute
	// HostReadyTimeout bounds the wait, after a step that starts
	// services, until every one of them is ready as Docker reports it:
	// running, and healthy where the container has a healthcheck (the
	// compose file's, else the image's). initdb runs in it.
	HostReadyTimeout = 3 * time.Minute
	// hostMargin is the time left to the stand to report a step that
	// reached its bounds (the container's state and log).
	hostMargin = 30 * time.Second
)

// HostTimeout bounds a host block of steps that sets no timeout=: the sum
// of each step's bounds, with a margin.
func HostTimeout(steps []HostStep) time.Duration {
	d := hostMargin
	for _, st := range steps {
		d += HostComposeTimeout
		if st.Verb == "up" || st.Verb == "start" || st.Verb == "restart" {
			d += HostReadyTimeout
		}
	}
	return d
}

// HostStateHeading is the line of a host step's output after which comes
// the state of the services the step touched, as the build checked it once
// the command had returned and the services were ready: one "service
// state" line each, in name order, in Docker's words as `docker compose
// ps` shows them: "primary  healthy" (running, its healthcheck passing),
// "tools  running" (running, no healthcheck), "primary  exited (0)".
// Before it is what docker compose printed for the command, one line per
// resource, each starting with a space; docker compose never prints this
// heading. A step that leaves no service to check (down) has none.
const HostStateHeading = "# state checked by the build (not printed by docker compose):"

// HostPart is a run of lines of a host block's output: printed by docker
// compose, or the state the build checked (State).
type HostPart struct {
	State bool
	Text  string
}

// SplitHostOutput splits a host block's output into its parts, in order.
// A state part starts after HostStateHeading and ends before the next line
// docker compose printed (one that starts with a space): a block of several
// steps alternates them.
func SplitHostOutput(out string) []HostPart {
	var parts []HostPart
	add := func(state bool, line string) {
		if n := len(parts); n > 0 && parts[n-1].State == state {
			parts[n-1].Text += line
			return
		}
		parts = append(parts, HostPart{State: state, Text: line})
	}
	state := false
	for _, line := range strings.SplitAfter(out, "\n") {
		switch {
		case line == "":
		case strings.TrimRight(line, "\r\n") == HostStateHeading:
			state = true
			parts = append(parts, HostPart{State: true})
		case state && strings.HasPrefix(line, " "):
			state = false
			add(false, line)
		default:
			add(state, line)
		}
	}
	return parts
}

// HostVerbs lists the verbs a host block may use.
var HostVerbs = []string{"up", "stop", "start", "restart", "kill", "down"}

// ParseHostSteps parses a host block: one `docker compose <verb> …` command
// per line; blank lines and # comments are ignored.
func ParseHostSteps(code string) ([]HostStep, error) {
	var steps []HostStep
	for _, line := range strings.Split(code, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		st, err := parseHostStep(line)
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("host block has no command")
	}
	return steps, nil
}

func parseHostStep(line string) (HostStep, error) {
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "docker" || f[1] != "compose" {
		return HostStep{}, fmt.Errorf("host blocks may only run `docker compose %s …`, not %q",
			strings.Join(HostVerbs, "|"), line)
	}
	var st HostStep
	args := f[2:]
	for len(args) >= 2 && args[0] == "--profile" {
		st.Profiles = append(st.Profiles, args[1])
		args = args[2:]
	}
	if len(args) == 0 {
		return HostStep{}, fmt.Errorf("%q: missing verb", line)
	}
	st.Verb, args = args[0], args[1:]
	known := false
	for _, v := range HostVerbs {
		known = known || v == st.Verb
	}
	if !known {
		return HostStep{}, fmt.Errorf("%q: unknown compose verb %q (allowed: %s)", line, st.Verb, strings.Join(HostVerbs, ", "))
	}
	if len(st.Profiles) > 0 && st.Verb != "up" && st.Verb != "down" {
		return HostStep{}, fmt.Errorf("%q: --profile goes with up and down only", line)
	}
	for _, a := range args {
		switch {
		case a == "-d" && st.Verb == "up":
		case a == "--wait" && st.Verb == "up":
			st.Wait = true
		case a == "-v" && st.Verb == "down":
			st.RemoveVolumes = true
		case strings.HasPrefix(a, "-"):
			return HostStep{}, fmt.Errorf("%q: flag %s is not supported with %s", line, a, st.Verb)
		case st.Verb == "down":
			return HostStep{}, fmt.Errorf("%q: down takes no service names", line)
		default:
			st.Services = append(st.Services, a)
		}
	}
	if st.Verb == "up" && !contains(args, "-d") {
		return HostStep{}, fmt.Errorf("%q: write `up -d` (the stand runs detached)", line)
	}
	return st, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
