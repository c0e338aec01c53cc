package composefile

import (
	"fmt"
	"slices"
	"strings"

	"replcourse/builder/course"
)

// Check holds the course's chapters against the stand, before anything
// runs, and returns the first mismatch as a *course.Error at the chapter
// line:
//
//   - a block's node= (and a probe's node:) must be a service of the
//     compose file, or host for blocks;
//   - an sql block, and a probe, connects to the service's PostgreSQL port
//     (Postgres.Port) through the port the engine publishes for it, so the
//     service must publish that port;
//   - a host block's `docker compose` steps may only name services and
//     profiles of the compose file.
func (m *Model) Check(c *course.Course) error {
	for _, ch := range c.Chapters {
		for _, name := range sortedProbes(ch) {
			p := ch.Probes[name]
			if err := m.checkNode(p.Pos, p.Node, false); err != nil {
				return err
			}
			if err := m.checkSQL(p.Pos, p.Node, "probe "+p.Name+" queries"); err != nil {
				return err
			}
		}
		for _, b := range ch.Blocks {
			if b.Node == "" {
				continue
			}
			if err := m.checkNode(b.Pos, b.Node, true); err != nil {
				return err
			}
			switch {
			case b.Node == course.Host && b.Run:
				if err := m.checkHost(b); err != nil {
					return err
				}
			case b.Lang == "sql" && b.Run:
				if err := m.checkSQL(b.Pos, b.Node, "sql blocks on "+b.Node+" connect to"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (m *Model) checkNode(pos course.Pos, node string, hostOK bool) error {
	if _, ok := m.Service(node); ok || hostOK && node == course.Host {
		return nil
	}
	valid := m.Names()
	if hostOK {
		valid = m.Nodes()
	}
	if node == course.Host {
		return course.Errorf(pos, "a probe runs a query on a service, not on host (services of %s: %s)", m.File, strings.Join(m.Names(), ", "))
	}
	msg := fmt.Sprintf("node %q is not a service of %s", node, m.File)
	if s := course.Nearest(node, valid); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return course.Errorf(pos, "%s; nodes: %s", msg, strings.Join(valid, ", "))
}

// checkSQL requires node to publish its PostgreSQL port; what names the
// thing that connects, for the message.
func (m *Model) checkSQL(pos course.Pos, node, what string) error {
	s, _ := m.Service(node)
	if _, ok := s.Published(s.Postgres.Port); ok {
		return nil
	}
	return course.Errorf(pos, "%s port %d of %s, which %s does not publish (add ports: [\"127.0.0.1::%d\"] to service %s)",
		what, s.Postgres.Port, node, m.File, s.Postgres.Port, node)
}

// checkHost checks the services and profiles a host block's steps name,
// each at its own line (the block's code starts on the line after the
// fence).
func (m *Model) checkHost(b *course.Block) error {
	profiles := m.Profiles()
	for i, line := range strings.Split(b.Code, "\n") {
		steps, err := course.ParseHostSteps(line)
		if err != nil || len(steps) != 1 {
			continue // blank, a comment, or an error the loader reports
		}
		pos := course.Pos{File: b.Pos.File, Line: b.Pos.Line + 1 + i}
		for _, svc := range steps[0].Services {
			if _, ok := m.Service(svc); !ok {
				return m.checkNode(pos, svc, false)
			}
		}
		for _, p := range steps[0].Profiles {
			if !slices.Contains(profiles, p) {
				msg := fmt.Sprintf("no service of %s is in profile %q", m.File, p)
				if len(profiles) == 0 {
					return course.Errorf(pos, "%s (it declares no profiles)", msg)
				}
				return course.Errorf(pos, "%s; profiles: %s", msg, strings.Join(profiles, ", "))
			}
		}
	}
	return nil
}

func sortedProbes(ch *course.Chapter) []string {
	names := make([]string, 0, len(ch.Probes))
	for n := range ch.Probes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
