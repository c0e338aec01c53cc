package run

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"replcourse/builder/course"
)

// maxPoints bounds a series; a probe sampled for longer keeps its first points.
const maxPoints = 10000

// sampler polls one probe in the background while its blocks run.
type sampler struct {
	series *course.Series
	start  time.Time
	mu     sync.Mutex
	stop   chan struct{}
	done   chan struct{}
}

func startSampler(ctx context.Context, st Stand, p *course.Probe) *sampler {
	s := &sampler{
		series: &course.Series{Probe: p},
		start:  time.Now(),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go s.loop(ctx, st)
	return s
}

func (s *sampler) loop(ctx context.Context, st Stand) {
	defer close(s.done)
	p := s.series.Probe
	tick := time.NewTicker(p.Every)
	defer tick.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, max(p.Every*10, time.Second))
		cols, vals, err := st.Sample(qctx, p.Node, p.Query)
		cancel()
		s.record(cols, vals, err)
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// record keeps one sample: the query's column names and one value per
// column, NaN for a NULL (see Stand.Sample). The first sample that
// succeeds fixes the columns; a failed sample, or one whose columns are
// not those (none, or others: the query changed shape), counts as failed,
// and once the columns are known is kept as a point without values: each
// line has a gap there. A NULL leaves a gap in its column's line only.
// The first failure's message is kept in the series.
func (s *sampler) record(cols []string, vals []float64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.series.Columns == nil && len(cols) > 0 {
		s.series.Columns = slices.Clone(cols)
	}
	switch {
	case err == nil && len(cols) == 0:
		err = fmt.Errorf("the query returned no columns")
	case err == nil && len(vals) != len(cols):
		err = fmt.Errorf("the query returned %d values for %d columns", len(vals), len(cols))
	case err == nil && !slices.Equal(cols, s.series.Columns):
		err = fmt.Errorf("the query returned the columns %q, not %q as the first sample that worked", cols, s.series.Columns)
	}
	pt := course.Point{T: time.Since(s.start)}
	if err != nil {
		s.series.Errors++
		if s.series.FirstError == "" {
			s.series.FirstError = err.Error()
		}
		if s.series.Columns == nil {
			return // no line yet to leave a gap in
		}
		pt.V = make([]float64, len(s.series.Columns))
		pt.Null = make([]bool, len(s.series.Columns))
		for i := range pt.Null {
			pt.Null[i] = true
		}
	} else {
		pt.V = slices.Clone(vals)
		for i, v := range pt.V {
			if math.IsNaN(v) {
				if pt.Null == nil {
					pt.Null = make([]bool, len(pt.V))
				}
				pt.Null[i], pt.V[i] = true, 0
			}
		}
	}
	if len(s.series.Points) < maxPoints {
		s.series.Points = append(s.series.Points, pt)
	}
}

// mark notes that b starts now.
func (s *sampler) mark(b *course.Block) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.series.Marks = append(s.series.Marks, course.Mark{T: time.Since(s.start), Block: b})
}

// finish takes one last sample, so the series ends with the state after
// the last sampled block, and stops the loop.
func (s *sampler) finish(ctx context.Context, st Stand) *course.Series {
	close(s.stop)
	<-s.done
	p := s.series.Probe
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	cols, vals, err := st.Sample(qctx, p.Node, p.Query)
	cancel()
	s.record(cols, vals, err)
	return s.series
}

// samplers starts and stops the probes around the blocks that ask for them.
type samplers struct {
	st      Stand
	last    map[*course.Probe]*course.Block // the last block sampling each probe
	running map[*course.Probe]*sampler
	done    map[*course.Probe]*course.Series
}

func newSamplers(st Stand, blocks []*course.Block) *samplers {
	ss := &samplers{st: st, last: map[*course.Probe]*course.Block{},
		running: map[*course.Probe]*sampler{}, done: map[*course.Probe]*course.Series{}}
	for _, b := range blocks {
		if b.Sample != nil {
			ss.last[b.Sample] = b
		}
	}
	return ss
}

func (ss *samplers) before(ctx context.Context, b *course.Block) {
	if b.Sample == nil {
		return
	}
	s := ss.running[b.Sample]
	if s == nil {
		s = startSampler(ctx, ss.st, b.Sample)
		ss.running[b.Sample] = s
	}
	s.mark(b)
}

// after stops b's probe when b is the last block sampling it. A probe that
// took no good sample over its whole span is an error at its first
// sampled block (a *BlockError of KindBroken, with the first sample's
// error): the chart would be empty while the query never worked.
func (ss *samplers) after(ctx context.Context, b *course.Block) error {
	if b.Sample == nil || ss.last[b.Sample] != b {
		return nil
	}
	series := ss.running[b.Sample].finish(ctx, ss.st)
	ss.done[b.Sample] = series
	delete(ss.running, b.Sample)
	if err := series.Failed(); err != nil && ctx.Err() == nil {
		first := b
		if len(series.Marks) > 0 {
			first = series.Marks[0].Block
		}
		return &BlockError{Block: first, Kind: KindBroken, Msg: err.Error()}
	}
	return nil
}

// stopAll ends the probes still running after a failure.
func (ss *samplers) stopAll(ctx context.Context) {
	for p, s := range ss.running {
		ss.done[p] = s.finish(ctx, ss.st)
		delete(ss.running, p)
	}
}
