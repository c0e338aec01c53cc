package psql

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// metaCommand is one psql backslash command of a script.
type metaCommand struct {
	name string // without the backslash: "x", "d+", "dRp+"
	args string // argument text as written; lexed when the command runs
	raw  string // the command as written, for messages
	line int    // 1-based script line
}

// sends reports the commands that send the statement before them.
func (m *metaCommand) sends() bool { return m.name == "g" || m.name == "gset" }

// describeCommands are the describe commands Run hands to the real psql of
// the node's container (see Session.SetClient).
var describeCommands = []string{
	"d", "d+", "dt", "dt+", "di", "di+", "dv", "dv+", "ds", "ds+",
	"dn", "dn+", "du", "du+", "dg", "dg+", "l", "l+", "dx", "dx+",
	"dRp", "dRp+", "dRs", "dRs+",
}

// otherCommands are the meta-commands Run carries out itself.
var otherCommands = []string{"x", "pset", "conninfo", "echo", "qecho", "set", "unset", "g", "gset"}

// Supported lists the meta-commands Session.Run runs, as written in a
// script: "\x [on|off|auto], \pset expanded [on|off|auto], …".
func Supported() string {
	var d []string
	for _, c := range describeCommands {
		if !strings.HasSuffix(c, "+") {
			d = append(d, `\`+c+"[+]")
		}
	}
	return `\x [on|off|auto], \pset expanded [on|off|auto], \conninfo, \echo, \qecho, \set NAME [VALUE], \unset NAME, \g, \gset [PREFIX], ` +
		strings.Join(d, ", ") + " [PATTERN]"
}

// checkMeta returns why m cannot run as written, or "". pending tells
// whether statement text comes before it on its line or lines.
func checkMeta(m *metaCommand, pending bool) string {
	cmd := `\` + m.name
	switch {
	case m.name == "watch":
		return `psql meta-command \watch is not supported: a block runs once; to wait until a query shows what the chapter expects, give its block eventually=30s (or another bound)`
	case !slices.Contains(otherCommands, m.name) && !slices.Contains(describeCommands, m.name):
		return fmt.Sprintf("psql meta-command %s is not supported; supported: %s", cmd, Supported())
	case pending && !m.sends():
		return fmt.Sprintf(`psql meta-command %s inside an unfinished statement: end the statement with ";" first`, cmd)
	case m.sends() && !pending:
		return fmt.Sprintf("psql meta-command %s needs a statement before it (psql would run the previous statement again)", cmd)
	}
	args, err := lexArgs(m.args, nil)
	if err != nil {
		return fmt.Sprintf("psql meta-command %s: %v", cmd, err)
	}
	literal := !strings.Contains(m.args, ":") // no variable to substitute
	switch m.name {
	case "g", "conninfo":
		if len(args) > 0 {
			return fmt.Sprintf("psql meta-command %s takes no arguments here", cmd)
		}
	case "gset":
		if len(args) > 1 {
			return `psql meta-command \gset takes at most one argument, a prefix`
		}
	case "x":
		if len(args) > 1 {
			return `psql meta-command \x takes at most one argument: on, off or auto`
		}
		if len(args) == 1 && literal {
			if _, ok := parseExpanded(args[0]); !ok {
				return fmt.Sprintf(`unrecognized value %q for \x: on, off or auto`, args[0])
			}
		}
	case "pset":
		if len(args) == 0 || (args[0] != "expanded" && args[0] != "x") || len(args) > 2 {
			return `only \pset expanded [on|off|auto] is supported`
		}
		if len(args) == 2 && literal {
			if _, ok := parseExpanded(args[1]); !ok {
				return fmt.Sprintf(`unrecognized value %q for \pset expanded: on, off or auto`, args[1])
			}
		}
	case "set", "unset":
		if len(args) == 0 || (m.name == "unset" && len(args) > 1) {
			return fmt.Sprintf("psql meta-command %s needs a variable name", cmd)
		}
		if literal {
			return checkVarName(args[0])
		}
	}
	return ""
}

// hookedVariables are the variables psql 17 reacts to when set
// (startup.c's EstablishVariableSpace); \gset does not set them.
const hookedVariables = "AUTOCOMMIT ON_ERROR_STOP QUIET SINGLELINE SINGLESTEP FETCH_COUNT HISTFILE " +
	"HISTSIZE IGNOREEOF ECHO ECHO_HIDDEN ON_ERROR_ROLLBACK COMP_KEYWORD_CASE HISTCONTROL VERBOSITY " +
	"SHOW_ALL_RESULTS SHOW_CONTEXT HIDE_TOAST_COMPRESSION HIDE_TABLEAM PROMPT1 PROMPT2 PROMPT3"

// checkVarName returns why name cannot be \set here, or "".
func checkVarName(name string) string {
	if !validVarName(name) {
		return fmt.Sprintf("invalid variable name: %q", name)
	}
	if slices.Contains(strings.Fields(psqlVariables), name) {
		return fmt.Sprintf("psql variable %s changes how psql itself behaves and is not supported", name)
	}
	return ""
}

// validVarName is psql's VariableName rule: ASCII letters, digits and
// underscores, and any non-ASCII byte.
func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isIdentStart(c) && !isDigit(c) {
			return false
		}
	}
	return true
}

// parseExpanded reads a \x value as psql's do_pset does: a prefix of
// "auto", else a boolean as ParseVariableBool accepts it.
func parseExpanded(v string) (expandedMode, bool) {
	if v != "" && prefixFold("auto", v, len(v)) {
		return expandedAuto, true
	}
	on, ok := parseBool(v)
	if on {
		return expandedOn, ok
	}
	return expandedOff, ok
}

// parseBool is psql's ParseVariableBool: case-insensitive unique prefixes
// of true, false, yes, no, on and off (at least two letters for those),
// or exactly 1 or 0.
func parseBool(v string) (value, ok bool) {
	n := len(v)
	switch {
	case n == 0:
		return false, false
	case prefixFold("true", v, n), prefixFold("yes", v, n), prefixFold("on", v, max(n, 2)):
		return true, true
	case prefixFold("false", v, n), prefixFold("no", v, n), prefixFold("off", v, max(n, 2)):
		return false, true
	case v == "1":
		return true, true
	case v == "0":
		return false, true
	}
	return false, false
}

// prefixFold is pg_strncasecmp(word, v, n) == 0.
func prefixFold(word, v string, n int) bool {
	if len(v) > n {
		v = v[:n]
	}
	if len(v) < n && len(word) != len(v) {
		return false
	}
	return len(v) <= len(word) && strings.EqualFold(word[:len(v)], v)
}

// lexArgs splits meta-command arguments as psql does for ordinary
// arguments (psqlscanslash.l, OT_NORMAL): blanks separate them, '…' quotes
// with doubled quotes and backslash escapes, "…" is kept with its quotes, and :NAME,
// :'NAME', :"NAME" are replaced by the variable's value (as written when
// the variable is not set; vars may be nil).
func lexArgs(text string, vars map[string]string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return args, nil
		}
		var b strings.Builder
		for i < len(text) && !isSpace(text[i]) {
			var err error
			switch text[i] {
			case '\'':
				i, err = singleQuoted(text, i+1, &b)
			case '"':
				j := i + 1
				for j < len(text) && !(text[j] == '"' && (j+1 >= len(text) || text[j+1] != '"')) {
					if text[j] == '"' {
						j++
					}
					j++
				}
				if j >= len(text) {
					return nil, fmt.Errorf("unterminated quoted identifier")
				}
				b.WriteString(text[i : j+1])
				i = j + 1
			case '`':
				return nil, fmt.Errorf("backquoted shell commands are not supported")
			case ':':
				i, err = variable(text, i, vars, &b)
			default:
				b.WriteByte(text[i])
				i++
			}
			if err != nil {
				return nil, err
			}
		}
		// psql hands arguments on as C strings: an escaped NUL (\x00,
		// \0) ends the value.
		a, _, _ := strings.Cut(b.String(), "\x00")
		args = append(args, a)
	}
}

// singleQuoted reads a '…' argument body from i, after the opening quote.
func singleQuoted(text string, i int, b *strings.Builder) (int, error) {
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\'' && i+1 < len(text) && text[i+1] == '\'':
			b.WriteByte('\'')
			i += 2
		case c == '\'':
			return i + 1, nil
		case c == '\\' && i+1 < len(text):
			i = escape(text, i+1, b)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return i, fmt.Errorf("unterminated quoted string")
}

// escape decodes the backslash escape starting at text[i] (after the
// backslash): \n \t \b \r \f, octal \ooo, hex \xHH, else the character.
func escape(text string, i int, b *strings.Builder) int {
	switch c := text[i]; c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'b':
		b.WriteByte('\b')
	case 'r':
		b.WriteByte('\r')
	case 'f':
		b.WriteByte('\f')
	case 'x':
		j := i + 1
		for j < len(text) && j < i+3 && strings.IndexByte("0123456789abcdefABCDEF", text[j]) >= 0 {
			j++
		}
		if j == i+1 {
			b.WriteByte('x')
			return i + 1
		}
		v, _ := strconv.ParseUint(text[i+1:j], 16, 8)
		b.WriteByte(byte(v))
		return j
	default:
		if c >= '0' && c <= '7' {
			j := i
			for j < len(text) && j < i+3 && text[j] >= '0' && text[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(text[i:j], 8, 16)
			b.WriteByte(byte(v))
			return j
		}
		b.WriteByte(c)
	}
	return i + 1
}

// variable substitutes the reference starting at text[i] (a colon). A
// reference to one of psql's own variables (psqlVariables) is an error, as
// in a statement: psql would substitute a value Run does not know.
func variable(text string, i int, vars map[string]string, b *strings.Builder) (int, error) {
	start, quote := i+1, byte(0)
	if i+1 < len(text) && (text[i+1] == '\'' || text[i+1] == '"') {
		start, quote = i+2, text[i+1]
	}
	end := start
	for end < len(text) && (isIdentStart(text[end]) || isDigit(text[end])) {
		end++
	}
	closed := quote == 0 || (end < len(text) && text[end] == quote)
	if end == start || !closed {
		b.WriteByte(':')
		return i + 1, nil
	}
	if quote != 0 {
		end++
	}
	name := text[start : end-min(int(quote), 1)]
	if slices.Contains(strings.Fields(psqlVariables), name) {
		return end, psqlVariableError(text[i:end])
	}
	value, set := vars[name]
	if !set {
		b.WriteString(text[i:end]) // sent as written, as psql does
		return end, nil
	}
	b.WriteString(quoteValue(value, quote))
	return end, nil
}

// quoteValue renders a variable's value for :NAME (as is), :'NAME'
// (PQescapeLiteral) or :"NAME" (PQescapeIdentifier).
func quoteValue(v string, quote byte) string {
	switch quote {
	case '\'':
		var b strings.Builder
		if strings.Contains(v, `\`) {
			b.WriteString(" E")
		}
		b.WriteByte('\'')
		for i := 0; i < len(v); i++ {
			if v[i] == '\'' || v[i] == '\\' {
				b.WriteByte(v[i])
			}
			b.WriteByte(v[i])
		}
		b.WriteByte('\'')
		return b.String()
	case '"':
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

// substitute renders a statement with the session's variables.
func (s *Session) substitute(parts []part) string {
	if len(parts) == 1 && parts[0].name == "" {
		return parts[0].text
	}
	var b strings.Builder
	for _, p := range parts {
		if v, ok := s.vars[p.name]; ok && p.name != "" {
			b.WriteString(quoteValue(v, p.quote))
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// meta carries out one meta-command, writing what psql prints for it.
func (s *Session) meta(ctx context.Context, m *metaCommand) (bool, error) {
	args, err := lexArgs(m.args, s.vars)
	if err != nil {
		return false, fmt.Errorf("line %d: %s: %v", m.line, m.raw, err)
	}
	switch m.name {
	case "x":
		return s.setExpanded(args), nil
	case "pset":
		return s.setExpanded(args[1:]), nil
	case "conninfo":
		return false, s.conninfo(m)
	case "echo", "qecho":
		nl := "\n"
		if len(args) > 0 && args[0] == "-n" {
			args, nl = args[1:], ""
		}
		s.out.print(strings.Join(args, " ") + nl)
		return false, nil
	case "set", "unset":
		if msg := checkVarName(args[0]); msg != "" {
			return false, fmt.Errorf("line %d: %s", m.line, msg)
		}
		if m.name == "unset" {
			delete(s.vars, args[0])
		} else {
			s.vars[args[0]] = strings.Join(args[1:], "")
		}
		return false, nil
	}
	return s.describe(ctx, m, args)
}

// setExpanded is \x [VALUE] and \pset expanded [VALUE]; without a value it
// toggles (auto turns off), as psql does.
func (s *Session) setExpanded(args []string) bool {
	switch {
	case len(args) == 0 && s.expanded == expandedOff:
		s.expanded = expandedOn
	case len(args) == 0:
		s.expanded = expandedOff
	default:
		mode, ok := parseExpanded(args[0])
		if !ok {
			s.out.print(fmt.Sprintf("unrecognized value \"%s\" for \"expanded\"\nAvailable values are: on, off, auto.\n", args[0]))
			return true
		}
		s.expanded = mode
	}
	switch s.expanded {
	case expandedOn:
		s.out.print("Expanded display is on.\n")
	case expandedAuto:
		s.out.print("Expanded display is used automatically.\n")
	default:
		s.out.print("Expanded display is off.\n")
	}
	return false
}

// conninfo prints psql's \conninfo line for this session's connection
// (command.c exec_command_conninfo). Over SSL psql adds lines this session
// does not know how to print, so that is refused.
func (s *Session) conninfo(m *metaCommand) error {
	cfg := s.cfg
	netConn := s.conn.Conn()
	if _, ok := netConn.(*tls.Conn); ok {
		return fmt.Errorf(`line %d: \conninfo over SSL is not supported`, m.line)
	}
	db := cfg.Database
	if db == "" {
		db = cfg.User
	}
	port := strconv.Itoa(int(cfg.Port))
	if strings.HasPrefix(cfg.Host, "/") {
		s.out.print(fmt.Sprintf("You are connected to database \"%s\" as user \"%s\" via socket in \"%s\" at port \"%s\".\n",
			db, cfg.User, cfg.Host, port))
		return nil
	}
	addr := ""
	if a, ok := netConn.RemoteAddr().(*net.TCPAddr); ok {
		addr = a.IP.String()
	}
	if addr != "" && addr != cfg.Host {
		s.out.print(fmt.Sprintf("You are connected to database \"%s\" as user \"%s\" on host \"%s\" (address \"%s\") at port \"%s\".\n",
			db, cfg.User, cfg.Host, addr, port))
		return nil
	}
	s.out.print(fmt.Sprintf("You are connected to database \"%s\" as user \"%s\" on host \"%s\" at port \"%s\".\n",
		db, cfg.User, cfg.Host, port))
	return nil
}

// gset runs a statement ended by \gset [PREFIX]: its one row goes into
// variables named PREFIX plus each column name (a NULL unsets the
// variable) instead of being printed. No row or more than one is an error,
// as in psql.
func (s *Session) gset(ctx context.Context, st *statement) (bool, error) {
	args, err := lexArgs(st.send.args, s.vars)
	if err != nil {
		return false, fmt.Errorf("line %d: %s: %v", st.send.line, st.send.raw, err)
	}
	prefix := ""
	if len(args) > 0 {
		prefix = args[0]
	}
	mrr := s.conn.Exec(ctx, s.query)
	failed := false
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fields := rr.FieldDescriptions()
		var first []*string
		n := 0
		for rr.NextRow() {
			if n == 0 {
				first = textRow(rr.Values())
			}
			n++
		}
		tag, err := rr.Close()
		switch {
		case err != nil:
		case fields == nil:
			s.out.print(line(tag.String()))
		case n == 0:
			s.out.print("no rows returned for \\gset\n")
			failed = true
		case n > 1:
			s.out.print("more than one row returned for \\gset\n")
			failed = true
		default:
			failed = s.store(prefix, fields, first) || failed
		}
	}
	errored, err := s.report(ctx, mrr.Close())
	return failed || errored, err
}

// store sets one variable per column, as psql 17's StoreQueryTuple does: a
// column named for a variable psql reacts to (hookedVariables) is skipped
// with a warning, which is not a failure; an invalid variable name is an
// error that stops storing the columns after it. failed is for the error.
func (s *Session) store(prefix string, fields []pgconn.FieldDescription, row []*string) (failed bool) {
	for i, f := range fields {
		name := prefix + f.Name
		if slices.Contains(strings.Fields(hookedVariables), name) {
			s.out.print(fmt.Sprintf("attempt to \\gset into specially treated variable \"%s\" ignored\n", name))
			continue
		}
		if !validVarName(name) {
			s.out.print(fmt.Sprintf("invalid variable name: \"%s\"\n", name))
			return true
		}
		if slices.Contains(strings.Fields(psqlVariables), name) {
			continue // psql stores it, but references to it are refused
		}
		if row[i] == nil {
			delete(s.vars, name)
		} else {
			s.vars[name] = *row[i]
		}
	}
	return false
}
