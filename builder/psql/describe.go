package psql

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Client runs a program inside the container of the session's node, as the
// postgres operating-system user, and writes its stdout and stderr, merged
// in the order written, to w. exit is the program's exit status; err is for
// a program that could not run.
type Client func(ctx context.Context, argv []string, w io.Writer) (exit int, err error)

// SetClient gives the session a way to run the node's own psql, which the
// describe commands (\d and its family) need: their output is psql's by
// construction, from psql's own catalog queries and footers, rather than a
// copy of describe.c's thousands of version-dependent lines. Without a
// client, a describe command fails with an error.
func (s *Session) SetClient(c Client) { s.client = c }

// describe hands a describe command to psql in the node's container:
//
//	env PGOPTIONS='-c search_path=…' psql -X -U USER -d DB -P expanded=… -c '\d+ NAME'
//
// with this session's user, database, search_path and \x setting. That
// psql is a session of its own, so what only this session can see is out
// of its reach: describing inside a transaction block or after creating
// temporary objects is refused rather than shown differently from a
// reader's psql. In a failed transaction it prints the error psql's own
// describe query gets there.
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
	cfg := s.cfg
	line := cmd
	for _, a := range args {
		line += " " + quoteArg(a)
	}
	argv := []string{"env", "PGOPTIONS=-c search_path=" + escapeOption(string(res.Rows[0][0])),
		"psql", "-X", "-U", cfg.User, "-d", cfg.Database, "-P", "expanded=" + s.expanded.String(), "-c", line}
	exit, err := s.client(ctx, argv, s.out)
	if err != nil {
		if ctx.Err() != nil {
			return true, fmt.Errorf("psql: %s interrupted: %w", cmd, ctx.Err())
		}
		return false, fmt.Errorf("line %d: running psql for %s: %w", m.line, cmd, err)
	}
	return exit != 0, nil
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

// quoteArg writes a lexed argument back so that psql -c reads it the same:
// single-quoted, with quotes doubled and backslashes escaped, when it holds
// anything but plain characters.
func quoteArg(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\n\r\f\v'\\:`") {
		return a
	}
	return "'" + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(a) + "'"
}

// escapeOption escapes a value for PGOPTIONS, where blanks separate
// options and a backslash takes the next character literally.
func escapeOption(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if isSpace(v[i]) || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
