// Package run walks the blocks of a course in order, sends each to its node,
// compares what came back with the expected output, and records the real
// output. It knows nothing about Docker (the Stand interface hides it) and
// nothing about HTML.
package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/topology"
)

// Stand is what the runner needs from the containers.
type Stand interface {
	// SQL runs a script in the long-lived session of node and user (""
	// for the service's own user) and writes psql's output; errored
	// reports an ERROR raised by a statement.
	SQL(ctx context.Context, node, user, script string, w io.Writer) (errored bool, err error)
	// Shell runs a bash script inside node's container as user.
	Shell(ctx context.Context, node, user, script string, timeout time.Duration, w io.Writer) (exit int, err error)
	// Host performs a lifecycle step and writes the resulting states.
	Host(ctx context.Context, step course.HostStep, w io.Writer) error
	// Logs returns the last n lines of node's log.
	Logs(ctx context.Context, node string, n int) string
	// Sample runs a probe's query on node outside the node's session and
	// returns its first row: the columns' names and one number each,
	// NaN for a NULL.
	Sample(ctx context.Context, node, query string) (columns []string, values []float64, err error)
}

// MaxOutput caps what one block may print; the rest is cut with a note (the
// comparison then fails, but memory stays bounded).
const MaxOutput = 4 << 20

// pollEvery is the pause between two attempts of an eventually block.
const pollEvery = 200 * time.Millisecond

// retryBound bounds, in a Past run, a block on a node whose previous
// block timed out: a node that does not answer (a server that never came
// up on this version) would otherwise cost every later block its whole
// timeout.
const retryBound = 10 * time.Second

// Options tunes a run.
type Options struct {
	// Until stops after the chapter with this number (0: run all).
	Until int
	// OnBlock is called before (r == nil) and after each executed block.
	OnBlock func(i, n int, b *course.Block, r *course.Result)
	// KeepGoing continues past output mismatches, as updating the
	// expectations needs: each is kept in Results.Mismatches with the
	// expected text rewritten from the real output (BlockError.Masked), and
	// the values that rewritten text captures flow into later blocks.
	// Any other failure still stops the run.
	KeepGoing bool
	// Version is the PostgreSQL major version the stand runs, for a run
	// on a version other than the main one (0: the main version). Each
	// block is compared against its alternative for Version when it has
	// one (course.Block.ExpectedFor), and a block marked since= a later
	// version is skipped and listed in Results.Skipped.
	Version int
	// Past goes past every failure of a block, as the version matrix
	// needs: a mismatch, an unexpected error or success, a timeout, a
	// node gone. Each is kept in Results.Failures and the run goes on
	// with the next block. A mismatch's captures are read from the real
	// output as KeepGoing reads them; a block that failed otherwise
	// captures nothing, and a later block that uses one of its values
	// fails, without running, saying so. Only an interrupt stops it.
	Past bool
}

// Results maps each executed block to what it produced; Vars holds every
// value captured by a placeholder, for prose; Series what each probe sampled.
type Results struct {
	Blocks map[*course.Block]*course.Result
	Vars   check.Captures
	Series map[*course.Probe]*course.Series
	// Mismatches are the blocks a KeepGoing run went past, in order.
	Mismatches []*BlockError
	// Failures are the blocks a Past run went past, in order; a block
	// that did not run for want of a value has no entry in Blocks.
	Failures []*BlockError
	// Skipped are the blocks a run on Options.Version did not run because
	// they are marked since= a later version, in order.
	Skipped []*course.Block
}

// Run executes the course's blocks in document order on st. It stops at the
// first failure and returns it as a *BlockError (with what ran so far).
func Run(ctx context.Context, st Stand, c *course.Course, opt Options) (*Results, error) {
	res := &Results{Blocks: map[*course.Block]*course.Result{}, Vars: check.Captures{}}
	blocks := runnable(c, opt.Until)
	ss := newSamplers(st, blocks)
	defer func() { res.Series = ss.done }()
	defer ss.stopAll(context.WithoutCancel(ctx))
	capturedBy := map[string]*course.Block{}
	// silent holds, in a Past run, the blocks of each node that timed out
	// in a row since the last host step: after one, the node's next block
	// runs within retryBound; after two, the node's blocks are not run
	// (each a failure saying why) until a host step changes the stand.
	silent := map[string][]*course.Block{}
	for i, b := range blocks {
		want, _ := b.ExpectedFor(opt.Version)
		for _, name := range check.CaptureNames(want) {
			if _, ok := capturedBy[name]; !ok {
				capturedBy[name] = b
			}
		}
		if b.SkippedOn(opt.Version) {
			res.Skipped = append(res.Skipped, b)
			continue
		}
		if opt.OnBlock != nil {
			opt.OnBlock(i, len(blocks), b, nil)
		}
		var bound time.Duration
		if opt.Past {
			if be := missingValue(b, want, res.Vars, capturedBy); be != nil {
				res.Failures = append(res.Failures, be)
				continue
			}
			if t := silent[b.Node]; len(t) >= 2 {
				res.Failures = append(res.Failures, &BlockError{Block: b, Kind: KindBroken,
					Msg: fmt.Sprintf("did not run: %s did not answer the blocks at %s and %s within their bounds, and no host step has changed the stand since", b.Node, t[0].Pos, t[1].Pos)})
				continue
			} else if len(t) == 1 {
				bound = retryBound
			}
		}
		ss.before(ctx, b)
		r, err := runBlockWithin(ctx, st, b, want, res.Vars, bound)
		if perr := ss.after(ctx, b); perr != nil && err == nil {
			err = perr
		}
		if opt.Past {
			var be *BlockError
			switch {
			case b.Node == course.Host:
				clear(silent)
			case errors.As(err, &be) && be.TimedOut:
				silent[b.Node] = append(silent[b.Node], b)
			default:
				delete(silent, b.Node)
			}
		}
		if (opt.KeepGoing || opt.Past) && keepGoing(b, want, r, err, res.Vars) {
			res.Mismatches = append(res.Mismatches, err.(*BlockError))
			if opt.Past {
				res.Failures = append(res.Failures, err.(*BlockError))
			}
			err = nil
		}
		var be *BlockError
		if opt.Past && errors.As(err, &be) && ctx.Err() == nil {
			res.Failures = append(res.Failures, be)
			err = nil
			if r != nil {
				r.Captures = nil // a block that failed captures nothing
			}
		}
		if r != nil {
			res.Blocks[b] = r
			for k, v := range r.Captures {
				res.Vars[k] = v
			}
		}
		if opt.OnBlock != nil && r != nil {
			opt.OnBlock(i, len(blocks), b, r)
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// keepGoing reports whether err is a mismatch a KeepGoing run goes past;
// if so it sets the rewritten expectation and the captures it makes, as
// if the block had matched it.
func keepGoing(b *course.Block, want string, r *course.Result, err error, vars check.Captures) bool {
	be, ok := err.(*BlockError)
	if !ok || be.Kind != KindMismatch || r == nil {
		return false
	}
	be.Masked = check.Mask(want, r.Output, vars)
	if m := check.Match(be.Masked, r.Output, vars); m.OK {
		r.Captures = m.Captures
	}
	return true
}

// Blocks returns the blocks a run with this until executes, in order.
func Blocks(c *course.Course, until int) []*course.Block { return runnable(c, until) }

func runnable(c *course.Course, until int) []*course.Block {
	var out []*course.Block
	for _, ch := range c.Chapters {
		if until > 0 && ch.Number > until {
			break
		}
		for _, b := range ch.Blocks {
			// A diagram block runs too: it draws the stand as it is
			// at that point, and its output is the drawing's state.
			if b.Run || b.Lang == topology.Lang {
				out = append(out, b)
			}
		}
	}
	return out
}

// missingValue is the error of a block whose code or expected output want
// uses a value no earlier block captured in this run (the block that
// captures it, capturedBy, failed or was skipped); nil when every value is
// there.
func missingValue(b *course.Block, want string, vars check.Captures, capturedBy map[string]*course.Block) *BlockError {
	for _, name := range append(check.References(b.Code), check.References(want)...) {
		if _, ok := vars[name]; ok {
			continue
		}
		msg := fmt.Sprintf("did not run: it uses {{@%s}}, which no earlier block captured in this run", name)
		if by := capturedBy[name]; by != nil && by != b {
			msg = fmt.Sprintf("did not run: it uses {{@%s}}, which the block at %s captures, and that block failed or was skipped in this run", name, by.Pos)
		}
		return &BlockError{Block: b, Kind: KindBroken, Msg: msg}
	}
	return nil
}

// runBlockWithin runs b until its output matches want (b's expected output
// on the run's version), at most once unless it is an eventually block,
// which is re-run until it matches or its bound passes; each attempt, and
// an eventually block's whole wait, is bounded by bound as well when it is
// not 0.
func runBlockWithin(ctx context.Context, st Stand, b *course.Block, want string, vars check.Captures, bound time.Duration) (*course.Result, error) {
	code, err := check.Substitute(b.Code, vars)
	if err != nil {
		return nil, &BlockError{Block: b, Msg: err.Error()}
	}
	var deadline time.Time
	if b.Eventually > 0 {
		wait := b.Eventually
		if bound > 0 {
			wait = min(wait, bound)
		}
		deadline = time.Now().Add(wait)
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		r, err := attemptBlock(ctx, st, b, code, bound)
		if r != nil {
			r.Attempts, r.Elapsed = attempt, time.Since(start)
		}
		if err != nil {
			return r, withLogs(ctx, st, b, err)
		}
		berr := verify(b, r, want, vars)
		if berr == nil || deadline.IsZero() || time.Now().After(deadline) {
			if berr != nil && !deadline.IsZero() {
				berr.Msg += fmt.Sprintf(" (still, after %d attempts over %s)", attempt, b.Eventually)
			}
			if berr != nil {
				return r, withLogs(ctx, st, b, berr)
			}
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-tick.C:
		}
	}
}

// attemptBlock runs the block once within its timeout.
func attemptBlock(ctx context.Context, st Stand, b *course.Block, code string, bound time.Duration) (*course.Result, error) {
	timeout := blockTimeout(b, code)
	if bound > 0 {
		timeout = min(timeout, bound)
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := &capped{limit: MaxOutput}
	r := &course.Result{}
	start := time.Now()
	var err error
	switch {
	case b.Lang == topology.Lang:
		err = runDiagram(actx, st, out)
	case b.Node == course.Host:
		err = runHost(actx, st, code, out)
	case b.Lang == "sql":
		r.Failed, err = st.SQL(actx, b.Node, b.User, code, out)
	default:
		r.Exit, err = st.Shell(actx, b.Node, b.User, code, b.Timeout, out)
		r.Failed = r.Exit != 0
	}
	r.Duration = time.Since(start)
	r.Output = out.String()
	if err != nil {
		if errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			msg := fmt.Sprintf("timed out after %s", timeout)
			if bound > 0 && timeout == bound {
				msg += " (bounded so: the block before it on this node timed out too)"
			}
			return r, &BlockError{Block: b, Msg: msg, Output: r.Output, TimedOut: true}
		}
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		return r, &BlockError{Block: b, Msg: err.Error(), Output: r.Output}
	}
	return r, nil
}

// blockTimeout is how long one attempt of b may take: its timeout, except
// for a host block that sets no timeout=. The stand bounds each host step
// by phase (the compose operation, then the services' readiness) and
// reports one that passes its bound with the containers' state and log;
// course.HostTimeout leaves it the time to, where the default for SQL and
// shell blocks would cut a slow `up` short with nothing to show.
func blockTimeout(b *course.Block, code string) time.Duration {
	if b.Node != course.Host {
		return b.Timeout
	}
	if _, set := b.Attrs["timeout"]; set {
		return b.Timeout
	}
	steps, err := course.ParseHostSteps(code)
	if err != nil {
		return b.Timeout // runHost reports the error
	}
	return max(b.Timeout, course.HostTimeout(steps))
}

func runHost(ctx context.Context, st Stand, code string, w io.Writer) error {
	steps, err := course.ParseHostSteps(code)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if err := st.Host(ctx, s, w); err != nil {
			return err
		}
	}
	return nil
}

// Verify checks a result of b — a recorded one, say — exactly as a run
// checks the block's last attempt: the failure declaration, then the
// expected output under vars, the values captured by the blocks before.
// On success r.Captures holds what the expectation captures; on failure
// the *BlockError says why, as a run would have reported it.
func Verify(b *course.Block, r *course.Result, vars check.Captures) *BlockError {
	return verify(b, r, b.Expected, vars)
}

// VerifyOn is Verify on PostgreSQL major version v: against b's
// alternative for v when it has one.
func VerifyOn(b *course.Block, r *course.Result, v int, vars check.Captures) *BlockError {
	want, _ := b.ExpectedFor(v)
	return verify(b, r, want, vars)
}

// verify checks the failure declaration and the expected output want.
func verify(b *course.Block, r *course.Result, want string, vars check.Captures) *BlockError {
	switch {
	case r.Failed && !b.Fails:
		what := "raised an error"
		if b.Lang == "sh" {
			what = fmt.Sprintf("exited with status %d", r.Exit)
		}
		return &BlockError{Block: b, Kind: KindUnexpectedError, Msg: what + " (add fails=true if that is what the chapter shows)", Output: r.Output}
	case !r.Failed && b.Fails:
		return &BlockError{Block: b, Kind: KindUnexpectedSuccess, Msg: "was declared fails=true but succeeded", Output: r.Output}
	}
	if b.Lang == topology.Lang {
		// A diagram's output is the state it draws: a recorded one that
		// does not read as one (a record edited by hand) is no result.
		if _, err := topology.Decode(r.Output); err != nil {
			return &BlockError{Block: b, Msg: "the output is not a diagram's state: " + err.Error(), Output: r.Output}
		}
		return nil
	}
	if !b.HasExpected {
		return nil
	}
	m := check.Match(want, r.Output, vars)
	if !m.OK {
		return &BlockError{Block: b, Kind: KindMismatch, Msg: "output does not match the expected output", Diff: m.Diff, Output: r.Output}
	}
	r.Captures = m.Captures
	return nil
}

func withLogs(ctx context.Context, st Stand, b *course.Block, err error) error {
	var be *BlockError
	if !errors.As(err, &be) || b.Node == course.Host || b.Node == "" {
		return err
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	be.Logs = st.Logs(lctx, b.Node, 15)
	return be
}

// BlockError is a block that failed verification or could not run.
type BlockError struct {
	Block  *course.Block
	Kind   Kind   // what kind of failure: reports and callers decide by it, never by Msg
	Msg    string // what went wrong
	Output string // the actual (possibly partial) output
	Diff   string // expected/actual unified diff, for a mismatch
	Logs   string // the node's last log lines
	// Masked is the expected text rewritten from the actual output
	// (check.Mask), set for the mismatches a KeepGoing run goes past.
	Masked string
	// TimedOut says an attempt passed its timeout (Kind is KindBroken).
	TimedOut bool
}

// Kind classifies a BlockError.
type Kind int

const (
	// KindBroken: the block could not run to its end as written (a timeout,
	// a node gone, a result too large to verify, the stand failing).
	KindBroken Kind = iota
	// KindMismatch: the output differs from the expected output.
	KindMismatch
	// KindUnexpectedError: the block failed without fails=true.
	KindUnexpectedError
	// KindUnexpectedSuccess: the block was declared fails=true and succeeded.
	KindUnexpectedSuccess
)

// Verdict reports whether the block ran to its end and its result
// contradicts the chapter (a mismatch, or an error or success other than
// the one declared), as opposed to a block that could not run.
func (e *BlockError) Verdict() bool { return e.Kind != KindBroken }

func (e *BlockError) Error() string {
	b := e.Block
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %s block on %s: %s\n", b.Pos, b.Lang, b.Node, e.Msg)
	fmt.Fprintf(&s, "  command: %s\n", b.Command())
	if e.Diff != "" {
		s.WriteString(e.Diff)
		if !strings.HasSuffix(e.Diff, "\n") {
			s.WriteByte('\n')
		}
	} else if e.Output != "" {
		s.WriteString("  output:\n")
		s.WriteString(indent(e.Output, "    "))
	}
	if strings.TrimSpace(e.Logs) != "" {
		fmt.Fprintf(&s, "  last log lines of %s:\n%s", b.Node, indent(e.Logs, "    "))
	}
	return strings.TrimRight(s.String(), "\n")
}

func indent(text, prefix string) string {
	text = strings.TrimRight(text, "\n")
	return prefix + strings.ReplaceAll(text, "\n", "\n"+prefix) + "\n"
}

// capped is a buffer that keeps at most limit bytes.
type capped struct {
	buf   strings.Builder
	limit int
	cut   int
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if room >= len(p) {
		c.buf.Write(p)
	} else {
		c.buf.Write(p[:max(room, 0)])
		c.cut += len(p) - max(room, 0)
	}
	return len(p), nil
}

func (c *capped) String() string {
	if c.cut > 0 {
		return c.buf.String() + fmt.Sprintf("\n[output cut: %d more bytes]\n", c.cut)
	}
	return c.buf.String()
}
