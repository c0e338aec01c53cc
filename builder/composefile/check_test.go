package composefile

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"replcourse/builder/course"
)

// chapter builds a one-chapter course from blocks given as
// (line, lang, node, code).
type blk struct {
	line       int
	lang, node string
	code       string
}

func courseOf(blocks []blk, probes ...*course.Probe) *course.Course {
	ch := &course.Chapter{File: "content/01-a.md", Probes: map[string]*course.Probe{}}
	for _, b := range blocks {
		ch.Blocks = append(ch.Blocks, &course.Block{Chapter: ch, Pos: course.Pos{File: ch.File, Line: b.line}, Lang: b.lang, Node: b.node, Code: b.code, Run: true})
	}
	for _, p := range probes {
		ch.Probes[p.Name] = p
	}
	return &course.Course{Chapters: []*course.Chapter{ch}}
}

func TestCheck(t *testing.T) {
	m, err := Load(context.Background(), "testdata", filepath.Join("testdata", "anchors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join("testdata", "anchors.yaml")
	probe := func(node string) *course.Probe {
		return &course.Probe{Name: "lag", Node: node, Pos: course.Pos{File: "content/01-a.md", Line: 3}}
	}
	for _, tc := range []struct {
		name   string
		blocks []blk
		probes []*course.Probe
		want   string // "" for no error
	}{
		{"every node", []blk{
			{10, "sh", "host", "docker compose up -d pg1 pg2\ndocker compose --profile later up -d pg3"},
			{20, "sql", "pg1", "SELECT 1;"}, {30, "sql", "pg2", "SELECT 1;"}, {40, "sql", "pg3", "SELECT 1;"},
			{50, "sh", "helper", "echo hi"},
		}, []*course.Probe{probe("pg2")}, ""},
		{"missing service", []blk{{12, "sql", "replica", "SELECT 1;"}}, nil,
			`content/01-a.md:12: node "replica" is not a service of ` + f + `; nodes: helper, pg1, pg2, pg3, host`},
		{"near miss", []blk{{12, "sh", "pg4", "true"}}, nil,
			`content/01-a.md:12: node "pg4" is not a service of ` + f + ` (did you mean "pg1"?); nodes: helper, pg1, pg2, pg3, host`},
		{"sql on a service publishing no port", []blk{{7, "sql", "helper", "SELECT 1;"}}, nil,
			`content/01-a.md:7: sql blocks on helper connect to port 5432 of helper, which ` + f + ` does not publish (add ports: ["127.0.0.1::5432"] to service helper)`},
		{"shell on it is fine", []blk{{7, "sh", "helper", "true"}}, nil, ""},
		{"host step naming a missing service", []blk{{10, "sh", "host", "# start\ndocker compose up -d pg1\ndocker compose stop pg9"}}, nil,
			`content/01-a.md:13: node "pg9" is not a service of ` + f + ` (did you mean "pg1"?); nodes: helper, pg1, pg2, pg3`},
		{"host step naming a missing profile", []blk{{10, "sh", "host", "docker compose --profile logical up -d"}}, nil,
			`content/01-a.md:11: no service of ` + f + ` is in profile "logical"; profiles: later`},
		{"probe on a missing service", nil, []*course.Probe{probe("primary")},
			`content/01-a.md:3: node "primary" is not a service of ` + f + `; nodes: helper, pg1, pg2, pg3`},
		{"probe on host", nil, []*course.Probe{probe("host")},
			`content/01-a.md:3: a probe runs a query on a service, not on host (services of ` + f + `: helper, pg1, pg2, pg3)`},
		{"probe on a service without its port", nil, []*course.Probe{probe("helper")},
			`content/01-a.md:3: probe lag queries port 5432 of helper, which ` + f + ` does not publish (add ports: ["127.0.0.1::5432"] to service helper)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := m.Check(courseOf(tc.blocks, tc.probes...))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *course.Error", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

// A display block (no node) is not the stand's business.
func TestCheckIgnoresDisplayBlocks(t *testing.T) {
	m := parse(t, "services:\n  db:\n    image: x\n")
	c := courseOf(nil)
	c.Chapters[0].Blocks = append(c.Chapters[0].Blocks, &course.Block{Lang: "yaml", Code: "a: b"})
	if err := m.Check(c); err != nil {
		t.Fatal(err)
	}
}
