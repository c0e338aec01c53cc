package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"replcourse/builder"
	"replcourse/builder/chart"
	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/run"
	"replcourse/builder/topology"
)

// Stale says why r cannot stand for a run of blocks under env, in one line
// per reason; "" means it can. A nil record is stale too, and so is one
// whose recorded results a run would not have accepted (see Results).
func (r *Record) Stale(env Env, blocks []*course.Block) string {
	_, why := r.Use(env, blocks)
	return why
}

// stale compares the keys: the format, the environment and each block's
// key in the chain.
func (r *Record) stale(env Env, blocks []*course.Block) string {
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
			return fmt.Sprintf("%s: this block (%s) changed, or one was added or removed here", b.Pos, what(b))
		}
	}
	return ""
}

// what names a block in messages: its language, node and command, or for
// a diagram block, which has neither node nor command, what it is.
func what(b *course.Block) string {
	if b.Lang == topology.Lang {
		return "the diagram of the stand"
	}
	return fmt.Sprintf("%s on %s: %s", b.Lang, b.Node, b.Command())
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

// Use returns the recorded results of blocks as a run would have returned
// them, or, when r cannot stand for a run of blocks under env, why not
// (see Stale) and nil.
func (r *Record) Use(env Env, blocks []*course.Block) (*run.Results, string) {
	if why := r.stale(env, blocks); why != "" {
		return nil, why
	}
	res, err := r.Results(blocks)
	if err != nil {
		return nil, err.Error()
	}
	return res, ""
}

// Results replays the recorded results of blocks, which r's keys must
// cover (see Stale), through the checks of a live run: each block's
// recorded result goes through run.Verify — its failure declaration and
// exit status, its expected output — with the values captured by the
// blocks before it, and must capture what the record says it captured; the
// probes' series must mark exactly the blocks that sample them. It returns
// the results a run would have returned, or an error naming the first
// block (file:line) or probe whose recorded result a run would not have
// accepted: a record edited by hand, or made by a builder that checked
// differently, is stale rather than shown as verified.
func (r *Record) Results(blocks []*course.Block) (*run.Results, error) {
	if len(r.Blocks) < len(blocks) {
		return nil, fmt.Errorf("the record covers %d blocks, the build %d", len(r.Blocks), len(blocks))
	}
	res := &run.Results{Blocks: map[*course.Block]*course.Result{}, Vars: check.Captures{}, Series: map[*course.Probe]*course.Series{}}
	for i, b := range blocks {
		rr, err := replay(b, r.Blocks[i], res.Vars)
		if err != nil {
			return nil, fmt.Errorf("%s: the recorded result of this block (%s) is not one a run accepts: %v",
				b.Pos, what(b), err)
		}
		res.Blocks[b] = rr
		for k, v := range rr.Captures {
			res.Vars[k] = v
		}
	}
	for _, s := range r.Series {
		p, series, err := s.restore(blocks)
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue // a probe of a chapter this build does not cover
		}
		if res.Series[p] != nil {
			return nil, fmt.Errorf("%s: the record holds two series of probe %s", p.Pos, p.Name)
		}
		res.Series[p] = series
	}
	for _, b := range blocks {
		if p := b.Sample; p != nil && res.Series[p] == nil {
			return nil, fmt.Errorf("%s: the record has no samples of probe %s, which this block samples", b.Pos, p.Name)
		}
	}
	// What the pages say about the run: checkVerified.
	ranSQL := false
	var states []*topology.State
	for _, b := range blocks {
		ranSQL = ranSQL || b.Lang == "sql"
		if b.Lang == topology.Lang {
			st, err := topology.Decode(res.Blocks[b].Output)
			if err != nil { // run.Verify decodes it too: not reached
				return nil, fmt.Errorf("%s: %v", b.Pos, err)
			}
			states = append(states, st)
		}
	}
	if err := r.checkVerified(ranSQL, states); err != nil {
		return nil, fmt.Errorf("the record says what no run writes: %v", err)
	}
	return res, nil
}

// replay checks one recorded result of b as a run would and returns it
// with the captures its expectation makes under vars.
func replay(b *course.Block, rb Block, vars check.Captures) (*course.Result, error) {
	rr := &course.Result{Output: rb.Output, Exit: rb.Exit, Failed: rb.Failed, Duration: rb.Duration,
		Elapsed: rb.Elapsed, Attempts: rb.Attempts}
	switch {
	case b.Lang == "sh" && b.Node != course.Host:
		// Shell blocks fail exactly when bash exits non-zero.
		if rb.Exit < 0 || rb.Exit > 255 || rb.Failed != (rb.Exit != 0) {
			return nil, fmt.Errorf("exit status %d with failed=%t", rb.Exit, rb.Failed)
		}
	case rb.Exit != 0:
		return nil, fmt.Errorf("exit status %d, but only shell blocks have one", rb.Exit)
	case b.Node == course.Host && rb.Failed:
		return nil, errors.New("a lifecycle block that failed, which stops a run")
	}
	switch {
	case rb.Attempts < 1:
		return nil, fmt.Errorf("%d attempts", rb.Attempts)
	case rb.Attempts > 1 && b.Eventually == 0:
		return nil, fmt.Errorf("%d attempts, but only an eventually block is run more than once", rb.Attempts)
	case rb.Duration < 0 || rb.Elapsed < rb.Duration:
		return nil, fmt.Errorf("timing %s of %s elapsed", rb.Duration, rb.Elapsed)
	case len(rb.Output) > run.MaxOutput+64: // the cap, and the note on what was cut
		return nil, fmt.Errorf("an output of %d bytes, more than a run keeps", len(rb.Output))
	}
	if be := run.Verify(b, rr, vars); be != nil {
		if be.Kind == run.KindMismatch {
			return nil, errors.New("its output does not match the expected output")
		}
		return nil, errors.New("it " + be.Msg)
	}
	if !maps.Equal(rr.Captures, rb.Captures) {
		return nil, fmt.Errorf("its output captures %s, the record says %s", showCaptures(rr.Captures), showCaptures(rb.Captures))
	}
	return rr, nil
}

func showCaptures(c map[string]string) string {
	if len(c) == 0 {
		return "nothing"
	}
	var parts []string
	for _, k := range sortedKeys(c) {
		parts = append(parts, k+"="+c[k])
	}
	return strings.Join(parts, ", ")
}

// restore maps a recorded series back to its probe. A probe that no longer
// exists, or that no block among blocks samples, gives nil and no error;
// a series whose marks are not, in order and one each, the blocks that
// sample its probe, or whose times go backwards, is an error.
func (s Series) restore(blocks []*course.Block) (*course.Probe, *course.Series, error) {
	var p *course.Probe
	var sampling []int // indexes of the blocks that sample p, in run order
	for i, b := range blocks {
		if b.Sample != nil && filepath.Base(b.Chapter.File) == s.Chapter && b.Sample.Name == s.Probe {
			p = b.Sample
			sampling = append(sampling, i)
		}
	}
	if p == nil {
		return nil, nil, nil
	}
	bad := func(format string, args ...any) (*course.Probe, *course.Series, error) {
		return nil, nil, fmt.Errorf("%s: the recorded samples of probe %s are not what a run records: %s", p.Pos, p.Name, fmt.Sprintf(format, args...))
	}
	if s.Errors < 0 {
		return bad("%d failed samples", s.Errors)
	}
	if len(s.Points) > 0 && len(s.Columns) == 0 {
		return bad("%d points without columns", len(s.Points))
	}
	for i, c := range s.Columns {
		if c == "" || slices.Contains(s.Columns[:i], c) {
			return bad("columns %q, not the distinct names a query returns", s.Columns)
		}
	}
	if (s.Errors == 0) != (s.FirstError == "") {
		return bad("%d failed samples, first error %q", s.Errors, s.FirstError)
	}
	out := &course.Series{Probe: p, Errors: s.Errors, FirstError: s.FirstError, Columns: s.Columns}
	last := 0.0
	for _, pt := range s.Points {
		if len(pt) != 1+len(s.Columns) {
			return bad("point %v, not a time and %d values", pt, len(s.Columns))
		}
		if pt[0] < last || pt[0] != math.Trunc(pt[0]) || pt[0] >= math.MaxInt64 {
			return bad("point %v after %v", pt, last)
		}
		for _, v := range pt[1:] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return bad("point %v after %v", pt, last)
			}
		}
		last = pt[0]
		out.Points = append(out.Points, course.Point{T: time.Duration(pt[0]), V: slices.Clone(pt[1:])})
	}
	prev := [2]int{0, -1}
	for _, n := range s.Nulls {
		if n[0] < 0 || n[0] >= len(out.Points) || n[1] < 0 || n[1] >= len(s.Columns) ||
			n[0] < prev[0] || (n[0] == prev[0] && n[1] <= prev[1]) || out.Points[n[0]].V[n[1]] != 0 {
			return bad("null %v after %v, not a value of a point in order", n, prev)
		}
		prev = n
		pt := &out.Points[n[0]]
		if pt.Null == nil {
			pt.Null = make([]bool, len(pt.V))
		}
		pt.Null[n[1]] = true
	}
	// A chart draws the samples only when they meet its rules
	// (chart.Check, their one home): samples it cannot draw are not shown
	// as verified from the record, the run that made them is done again.
	if drawn(p, blocks) {
		if err := chart.Check(out); err != nil {
			return bad("%v", err)
		}
	}
	if len(s.Marks) != len(sampling) {
		return bad("%d marks for %d sampled blocks", len(s.Marks), len(sampling))
	}
	var lastMark int64
	for i, m := range s.Marks {
		if m[1] != int64(sampling[i]) || m[0] < lastMark {
			return bad("mark %d is (%d ns, block %d), want block %d no earlier than %d ns", i+1, m[0], m[1], sampling[i], lastMark)
		}
		lastMark = m[0]
		out.Marks = append(out.Marks, course.Mark{T: time.Duration(m[0]), Block: blocks[m[1]]})
	}
	return p, out, nil
}

// drawn reports whether a ```chart block of a chapter of blocks draws p.
func drawn(p *course.Probe, blocks []*course.Block) bool {
	seen := map[*course.Chapter]bool{}
	for _, b := range blocks {
		if ch := b.Chapter; ch != nil && !seen[ch] {
			seen[ch] = true
			if slices.ContainsFunc(ch.Blocks, func(c *course.Block) bool { return c.Chart == p }) {
				return true
			}
		}
	}
	return false
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
	out := Series{Chapter: filepath.Base(p.Pos.File), Probe: p.Name, Errors: s.Errors, FirstError: s.FirstError,
		Columns: slices.Clone(s.Columns), Points: [][]float64{}, Marks: [][2]int64{}}
	if out.Columns == nil {
		out.Columns = []string{}
	}
	for i, pt := range s.Points {
		out.Points = append(out.Points, append([]float64{float64(pt.T)}, pt.V...))
		for c := range pt.V {
			if !pt.Has(c) {
				out.Nulls = append(out.Nulls, [2]int{i, c})
			}
		}
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

// IsRecord reports whether a record may be written at path: nil when
// nothing is there, the file is blank, or it is a record — a JSON object
// with a numeric "format" and a "blocks" list, of this format or another
// (a record this builder cannot read is still its to replace). Anything
// else (a chapter, a directory, a record with a merge conflict in it) is
// an error saying what is there: the builder writes only over records.
func IsRecord(path string) error {
	const what = "a record of verified results"
	fields, err := jsonFields(path, what)
	if err != nil || fields == nil {
		return err
	}
	var format int
	if err := json.Unmarshal(fields["format"], &format); err != nil || fields["blocks"] == nil {
		return errors.New("is not " + what + " (no numeric \"format\" and \"blocks\")")
	}
	return nil
}
