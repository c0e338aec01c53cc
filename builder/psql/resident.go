package psql

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Client runs describe commands through the node's own psql.
type Client interface {
	// Describe runs one describe command as
	//
	//	env PGOPTIONS='-c search_path=…' psql -X -U USER -d DB -P expanded=… -c LINE
	//
	// would, and writes what that psql prints, stdout and stderr merged in
	// the order written, to w. failed is psql's non-zero exit status
	// for -c: the command failed, and its message is in the output. err
	// is for a psql that could not run or did not finish: ctx done, psql
	// ended or hung, or output past d.Limit (ErrOutputTooLarge); then
	// nothing is written.
	Describe(ctx context.Context, d DescribeCommand, w io.Writer) (failed bool, err error)
}

// DescribeCommand is one describe command and the session settings it
// runs with.
type DescribeCommand struct {
	User, Database string // psql's -U and -d
	SearchPath     string // current_setting('search_path') of the session
	Expanded       string // \x: "on", "off" or "auto"
	Line           string // the command, arguments quoted for psql: `\d+ orders`
	Limit          int    // most bytes of output taken; more is ErrOutputTooLarge
}

// ErrOutputTooLarge is a describe command whose output passed its limit.
var ErrOutputTooLarge = errors.New("output too large")

// Program is one program running in the node's container with its standard
// input attached, as a Starter starts it.
type Program interface {
	// Write writes to the program's standard input.
	Write(p []byte) (int, error)
	// Read reads the program's standard output and standard error, merged
	// in the order written (one pipe for both, as 2>&1 makes it), and
	// io.EOF once the program has ended.
	Read(p []byte) (int, error)
	// Exit waits, within ctx, for the exit status of a program whose
	// output has ended.
	Exit(ctx context.Context) (int, error)
	// Kill ends the program at once (SIGKILL) if it is still running.
	Kill(ctx context.Context) error
	// Close closes the program's standard input and the connection to it:
	// a program waiting for input ends, and Read returns. It may be called
	// while Read blocks.
	Close() error
}

// Starter starts argv in the node's container as the postgres
// operating-system user.
type Starter func(ctx context.Context, argv []string) (Program, error)

// Resident is a Client that keeps one psql running per user and database
// (one at a time) and hands it describe commands on its standard input:
// starting a psql in a container costs tens of milliseconds, a command
// given to a running one a few. Each command goes as
//
//	\echo MARKER-ready
//	\set QUIET on                                   ┐ only when the
//	SELECT pg_catalog.set_config('search_path', …)  │ search_path or \x
//	\pset expanded on|off|auto                      │ differs from what
//	\set QUIET off                                  ┘ this psql has
//	\d+ orders
//	\echo MARKER-done
//
// with a fresh random MARKER, and its output is what psql prints between
// the two marker lines. psql reads its input with the same scanner as -c,
// prints messages to stderr without a "psql:" prefix when its input is
// not a file named with -f, and flushes stdout before reading each line,
// so stdout and stderr (one pipe) come in the order -c and `psql < file`
// print them. ON_ERROR_STOP is on: a command that fails (what makes
// psql -c exit 1) ends this psql with exit status 3 after its message,
// which is how a failure is told from a success that also writes to
// stderr, such as \dt NOPATTERN's "Did not find any relation named".
//
// A psql that ended is started anew at the next command; one found ended
// before it read a command is replaced and the command given to the new
// one. A psql still running when ctx is done, or writing past the limit,
// is killed. Describe and Close may be called from different goroutines.
type Resident struct {
	start Starter

	mu     sync.Mutex // held for a whole Describe
	p      *running
	closed bool
}

// NewResident returns a Resident that starts its psql with start at the
// first command.
func NewResident(start Starter) *Resident { return &Resident{start: start} }

// running is one started psql.
type running struct {
	prog           Program
	user, database string
	chunks         chan chunk    // from the reader, closed after the chunk with the error
	stop           chan struct{} // closed to end the reader
	ended          bool          // the reader reported the end of the output
	used           bool          // a command has completed
	searchPath     string        // set in psql's session, once pathSet
	pathSet        bool
	expanded       string // psql's \x
}

type chunk struct {
	b   []byte
	err error
}

// exitUser is psql's exit status when ON_ERROR_STOP stops a script.
const exitUser = 3

// killTimeout bounds killing a psql once the command's ctx is done.
const killTimeout = 30 * time.Second

// errEndedIdle is a psql that ended before it read the command given to it.
var errEndedIdle = errors.New("psql had ended before the command")

// Describe implements Client.
func (r *Resident) Describe(ctx context.Context, d DescribeCommand, w io.Writer) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false, errors.New("psql: closed")
	}
	for retried := false; ; retried = true {
		if r.p != nil && (r.p.ended || r.p.user != d.User || r.p.database != d.Database) {
			r.p.close()
			r.p = nil
		}
		if r.p == nil {
			argv := []string{"psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", d.User, "-d", d.Database}
			prog, err := r.start(ctx, argv)
			if err != nil {
				return false, fmt.Errorf("starting psql: %w", err)
			}
			r.p = newRunning(prog, d.User, d.Database)
		}
		out, failed, err := r.p.run(ctx, d)
		if errors.Is(err, errEndedIdle) && !retried {
			continue
		}
		if err != nil || r.p.ended {
			r.p.close()
			r.p = nil
		}
		if err != nil {
			return false, err
		}
		_, err = w.Write(out)
		return failed, err
	}
}

// Close ends the psql, if one runs: it reads the end of its input.
func (r *Resident) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.p != nil {
		r.p.close()
		r.p = nil
	}
	return nil
}

func newRunning(prog Program, user, database string) *running {
	p := &running{prog: prog, user: user, database: database, expanded: "off",
		chunks: make(chan chunk), stop: make(chan struct{})}
	go p.read()
	return p
}

// read passes the program's output on in chunks until it ends or p is closed.
func (p *running) read() {
	defer close(p.chunks)
	for {
		b := make([]byte, 32<<10)
		n, err := p.prog.Read(b)
		if n > 0 {
			select {
			case p.chunks <- chunk{b: b[:n]}:
			case <-p.stop:
				return
			}
		}
		if err != nil {
			select {
			case p.chunks <- chunk{err: err}:
			case <-p.stop:
			}
			return
		}
	}
}

func (p *running) close() {
	close(p.stop)
	_ = p.prog.Close()
}

// kill ends a psql whose command cannot be finished.
func (p *running) kill(ctx context.Context) {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), killTimeout)
	defer cancel()
	_ = p.prog.Kill(kctx)
	p.ended = true
}

// run gives d to the psql and reads its output up to the done marker or
// the end of the output.
func (p *running) run(ctx context.Context, d DescribeCommand) (out []byte, failed bool, err error) {
	marker := newMarker()
	ready, done := []byte(marker+"-ready\n"), []byte(marker+"-done\n")
	var in strings.Builder
	fmt.Fprintf(&in, "\\echo %s-ready\n", marker)
	var set strings.Builder
	if !p.pathSet || p.searchPath != d.SearchPath {
		fmt.Fprintf(&set, "SELECT pg_catalog.set_config('search_path', %s, false) \\g /dev/null\n", escapeLiteral(d.SearchPath))
	}
	if p.expanded != d.Expanded {
		fmt.Fprintf(&set, "\\pset expanded %s\n", d.Expanded)
	}
	if set.Len() > 0 {
		fmt.Fprintf(&in, "\\set QUIET on\n%s\\set QUIET off\n", set.String())
	}
	fmt.Fprintf(&in, "%s\n\\echo %s-done\n", d.Line, marker)
	// A psql that ended may refuse its input; what it printed and its
	// exit status then come from its output, read to its end.
	_, _ = io.WriteString(p.prog, in.String())

	var buf []byte
	seen := false // the ready marker
	from := 0     // where the done marker may start
	for {
		var c chunk
		select {
		case c = <-p.chunks:
		case <-ctx.Done():
			p.kill(ctx)
			return nil, false, ctx.Err()
		}
		if c.err != nil || c.b == nil {
			p.ended = true
			switch {
			case !seen && !p.used:
				return nil, false, p.startFailed(ctx, buf)
			case !seen:
				return nil, false, errEndedIdle
			}
			code, err := p.prog.Exit(ctx)
			if err != nil {
				return nil, false, fmt.Errorf("psql ended while running %s: %w", d.Line, err)
			}
			if code != exitUser {
				return nil, false, fmt.Errorf("psql ended while running %s: exit status %d%s", d.Line, code, quoteOutput(buf))
			}
			return buf, true, nil
		}
		buf = append(buf, c.b...)
		if !seen {
			i := bytes.Index(buf, ready)
			if i < 0 {
				if len(buf) > d.Limit+len(ready) {
					p.kill(ctx)
					return nil, false, ErrOutputTooLarge
				}
				continue
			}
			// What a fresh psql printed on starting, before reading
			// its input, is part of the output, as with -c.
			buf = append(buf[:i], buf[i+len(ready):]...)
			seen = true
		}
		if i := bytes.Index(buf[from:], done); i >= 0 {
			i += from
			if i+len(done) != len(buf) {
				p.kill(ctx)
				return nil, false, fmt.Errorf("psql wrote after the end of %s: %q", d.Line, buf[i+len(done):])
			}
			p.used = true
			p.searchPath, p.pathSet = d.SearchPath, true
			p.expanded = d.Expanded
			return buf[:i], false, nil
		}
		if len(buf) > d.Limit {
			p.kill(ctx)
			return nil, false, ErrOutputTooLarge
		}
		from = max(len(buf)-len(done)+1, 0)
	}
}

// startFailed is the error of a psql that ended before its first command,
// e.g. one that could not connect: its exit status and what it printed.
func (p *running) startFailed(ctx context.Context, out []byte) error {
	code, err := p.prog.Exit(ctx)
	if err != nil {
		return fmt.Errorf("psql ended on starting%s; its exit status: %w", quoteOutput(out), err)
	}
	return fmt.Errorf("psql -U %s -d %s ended on starting: exit status %d%s", p.user, p.database, code, quoteOutput(out))
}

func quoteOutput(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	return ": " + s
}

// newMarker is a line no describe output holds by chance: 128 random bits.
func newMarker() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "psql-describe-" + hex.EncodeToString(b[:])
}

// escapeLiteral writes v as an SQL escape string constant, E'…', which
// means the same whatever standard_conforming_strings is, on one line.
func escapeLiteral(v string) string {
	return "E'" + strings.NewReplacer(`\`, `\\`, `'`, `''`, "\n", `\n`, "\r", `\r`).Replace(v) + "'"
}
