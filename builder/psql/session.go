// Package psql runs SQL scripts over pgx and prints what psql 17 prints for
// them with its default settings (aligned output, no -q, ON_ERROR_STOP off,
// input from stdin), so expected output can be verified without psql.
package psql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Session is one long-lived connection to one node, like one psql session:
// settings and open transactions carry across Run calls. It is not safe for
// concurrent use.
type Session struct {
	conn  *pgconn.PgConn
	cfg   *pgconn.Config
	out   *output // destination of the Run in progress; nil between runs
	query string  // statement being executed, for positions in notices
	notes []*pgconn.Notification

	// What psql keeps on the client side of a session.
	maxRows, maxBytes int // limits of one result and of one Run's output; MaxResultRows, MaxResultBytes unless SetLimits

	expanded expandedMode      // \x
	vars     map[string]string // \set, \gset
	client   Client            // runs psql in the node's container, for describe commands
}

// output writes one Run's output to the caller's writer and keeps the
// first write error. Everything the run prints (results, COPY data,
// notices, \echo, describe output) counts toward one limit, in bytes:
// past it, the rest is dropped and over is set, and Run fails the block
// (see Session.blockTooLarge). Only the note saying so goes past the
// limit, which leaves room for it.
type output struct {
	w     io.Writer
	err   error
	limit int  // bytes the run may print, notes aside
	n     int  // bytes printed
	over  bool // something was dropped for the limit
}

// noteRoom is kept below a run's byte limit for the note that ends a run
// past it, so that output and note stay within the limit together.
const noteRoom = 128

func newOutput(w io.Writer, maxBytes int) *output {
	return &output{w: w, limit: max(maxBytes-noteRoom, 0)}
}

// Write passes on what fits under the limit, for streams such as COPY data.
func (o *output) Write(p []byte) (int, error) {
	all := len(p)
	if room := o.limit - o.n; o.over || len(p) > room {
		o.over = true
		p = p[:max(min(room, len(p)), 0)]
	}
	o.n += len(p)
	o.write(p)
	return all, o.err
}

// print writes one piece of output (a result, a message, a line) whole, or
// none of it once the limit would be passed.
func (o *output) print(s string) {
	if o == nil || s == "" {
		return
	}
	if o.over || len(s) > o.limit-o.n {
		o.over = true
		return
	}
	o.n += len(s)
	o.write([]byte(s))
}

// note writes a note in the place of output that was not shown, past the
// limit.
func (o *output) note(s string) { o.write([]byte(s)) }

func (o *output) write(p []byte) {
	if o.err == nil && len(p) > 0 {
		_, o.err = o.w.Write(p)
	}
}

// Connect opens a session. Unless connString says otherwise, the server sees
// application_name "psql" and client_encoding UTF8, as for psql in a UTF-8
// locale.
func Connect(ctx context.Context, connString string) (*Session, error) {
	cfg, err := pgconn.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	setDefault(cfg.RuntimeParams, "application_name", "psql")
	setDefault(cfg.RuntimeParams, "client_encoding", "UTF8")
	s := &Session{cfg: cfg, vars: map[string]string{}, maxRows: MaxResultRows, maxBytes: MaxResultBytes}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		s.out.print(formatMessage((*pgconn.PgError)(n), s.query, false))
	}
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) {
		s.notes = append(s.notes, n)
	}
	// On ctx done, cancel the statement on the server rather than drop the
	// connection; give up on the socket only if the server does not answer.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	if s.conn, err = pgconn.ConnectConfig(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

func setDefault(m map[string]string, key, value string) {
	if _, ok := m[key]; !ok {
		m[key] = value
	}
}

// Close closes the connection.
func (s *Session) Close(ctx context.Context) error { return s.conn.Close(ctx) }

// Alive reports whether the connection is still usable, by a round trip to
// the server (so a caller can reconnect after a server restart).
func (s *Session) Alive() bool {
	if s.conn.IsClosed() {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.conn.Ping(ctx) == nil
}

// Run executes script statement by statement, as psql does, and writes
// psql's output to w as it goes. errored is true if any statement raised an
// ERROR (or a meta-command failed as psql reports it, e.g. \gset without a
// row); like psql with ON_ERROR_STOP off, Run goes on after errors. err is
// for what psql output cannot express: a script Check rejects (then nothing
// runs), a result too large to verify (*TooLargeError, after a note in the
// output), a meta-command that cannot run here, a lost connection, ctx done,
// or a failing w.
func (s *Session) Run(ctx context.Context, script string, w io.Writer) (errored bool, err error) {
	sc := scan(script)
	if err := sc.firstProblem(); err != nil {
		return false, err
	}
	s.out = newOutput(w, s.maxBytes)
	defer func() { s.out = nil }()
	for _, it := range sc.items {
		var failed bool
		if it.stmt != nil {
			failed, err = s.execute(ctx, it.stmt)
		} else {
			failed, err = s.meta(ctx, it.meta)
		}
		errored = errored || failed
		s.printNotifications()
		if err == nil && s.out.over {
			errored, err = true, s.blockTooLarge(it)
		}
		if err == nil {
			err = s.out.err
		}
		if err != nil {
			return errored, err
		}
	}
	return errored, nil
}

func (s *Session) execute(ctx context.Context, st *statement) (bool, error) {
	s.query = s.substitute(st.parts)
	switch {
	case st.send != nil && st.send.name == "gset":
		return s.gset(ctx, st)
	case isCopyToStdout(st.words):
		// psql prints the data and, since it went to stdout, no COPY tag.
		lw := &limitWriter{w: s.out, limit: s.maxBytes}
		_, err := s.conn.CopyTo(ctx, lw, s.query)
		if lw.over {
			return true, s.tooLarge(st, fmt.Sprintf("its COPY data passed %s", sizeName(s.maxBytes)))
		}
		return s.report(ctx, err)
	case isCopyFromStdin(st.words):
		tag, err := s.conn.CopyFrom(ctx, strings.NewReader(st.copyData), s.query)
		if err == nil {
			s.out.print(line(tag.String()))
		}
		return s.report(ctx, err)
	}
	mrr := s.conn.Exec(ctx, s.query)
	// psql prints a result only once it has read up to the next one, so
	// notices arriving in between come first.
	pending := ""
	for mrr.NextResult() {
		out, big := s.readResult(mrr.ResultReader())
		if big != "" {
			// Stop the statement rather than read millions of rows.
			_ = s.conn.CancelRequest(context.WithoutCancel(ctx))
			_ = mrr.Close()
			s.out.print(pending)
			return true, s.tooLarge(st, big)
		}
		s.out.print(pending)
		pending = out
	}
	err := mrr.Close()
	s.out.print(pending)
	return s.report(ctx, err)
}

// report prints a statement's error as psql does and tells Run whether to go on.
func (s *Session) report(ctx context.Context, err error) (bool, error) {
	if err == nil {
		return false, nil
	}
	if ctx.Err() != nil {
		return true, fmt.Errorf("psql: statement interrupted: %w", ctx.Err())
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false, fmt.Errorf("psql: %w", err)
	}
	s.out.print(formatMessage(pgErr, s.query, true))
	if s.conn.IsClosed() { // FATAL or PANIC: the server ended the session
		return true, fmt.Errorf("psql: connection lost: %w", err)
	}
	return true, nil
}

// readResult renders one result: a table (plus the tag for DML ...
// RETURNING), a command tag, or nothing for an empty query or an error.
// Rows are read one at a time and kept only up to MaxResultRows and
// MaxResultBytes; past either, big says which limit the result passed and
// the rest is left unread.
func (s *Session) readResult(rr *pgconn.ResultReader) (out, big string) {
	// A row-returning statement has field descriptions, possibly zero of
	// them (SELECT;); a plain command has none at all.
	fields := rr.FieldDescriptions()
	tuples := fields != nil
	cols := make([]Column, len(fields))
	for i, f := range fields {
		cols[i] = Column{Name: f.Name, TypeOID: f.DataTypeOID}
	}
	var rows [][]*string
	size := 0
	for rr.NextRow() {
		row := textRow(rr.Values())
		for _, v := range row {
			if v != nil {
				size += len(*v)
			}
		}
		rows = append(rows, row)
		switch {
		case len(rows) > s.maxRows:
			return "", fmt.Sprintf("it returned more than %d rows", s.maxRows)
		case size > s.maxBytes:
			return "", fmt.Sprintf("its values passed %s", sizeName(s.maxBytes))
		}
	}
	tag, err := rr.Close()
	if err != nil {
		return "", "" // the statement's error is reported once, by report
	}
	if !tuples {
		return line(tag.String()), ""
	}
	if s.expanded == expandedOn {
		out, ok := formatExpanded(cols, rows, s.maxBytes)
		if !ok {
			return "", fmt.Sprintf("its expanded display would pass %s", sizeName(s.maxBytes))
		}
		return out + dmlTag(tag.String()), ""
	}
	out, ok := formatTable(cols, rows, s.maxBytes)
	if !ok {
		return "", fmt.Sprintf("its table would pass %s", sizeName(s.maxBytes))
	}
	return out + dmlTag(tag.String()), ""
}

// dmlTag is the tag psql prints after a RETURNING table, or "".
func dmlTag(tag string) string {
	if isDML(tag) {
		return line(tag)
	}
	return ""
}

func textRow(values [][]byte) []*string {
	row := make([]*string, len(values))
	for i, v := range values {
		if v != nil {
			s := string(v)
			row[i] = &s
		}
	}
	return row
}

func line(s string) string {
	if s == "" {
		return ""
	}
	return s + "\n"
}

// isDML tells the tags psql prints after a RETURNING table.
func isDML(tag string) bool {
	for _, p := range []string{"INSERT", "UPDATE", "DELETE", "MERGE"} {
		if strings.HasPrefix(tag, p) {
			return true
		}
	}
	return false
}

// printNotifications prints LISTEN notifications after the statement, as
// psql does.
func (s *Session) printNotifications() {
	for _, n := range s.notes {
		if n.Payload != "" {
			s.out.print(fmt.Sprintf("Asynchronous notification \"%s\" with payload \"%s\" received from server process with PID %d.\n",
				n.Channel, n.Payload, n.PID))
		} else {
			s.out.print(fmt.Sprintf("Asynchronous notification \"%s\" received from server process with PID %d.\n",
				n.Channel, n.PID))
		}
	}
	s.notes = nil
}
