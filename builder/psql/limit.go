package psql

import (
	"fmt"
	"io"
)

// Limits of one statement's result, and of one Run's output. A builder must
// stay small whatever a block returns, and an output of megabytes is not
// something a reader checks on a page: a result past either limit is not
// read further, the statement is cancelled and Run fails with a
// *TooLargeError; so does a Run whose output, all it prints together
// (results, COPY data, notices, \echo, describe output), passes
// MaxResultBytes.
const (
	// MaxResultBytes caps a result's values, its formatted table and its
	// COPY ... TO STDOUT data, and all a Run prints, in bytes; the same
	// cap as a shell block's output.
	MaxResultBytes = 4 << 20
	// MaxResultRows caps the rows of a result.
	MaxResultRows = 100_000
)

// SetLimits changes the limits of one result from MaxResultRows and
// MaxResultBytes, for tests that compare huge results with psql's.
func (s *Session) SetLimits(rows, bytes int) { s.maxRows, s.maxBytes = rows, bytes }

// TooLargeError is a statement whose result passed MaxResultRows or
// MaxResultBytes, or a Run whose output passed MaxResultBytes at a
// statement or meta-command (Block). Run has written a note in its place in
// the output.
type TooLargeError struct {
	Line      int    // script line where the statement or meta-command starts
	Statement string // as sent, or the meta-command as written, for the message
	Why       string // which limit, e.g. "it returned more than 100000 rows"
	Block     bool   // the whole output passed the limit, not one result
}

func (e *TooLargeError) Error() string {
	if e.Block {
		return fmt.Sprintf("line %d: result too large to verify: %s; the rest of the block was not run", e.Line, e.Why)
	}
	return fmt.Sprintf("line %d: result too large to verify: %s; the statement was cancelled and the rest of the block was not run",
		e.Line, e.Why)
}

// tooLarge writes the note that takes the place of the result on the page
// and returns the error.
func (s *Session) tooLarge(st *statement, why string) error {
	e := &TooLargeError{Line: st.line, Statement: st.text, Why: why}
	s.out.note(fmt.Sprintf("[result too large to verify, not shown: %s]\n", why))
	return e
}

// blockTooLarge is the error of a Run whose output, all of it together,
// passed the byte limit at item it (MaxResultBytes, the same as a shell
// block's output): it writes the note in place of what was not shown.
func (s *Session) blockTooLarge(it item) error {
	e := &TooLargeError{Why: fmt.Sprintf("the block's output passed %s", sizeName(s.maxBytes)), Block: true}
	if it.stmt != nil {
		e.Line, e.Statement = it.stmt.line, it.stmt.text
	} else {
		e.Line, e.Statement = it.meta.line, it.meta.raw
	}
	s.out.note(fmt.Sprintf("[result too large to verify, not shown: %s]\n", e.Why))
	return e
}

func sizeName(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitWriter passes on at most limit bytes and drops the rest; over
// records that something was dropped.
type limitWriter struct {
	w     io.Writer
	limit int
	n     int
	over  bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	all := len(p)
	room := l.limit - l.n
	if len(p) > room {
		l.over = true
		p = p[:max(room, 0)]
	}
	l.n += len(p)
	if len(p) > 0 {
		if _, err := l.w.Write(p); err != nil {
			return 0, err
		}
	}
	return all, nil
}
