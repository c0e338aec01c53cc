package stand

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Labels that name the builder process owning a stand. Every container,
// network and volume of a build carries them (with Label, the project), so
// that a later build can tell a stand whose builder is gone — killed with
// SIGKILL, or lost with its machine — from the stand of a build still
// running, and remove only the former.
const (
	OwnerLabel        = "replcourse.coursebuild"         // "1": made by a build
	ownerPIDLabel     = "replcourse.coursebuild.pid"     // the builder's process id
	ownerStartLabel   = "replcourse.coursebuild.start"   // its start time, clock ticks since boot (/proc/PID/stat field 22)
	ownerBootLabel    = "replcourse.coursebuild.boot-id" // /proc/sys/kernel/random/boot_id of its host
	ownerHostLabel    = "replcourse.coursebuild.host"    // its host name
	ownerPIDNSLabel   = "replcourse.coursebuild.pidns"   // its pid namespace, /proc/self/ns/pid
	ownerCreatedLabel = "replcourse.coursebuild.created" // when the stand was made, RFC 3339 UTC (for people)
)

// owner identifies a builder process: the pid alone is reused, the pid with
// the process's start time, boot id and pid namespace is not.
type owner struct {
	PID   int
	Start string
	Boot  string
	Host  string
	PIDNS string
}

// self describes this process. Off Linux the fields read from /proc stay
// empty, and a stand made here can only be listed, never judged gone.
func self() owner {
	o := owner{PID: os.Getpid()}
	o.Start = procStart(o.PID)
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		o.Boot = strings.TrimSpace(string(b))
	}
	o.Host, _ = os.Hostname()
	o.PIDNS, _ = os.Readlink("/proc/self/ns/pid")
	return o
}

// labels returns the owner labels for a stand made now.
func (o owner) labels(created time.Time) map[string]string {
	return map[string]string{
		OwnerLabel:        "1",
		ownerPIDLabel:     strconv.Itoa(o.PID),
		ownerStartLabel:   o.Start,
		ownerBootLabel:    o.Boot,
		ownerHostLabel:    o.Host,
		ownerPIDNSLabel:   o.PIDNS,
		ownerCreatedLabel: created.UTC().Format(time.RFC3339),
	}
}

func ownerOf(labels map[string]string) owner {
	pid, _ := strconv.Atoi(labels[ownerPIDLabel])
	return owner{PID: pid, Start: labels[ownerStartLabel], Boot: labels[ownerBootLabel],
		Host: labels[ownerHostLabel], PIDNS: labels[ownerPIDNSLabel]}
}

// Liveness of a stand's builder, as far as this process can see it.
type liveness int

const (
	alive   liveness = iota // the builder runs: never touch its stand
	gone                    // the builder no longer exists: its stand is a leftover
	unknown                 // another host or pid namespace, or no owner labels: list, do not remove
)

// judge tells whether the builder o still runs, seen from the process me.
// Only a builder in the same pid namespace of the same host can be judged:
// booted since (another boot id) or no process with its pid and start time
// means gone.
func judge(o, me owner) liveness {
	if o.PID <= 0 || o.Start == "" || o.Boot == "" || me.Boot == "" || me.Start == "" {
		return unknown
	}
	if o.Host != me.Host || o.PIDNS != me.PIDNS {
		return unknown
	}
	if o.Boot != me.Boot {
		return gone
	}
	if start := procStart(o.PID); start == "" || start != o.Start {
		return gone
	}
	return alive
}

// procStart returns field 22 of /proc/PID/stat, the process's start time in
// clock ticks after boot, or "" when there is no such process (or no /proc).
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing parenthesis (field 3 onwards).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// leftover is a stand found on the engine that is not this build's.
type leftover struct {
	Project string
	Owner   owner
	State   liveness
	Items   []string // "container NAME", "network NAME", "volume NAME"
}

// findLeftovers lists the stands of other builds: everything carrying
// OwnerLabel, and, from builds made before it existed, the projects named
// legacyPrefix…; except the project skip.
func findLeftovers(ctx context.Context, cli *client.Client, skip string, me owner) ([]*leftover, error) {
	byProject := map[string]*leftover{}
	add := func(labels map[string]string, what string) {
		p := labels[Label]
		if p == "" || p == skip {
			return
		}
		l := byProject[p]
		if l == nil {
			l = &leftover{Project: p, State: unknown}
			byProject[p] = l
		}
		if labels[OwnerLabel] != "" && l.Owner.PID == 0 {
			l.Owner = ownerOf(labels)
			l.State = judge(l.Owner, me)
		}
		l.Items = append(l.Items, what)
	}
	for _, f := range []client.Filters{
		make(client.Filters).Add("label", OwnerLabel),
		make(client.Filters).Add("label", Label),
	} {
		cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			return nil, err
		}
		for _, c := range cs.Items {
			name := c.ID[:12]
			if len(c.Names) > 0 {
				name = strings.TrimPrefix(c.Names[0], "/")
			}
			if ours(c.Labels) {
				add(c.Labels, "container "+name)
			}
		}
		ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
		if err != nil {
			return nil, err
		}
		for _, n := range ns.Items {
			if ours(n.Labels) {
				add(n.Labels, "network "+n.Name)
			}
		}
		vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
		if err != nil {
			return nil, err
		}
		for _, v := range vs.Items {
			if ours(v.Labels) {
				add(v.Labels, "volume "+v.Name)
			}
		}
	}
	var out []*leftover
	for _, l := range byProject {
		l.Items = dedupe(l.Items)
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Project < out[j].Project })
	return out, nil
}

// ours reports whether labels mark something a build made: the owner
// label (every build names its project for its course and labels its
// owner), or a compose project named as builds named them before that.
func ours(labels map[string]string) bool {
	return labels[OwnerLabel] != "" || strings.HasPrefix(labels[Label], legacyPrefix)
}

func dedupe(items []string) []string {
	sort.Strings(items)
	out := items[:0]
	for i, s := range items {
		if i == 0 || s != items[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// RemoveCommand is the shell command that removes a build's stand by hand.
func RemoveCommand(project string) string {
	f := "--filter label=" + Label + "=" + project
	return fmt.Sprintf("docker ps -aq %s | xargs -r docker rm -fv; docker network ls -q %s | xargs -r docker network rm; docker volume ls -q %s | xargs -r docker volume rm", f, f, f)
}

// cleanLeftovers removes the stands whose builder is gone and lists the
// ones it cannot judge, with the command that removes them; stands of
// builds still running are left alone and not mentioned.
func cleanLeftovers(ctx context.Context, cli *client.Client, skip string, me owner, logf func(string, ...any)) error {
	ls, err := findLeftovers(ctx, cli, skip, me)
	if err != nil {
		return fmt.Errorf("looking for stands of earlier builds: %w", err)
	}
	var errs []string
	for _, l := range ls {
		switch l.State {
		case gone:
			if err := Remove(ctx, cli, l.Project); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			logf("removed stand %s left by build pid %d, which no longer runs (%s)", l.Project, l.Owner.PID, strings.Join(l.Items, ", "))
		case unknown:
			why := "made before builds labelled their owner"
			if l.Owner.PID != 0 {
				why = fmt.Sprintf("its build, pid %d on %s, cannot be checked from here", l.Owner.PID, l.Owner.Host)
			}
			logf("leftover stand %s? (%s) %s; to remove it: %s", l.Project, why, strings.Join(l.Items, ", "), RemoveCommand(l.Project))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("removing stands of earlier builds: %s", strings.Join(errs, "; "))
	}
	return nil
}
