package record

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"replcourse/builder"
	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/run"
)

// Stale says why r cannot stand for a run of blocks under env, in one line
// per reason; "" means it can. A nil record is stale too.
func (r *Record) Stale(env Env, blocks []*course.Block) string {
	if r == nil {
		return "there is no record yet"
	}
	if r.Format != builder.RecordFormat {
		return fmt.Sprintf("the record has format %d, this builder writes %d", r.Format, builder.RecordFormat)
	}
	var why []string
	if r.Builder != env.Builder {
		why = append(why, "the builder's execution code changed (builder/{check,course,load,psql,run,stand} or their modules)")
	}
	if !slices.Equal(r.Images, env.Images) {
		why = append(why, fmt.Sprintf("the stand's images changed (%s, was %s)", strings.Join(env.Images, ", "), strings.Join(r.Images, ", ")))
	}
	why = append(why, standChanges(r.Stand, env.Stand)...)
	if len(why) > 0 {
		return strings.Join(why, "\n")
	}
	keys := Keys(env, blocks)
	for i, b := range blocks {
		if i >= len(r.Blocks) {
			return fmt.Sprintf("%s: the record stops before this block (it covers %d blocks: a run with -until, or the block is new)", b.Pos, len(r.Blocks))
		}
		if r.Blocks[i].Key != keys[i] {
			return fmt.Sprintf("%s: this block (%s on %s: %s) changed, or one was added or removed here", b.Pos, b.Lang, b.Node, b.Command())
		}
	}
	return ""
}

func standChanges(was, now map[string]string) []string {
	var why []string
	for _, name := range sortedKeys(now) {
		switch old, ok := was[name]; {
		case !ok:
			why = append(why, "stand/"+name+" was added")
		case old != now[name]:
			why = append(why, "stand/"+name+" changed")
		}
	}
	for _, name := range sortedKeys(was) {
		if _, ok := now[name]; !ok {
			why = append(why, "stand/"+name+" was removed")
		}
	}
	return why
}

// Results gives the recorded results of blocks, which r must cover (see
// Stale), as a run would have returned them.
func (r *Record) Results(blocks []*course.Block) *run.Results {
	res := &run.Results{Blocks: map[*course.Block]*course.Result{}, Vars: check.Captures{}, Series: map[*course.Probe]*course.Series{}}
	for i, b := range blocks {
		rb := r.Blocks[i]
		res.Blocks[b] = &course.Result{Output: rb.Output, Exit: rb.Exit, Failed: rb.Failed, Duration: rb.Duration,
			Elapsed: rb.Elapsed, Attempts: rb.Attempts, Captures: rb.Captures}
		for k, v := range rb.Captures {
			res.Vars[k] = v
		}
	}
	for _, s := range r.Series {
		p, series := s.restore(blocks)
		if p != nil {
			res.Series[p] = series
		}
	}
	return res
}

// restore maps a recorded series back to its probe, if the probe still
// exists and every block it marks is among blocks.
func (s Series) restore(blocks []*course.Block) (*course.Probe, *course.Series) {
	var p *course.Probe
	for _, b := range blocks {
		if filepath.Base(b.Chapter.File) == s.Chapter && b.Chapter.Probes[s.Probe] != nil {
			p = b.Chapter.Probes[s.Probe]
			break
		}
	}
	if p == nil {
		return nil, nil
	}
	out := &course.Series{Probe: p, Errors: s.Errors}
	for _, pt := range s.Points {
		out.Points = append(out.Points, course.Point{T: time.Duration(pt[0]), V: pt[1]})
	}
	for _, m := range s.Marks {
		if m[1] < 0 || int(m[1]) >= len(blocks) {
			return nil, nil
		}
		out.Marks = append(out.Marks, course.Mark{T: time.Duration(m[0]), Block: blocks[m[1]]})
	}
	return p, out
}

// Verified is what a run produced, for New.
type Verified struct {
	At     time.Time
	Server string
	Image  string
}

// New records the results of a run of blocks under env.
func New(env Env, blocks []*course.Block, res *run.Results, v Verified) *Record {
	r := &Record{Format: builder.RecordFormat, Builder: env.Builder, Images: env.Images, Stand: env.Stand,
		VerifiedAt: v.At.UTC().Truncate(time.Second), Server: v.Server, Image: v.Image}
	keys := Keys(env, blocks)
	index := map[*course.Block]int{}
	for i, b := range blocks {
		index[b] = i
		rr := res.Blocks[b]
		if rr == nil {
			break // not reached: the record covers the blocks before
		}
		r.Blocks = append(r.Blocks, Block{Chapter: filepath.Base(b.Chapter.File), Line: b.Pos.Line, Key: keys[i],
			Output: rr.Output, Exit: rr.Exit, Failed: rr.Failed, Duration: rr.Duration, Elapsed: rr.Elapsed,
			Attempts: rr.Attempts, Captures: rr.Captures})
	}
	for p, s := range res.Series {
		r.Series = append(r.Series, newSeries(p, s, index))
	}
	slices.SortFunc(r.Series, func(a, b Series) int {
		return strings.Compare(a.Chapter+"\x00"+a.Probe, b.Chapter+"\x00"+b.Probe)
	})
	return r
}

func newSeries(p *course.Probe, s *course.Series, index map[*course.Block]int) Series {
	out := Series{Chapter: filepath.Base(p.Pos.File), Probe: p.Name, Errors: s.Errors,
		Points: [][2]float64{}, Marks: [][2]int64{}}
	for _, pt := range s.Points {
		out.Points = append(out.Points, [2]float64{float64(pt.T), pt.V})
	}
	for _, m := range s.Marks {
		out.Marks = append(out.Marks, [2]int64{int64(m.T), int64(index[m.Block])})
	}
	return out
}

// Timings returns the recorded wall time of each block by its place in the
// run, for an estimate of the time left; a stale record's are good enough.
func (r *Record) Timings() []time.Duration {
	if r == nil {
		return nil
	}
	out := make([]time.Duration, len(r.Blocks))
	for i, b := range r.Blocks {
		out[i] = b.Elapsed
	}
	return out
}
