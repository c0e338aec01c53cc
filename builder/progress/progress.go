// Package progress tells the author where a build is. On a terminal it
// keeps one live status line — chapter, block n/m, node, elapsed time and
// an estimate of the time left — below the build's log; elsewhere (CI, a
// pipe) it prints one plain line per chapter. With verbose, each block's
// output is printed as it completes, in both modes.
package progress

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"replcourse/builder/course"
)

// refresh is how often the live line redraws its clock.
const refresh = 500 * time.Millisecond

// Options configures a Printer.
type Options struct {
	Live    bool            // draw a status line (the writer is a terminal)
	Width   int             // terminal columns; 0 means 80
	Verbose bool            // print each block's output
	Prior   []time.Duration // each block's wall time in an earlier run, for the estimate
}

// Printer reports a run's progress on w. Use it as the run's OnBlock, and
// as the writer of everything else the build logs, so that the live line
// stays below the log. Close it when the run ends.
type Printer struct {
	w   io.Writer
	opt Options
	now func() time.Time

	mu         sync.Mutex
	start      time.Time
	i, n       int
	block      *course.Block
	blockStart time.Time
	chapter    *course.Chapter
	done       time.Duration // wall time of the completed blocks
	completed  int           // how many blocks completed
	running    bool          // block i has started and not completed
	drawn      bool          // the status line is on screen
	ticker     *time.Ticker
	stop       chan struct{}
	stopped    chan struct{}
}

// New returns a Printer writing to w.
func New(w io.Writer, opt Options) *Printer {
	if opt.Width <= 0 {
		opt.Width = 80
	}
	return &Printer{w: w, opt: opt, now: time.Now}
}

// OnBlock has the signature of run.Options.OnBlock: r is nil before block
// i of n runs, and its result after.
func (p *Printer) OnBlock(i, n int, b *course.Block, r *course.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.start.IsZero() {
		p.start = now
		p.startClock()
	}
	p.i, p.n, p.block, p.running = i, n, b, r == nil
	if r == nil {
		p.blockStart = now
		if b.Chapter != p.chapter {
			p.chapter = b.Chapter
			if !p.opt.Live {
				fmt.Fprintf(p.w, "chapter %s (block %d/%d)\n", filepath.Base(b.Chapter.File), i+1, n)
			}
		}
		p.draw()
		return
	}
	p.done += now.Sub(p.blockStart)
	p.completed++
	if p.opt.Verbose {
		p.clear()
		fmt.Fprintf(p.w, "  %s [%s] %s (%s)\n%s", b.Pos, b.Node, b.Command(), r.Duration.Round(time.Millisecond), r.Output)
		if r.Output != "" && !strings.HasSuffix(r.Output, "\n") {
			fmt.Fprintln(p.w)
		}
	}
	p.draw()
}

// Write passes the build's other log lines through, above the live line.
func (p *Printer) Write(data []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.w.Write(data)
	if len(data) > 0 && data[len(data)-1] == '\n' {
		p.draw()
	}
	return n, err
}

// Close stops the clock and removes the live line.
func (p *Printer) Close() {
	p.mu.Lock()
	stop, stopped := p.stop, p.stopped
	p.stop = nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// startClock redraws the live line while a long block runs; p.mu is held.
func (p *Printer) startClock() {
	if !p.opt.Live {
		return
	}
	p.ticker = time.NewTicker(refresh)
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go func(t *time.Ticker, stop, stopped chan struct{}) {
		defer close(stopped)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}(p.ticker, p.stop, p.stopped)
}

// draw rewrites the live line; p.mu is held.
func (p *Printer) draw() {
	if !p.opt.Live || p.block == nil {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s", clip(p.Status(), p.opt.Width-1))
	p.drawn = true
}

func (p *Printer) clear() {
	if p.drawn {
		io.WriteString(p.w, "\r\033[K")
		p.drawn = false
	}
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

// Status is the live line's text: where the run is, how long it has taken
// and about how long it will still take.
func (p *Printer) Status() string {
	now := p.now()
	s := fmt.Sprintf("%s · block %d/%d · %s · %s", filepath.Base(p.block.Chapter.File), p.i+1, p.n, p.block.Node,
		round(now.Sub(p.start)))
	if left, ok := p.left(now); ok {
		s += " · about " + round(left) + " left"
	}
	return s
}

// left estimates the time still needed: an earlier run's time for each
// block still to come where known, else the mean of the blocks done so far.
func (p *Printer) left(now time.Time) (time.Duration, bool) {
	var mean time.Duration
	if p.completed > 0 {
		mean = p.done / time.Duration(p.completed)
	}
	estimate := func(k int) (time.Duration, bool) {
		if k < len(p.opt.Prior) && p.opt.Prior[k] > 0 {
			return p.opt.Prior[k], true
		}
		return mean, p.completed > 0
	}
	var left time.Duration
	if p.running {
		d, ok := estimate(p.i)
		if !ok {
			return 0, false
		}
		left = max(d-now.Sub(p.blockStart), 0)
	}
	for k := p.i + 1; k < p.n; k++ {
		d, ok := estimate(k)
		if !ok {
			return 0, false
		}
		left += d
	}
	return left, true
}

func round(d time.Duration) string {
	return d.Round(time.Second).String()
}
