package course

import (
	"fmt"
	"strings"
)

// HostStep is one lifecycle step a host block may ask for. Host blocks are
// written as the docker compose commands a reader types; the build performs
// them through the Docker API. Nothing else can run on the host.
type HostStep struct {
	Verb     string   // up, stop, start, restart, kill, down
	Services []string // empty means every service the verb applies to
	Profiles []string // --profile names (up and down)
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
		case a == "-v" && st.Verb == "down":
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
