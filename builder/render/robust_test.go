package render

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
)

// probeChapter has a probe "lag" sampled by one block and drawn by a
// chart block at line 15.
const probeChapter = `---
title: Lag
probes:
  lag:
    node: primary
    every: 50ms
    query: SELECT 1.7e308::float8
    label: replay lag (bytes)
---

` + "```sql {node=primary sample=lag nocompare=\"x\"}" + `
SELECT 1;
` + "```" + `

` + "```chart {probe=lag}" + `
` + "```" + `
`

// probeSite is probeChapter with the given samples.
func probeSite(t *testing.T, values ...float64) *Site {
	t.Helper()
	c := loadFiles(t, []txtar.File{{Name: "content/01-lag.md", Data: []byte(probeChapter)}})
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{}, Series: map[*course.Probe]*course.Series{}}
	for _, b := range c.Blocks() {
		if b.Run {
			s.Results[b] = &course.Result{Output: " ?column? \n----------\n        1\n(1 row)\n"}
		}
		if b.Sample != nil {
			sr := &course.Series{Probe: b.Sample, Marks: []course.Mark{{T: 0, Block: b}}}
			for i, v := range values {
				sr.Points = append(sr.Points, course.Point{T: time.Duration(i) * 50 * time.Millisecond, V: v})
			}
			s.Series[b.Sample] = sr
		}
	}
	return s
}

// writeWithin runs Write in a goroutine and fails the test if it has not
// returned after a generous bound, rather than hanging the test binary.
func writeWithin(t *testing.T, ctx context.Context, s *Site, public string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Write(ctx, s, public)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("Write did not return")
		return nil
	}
}

// TestHugeSampleIsAnErrorAtTheChart: a probe value the chart cannot draw
// (here 1.7e308 bytes, whose axis top overflows to +Inf) stops the build
// with an error at the chart block, promptly, leaving no temporary site.
func TestHugeSampleIsAnErrorAtTheChart(t *testing.T) {
	s := probeSite(t, 0, 1.7e308, 0)
	public := filepath.Join(t.TempDir(), "public")
	err := writeWithin(t, context.Background(), s, public)
	var ce *course.Error
	if !errors.As(err, &ce) || ce.Pos.Line != 15 || !strings.HasSuffix(ce.Pos.File, "01-lag.md") {
		t.Fatalf("error %v, want one at 01-lag.md:15", err)
	}
	if !strings.Contains(err.Error(), `chart of probe "lag": the sample at 0.05 s is 1.7e+308`) {
		t.Errorf("error %q does not name the probe and the sample", err)
	}
	assertOnly(t, filepath.Dir(public))
	// A drawable series renders.
	if err := writeWithin(t, context.Background(), probeSite(t, 0, 9<<20, 0), public); err != nil {
		t.Fatal(err)
	}
}
