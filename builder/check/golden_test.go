package check

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the want-* sections of testdata/*.txtar from the current results")

// Each testdata/*.txtar holds a comment, then sections:
//
//	-- known --          optional: name=value lines, captures of earlier blocks
//	-- expected --       the expected output as an author writes it
//	-- actual --         the real output
//	-- want-diff --      Match's diff; empty means the outputs must match
//	-- want-captures --  name=value lines Match captured (when they match)
//	-- want-mask --      Mask(expected, actual)
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			runGolden(t, path)
		})
	}
}

func runGolden(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a := parseTxtar(string(data))
	known := parseCaptures(a.get("known"))
	exp, act := a.get("expected"), a.get("actual")
	if err := Validate(exp); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	r := Match(exp, act, known)
	if r.Err != nil {
		t.Fatalf("Match: %v", r.Err)
	}
	if r.OK != (r.Diff == "") {
		t.Fatalf("OK=%v with diff %q", r.OK, r.Diff)
	}
	got := map[string]string{
		"want-diff":     r.Diff,
		"want-captures": formatCaptures(r.Captures),
		"want-mask":     Mask(exp, act, known),
	}
	if *update {
		for _, name := range []string{"want-diff", "want-captures", "want-mask"} {
			a.set(name, got[name])
		}
		if err := os.WriteFile(path, []byte(a.format()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, name := range []string{"want-diff", "want-captures", "want-mask"} {
		if want := a.get(name); got[name] != want {
			t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got[name], want)
		}
	}
	if r.OK && Mask(exp, act, known) != joinLines(splitLines(exp)) {
		t.Errorf("matching output: Mask should give the expected text back")
	}
}

func parseCaptures(s string) Captures {
	caps := Captures{}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			caps[k] = v
		}
	}
	return caps
}

func formatCaptures(caps Captures) string {
	var lines []string
	for k, v := range caps {
		lines = append(lines, k+"="+v)
	}
	sort.Strings(lines)
	return joinLines(lines)
}

// archive is a minimal txtar: a comment, then "-- name --" sections.
type archive struct {
	comment string
	names   []string
	data    map[string]string
}

func parseTxtar(s string) archive {
	a := archive{data: map[string]string{}}
	cur := ""
	var b strings.Builder
	flush := func() {
		if cur == "" {
			a.comment = b.String()
		} else {
			a.data[cur] = b.String()
		}
		b.Reset()
	}
	for _, l := range strings.SplitAfter(s, "\n") {
		t := strings.TrimRight(l, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			cur = t[3 : len(t)-3]
			a.names = append(a.names, cur)
			continue
		}
		b.WriteString(l)
	}
	flush()
	return a
}

func (a archive) get(name string) string { return a.data[name] }

func (a *archive) set(name, v string) {
	if _, ok := a.data[name]; !ok {
		a.names = append(a.names, name)
	}
	a.data[name] = v
}

func (a archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, n := range a.names {
		b.WriteString("-- " + n + " --\n")
		b.WriteString(a.data[n])
	}
	return b.String()
}
