package psql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SetClient gives the session a way to run the node's own psql, which the
// describe commands (\d and its family) need: their output is psql's by
// construction, from psql's own catalog queries and footers, rather than a
// copy of describe.c's thousands of version-dependent lines. Without a
// client, a describe command fails with an error.
func (s *Session) SetClient(c Client) { s.client = c }

// describe hands a describe command to the node's psql (see Client) with
// this session's user, database, search_path and \x setting, as
//
//	env PGOPTIONS='-c search_path=…' psql -X -U USER -d DB -P expanded=… -c '\d+ NAME'
//
// would run it. That psql is a session of its own, so what only this
// session can see is out of its reach: describing inside a transaction
// block or after creating temporary objects is refused rather than shown
// differently from a reader's psql. In a failed transaction it prints the
// error psql's own describe query gets there. Output past the session's
// byte limit is a *TooLargeError, with a note in its place.
func (s *Session) describe(ctx context.Context, m *metaCommand, args []string) (bool, error) {
	cmd := `\` + m.name
	if s.client == nil {
		return false, fmt.Errorf("line %d: psql meta-command %s needs the node's own psql, which this session cannot reach", m.line, cmd)
	}
	if s.conn.TxStatus() == 'T' {
		return false, fmt.Errorf("line %d: psql meta-command %s inside a transaction block is not supported: it runs in a psql session of its own, which would not see this transaction; describe after COMMIT or ROLLBACK", m.line, cmd)
	}
	s.query = "SELECT pg_catalog.current_setting('search_path'), pg_catalog.pg_my_temp_schema() <> 0"
	res := s.conn.ExecParams(ctx, s.query, nil, nil, nil, nil).Read()
	if res.Err != nil {
		return s.report(ctx, res.Err)
	}
	if len(res.Rows) != 1 {
		return false, fmt.Errorf("line %d: reading the session's search_path: %d rows", m.line, len(res.Rows))
	}
	if string(res.Rows[0][1]) == "t" {
		return false, fmt.Errorf("line %d: psql meta-command %s after creating temporary objects is not supported: it runs in a psql session of its own, which would not see them", m.line, cmd)
	}
	line := cmd
	for _, a := range args {
		line += " " + quoteArg(a)
	}
	var out strings.Builder // printed whole, or not at all past the block's limit
	failed, err := s.client.Describe(ctx, DescribeCommand{
		User:       s.cfg.User,
		Database:   s.cfg.Database,
		SearchPath: string(res.Rows[0][0]),
		Expanded:   s.expanded.String(),
		Line:       line,
		Limit:      s.maxBytes,
	}, &out)
	switch {
	case err == nil:
		s.out.print(out.String())
		return failed, nil
	case ctx.Err() != nil:
		return true, fmt.Errorf("psql: %s interrupted: %w", cmd, ctx.Err())
	case errors.Is(err, ErrOutputTooLarge):
		why := fmt.Sprintf("its output passed %s", sizeName(s.maxBytes))
		s.out.note(fmt.Sprintf("[result too large to verify, not shown: %s]\n", why))
		return true, &TooLargeError{Line: m.line, Statement: line, Why: why}
	}
	return false, fmt.Errorf("line %d: running psql for %s: %w", m.line, cmd, err)
}

func (m expandedMode) String() string {
	switch m {
	case expandedOn:
		return "on"
	case expandedAuto:
		return "auto"
	}
	return "off"
}

// quoteArg writes a lexed argument back so that psql's meta-command lexer
// (psqlscanslash.l) reads it as the same value, from -c or as a line of its
// input. Anything but ASCII letters, digits, "_", "." and "*" goes in single
// quotes, inside which only a quote and a backslash are special: quotes are
// doubled, backslashes escaped, and newlines and carriage returns written
// \n and \r (psql decodes those in a quoted argument), so that a double
// quote, backquote, colon, blank or non-ASCII byte reaches psql as typed
// rather than opening a quoted identifier, a shell command or a variable
// reference.
func quoteArg(a string) string {
	plain := a != ""
	for i := 0; i < len(a) && plain; i++ {
		c := a[i]
		plain = c < utf8.RuneSelf && (isIdentStart(c) || isDigit(c) || c == '.' || c == '*')
	}
	if plain {
		return a
	}
	return "'" + strings.NewReplacer(`'`, `''`, `\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(a) + "'"
}
