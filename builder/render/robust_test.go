package render

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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
			sr := &course.Series{Probe: b.Sample, Columns: []string{"v"}, Marks: []course.Mark{{T: 0, Block: b}}}
			for i, v := range values {
				sr.Points = append(sr.Points, course.Point{T: time.Duration(i) * 50 * time.Millisecond, V: []float64{v}})
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

// TestCancelledRenderStopsAtOnce: an interrupt that arrives while a
// chapter is rendered stops the build before the next block and the next
// chapter, returns the context's error and leaves no temporary site
// beside public/. The first chapter's prose cancels; every later block
// and chapter would expand {{@v}} if it were rendered. One worker makes
// the order of chapters deterministic.
func TestCancelledRenderStopsAtOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const blocks = "```text\nshown {{@v}}\n```\n\n```text\nshown {{@v}} again\n```\n"
	files := []txtar.File{{Name: "content/01-first.md", Data: []byte("---\ntitle: First\n---\n\nCancel here: {{@stop}}.\n\n" + blocks)}}
	for i := 2; i <= 20; i++ {
		files = append(files, txtar.File{
			Name: fmt.Sprintf("content/%02d-more.md", i),
			Data: []byte(fmt.Sprintf("---\ntitle: More %d\n---\n\nSee {{@v}}.\n\n%s", i, blocks)),
		})
	}
	c := loadFiles(t, files)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	after := 0 // Expand calls for {{@v}} once cancelled
	s := &Site{Course: c, Expand: func(text string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(text, "{{@stop}}") {
			cancel()
		}
		if ctx.Err() != nil && strings.Contains(text, "{{@v}}") {
			after++
		}
		return strings.NewReplacer("{{@stop}}", "stop", "{{@v}}", "v").Replace(text), nil
	}}
	public := filepath.Join(t.TempDir(), "public")
	if err := writeWithin(t, ctx, s, public); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write returned %v, want the context's error", err)
	}
	if after != 0 {
		t.Errorf("%d blocks or chapters rendered after the cancel", after)
	}
	assertOnly(t, filepath.Dir(public))
}
