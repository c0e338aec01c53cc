package render

import (
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

// TestHostOutputLabelled: a host block's output panel shows what docker
// compose printed under a label that says so, and the state the build
// checked under its own label, without the heading line that separates
// them in the text.
func TestHostOutputLabelled(t *testing.T) {
	b := &course.Block{Lang: "sh", Node: course.Host, Code: "docker compose up -d\n", Run: true, Pos: course.Pos{File: "c.md", Line: 3}}
	out := " ✔ Container replcourse-primary-1  Started\n" + course.HostStateHeading + "\nprimary  accepting connections\n"
	var s strings.Builder
	outputPanel(&s, b, &course.Result{Output: out}, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	html := s.String()
	for _, want := range []string{
		"output of docker compose — verified 2026-11-30",
		"<samp> ✔ Container replcourse-primary-1  Started</samp>",
		"state after the command — checked by the build, not printed by docker compose",
		"<samp>primary  accepting connections</samp>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in:\n%s", want, html)
		}
	}
	if strings.Contains(html, course.HostStateHeading) || strings.Contains(html, "(no output)") {
		t.Errorf("heading or a made-up line shown:\n%s", html)
	}

	s.Reset()
	outputPanel(&s, b, &course.Result{Output: course.HostStateHeading + "\nprimary  accepting connections\n"}, time.Now())
	if !strings.Contains(s.String(), "(docker compose printed nothing)") {
		t.Errorf("empty compose part not said:\n%s", s.String())
	}
}
