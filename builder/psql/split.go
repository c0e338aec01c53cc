package psql

import (
	"fmt"
	"slices"
	"strings"
)

// statement is one SQL command as psql sends it, with what Run and Check need
// to know about it.
type statement struct {
	text  string
	line  int      // 1-based script line where the statement starts
	words []string // lower-cased identifiers outside parentheses
}

// problem is something psql would not treat as plain SQL.
type problem struct {
	line int
	msg  string
}

// scanner splits a script the way psql's lexer (psqlscan.l) and main loop do:
// whitespace and "--" comments before a statement are dropped, everything
// from its first token to its top-level semicolon is sent verbatim, and a
// final unterminated statement is sent at end of input.
type scanner struct {
	src   string
	pos   int
	line  int
	buf   strings.Builder
	start int // line of the statement being collected

	parens      int
	beginDepth  int     // BEGIN ... END nesting in CREATE FUNCTION ... BEGIN ATOMIC
	identCount  int     // identifiers seen in the statement
	identifiers [4]byte // first letters of the leading CREATE [OR REPLACE] FUNCTION words
	words       []string

	stmts    []statement
	problems []problem
}

func scan(script string) *scanner {
	s := &scanner{src: script, line: 1}
	for s.pos < len(s.src) {
		s.token()
	}
	if s.buf.Len() > 0 {
		// psql reads lines: the file's final newline ends the last line
		// and is not part of the statement.
		text := strings.TrimSuffix(s.buf.String(), "\n")
		s.buf.Reset()
		s.buf.WriteString(text)
		s.emit()
	}
	return s
}

// Split returns the statements of script exactly as psql would send them to
// the server, each ending with its semicolon (except an unterminated last one).
func Split(script string) []string {
	var out []string
	for _, st := range scan(script).stmts {
		out = append(out, st.text)
	}
	return out
}

// Check reports the first thing in script that psql would not send as plain
// SQL: a backslash meta-command, a quoted string, identifier, dollar quote or
// comment left open at the end, a reference to one of psql's own variables
// (psql would substitute it), or COPY FROM STDIN (whose data psql would read
// from the script itself). Line numbers count from 1 within the script.
func Check(script string) error { return scan(script).firstProblem() }

func (s *scanner) firstProblem() error {
	problems := s.problems
	for _, st := range s.stmts {
		if isCopyFromStdin(st.words) {
			problems = append(problems, problem{st.line, "COPY FROM STDIN is not supported"})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	first := problems[0]
	for _, p := range problems[1:] {
		if p.line < first.line {
			first = p
		}
	}
	return fmt.Errorf("line %d: %s", first.line, first.msg)
}

func (s *scanner) emit() {
	s.stmts = append(s.stmts, statement{text: s.buf.String(), line: s.start, words: s.words})
	s.buf.Reset()
	s.parens, s.beginDepth, s.identCount, s.words = 0, 0, 0, nil
}

// take appends src[s.pos:end] to the statement and moves past it.
func (s *scanner) take(end int) {
	if s.buf.Len() == 0 {
		s.start = s.line
	}
	s.buf.WriteString(s.src[s.pos:end])
	s.skip(end)
}

// skip moves past src[s.pos:end] without sending it.
func (s *scanner) skip(end int) {
	s.line += strings.Count(s.src[s.pos:end], "\n")
	s.pos = end
}

func (s *scanner) peek(i int) byte {
	if s.pos+i < len(s.src) {
		return s.src[s.pos+i]
	}
	return 0
}

// token consumes one lexical token starting at s.pos.
func (s *scanner) token() {
	c, next := s.peek(0), s.peek(1)
	switch {
	case isSpace(c):
		s.whitespace(s.spanWhile(isSpace))
	case c == '-' && next == '-':
		s.whitespace(s.lineEnd())
	case c == '/' && next == '*':
		s.blockComment()
	case c == '\'':
		s.quoted(s.pos+1, '\'', false)
	case c == '"':
		s.quoted(s.pos+1, '"', false)
	case (c == 'e' || c == 'E') && next == '\'':
		s.quoted(s.pos+2, '\'', true)
	case strings.IndexByte("bBxXnN", c) >= 0 && next == '\'':
		s.quoted(s.pos+2, '\'', false)
	case (c == 'u' || c == 'U') && next == '&' && (s.peek(2) == '\'' || s.peek(2) == '"'):
		s.quoted(s.pos+3, s.peek(2), false)
	case c == '$':
		s.dollar()
	case isIdentStart(c):
		s.identifier()
	case isDigit(c):
		s.number()
	case c == '\\':
		s.backslash()
	case c == ':':
		s.colon()
	default:
		s.punct(c)
	}
}

// whitespace drops blanks and "--" comments before a statement, as psql does;
// inside a statement they are sent, except empty lines: psql reads the script
// line by line and skips an empty line unless it is inside a quote or comment.
func (s *scanner) whitespace(end int) {
	if s.buf.Len() > 0 {
		for i := s.pos; i < end; i++ {
			emptyNext := i+1 == len(s.src) || s.src[i+1] == '\n'
			if s.src[i] != '\n' || !emptyNext {
				s.buf.WriteByte(s.src[i])
			}
		}
	}
	s.skip(end)
}

func (s *scanner) spanWhile(ok func(byte) bool) int {
	end := s.pos
	for end < len(s.src) && ok(s.src[end]) {
		end++
	}
	return end
}

func (s *scanner) lineEnd() int {
	if i := strings.IndexAny(s.src[s.pos:], "\r\n"); i >= 0 {
		return s.pos + i
	}
	return len(s.src)
}

// blockComment consumes a /* */ comment; they nest in PostgreSQL.
func (s *scanner) blockComment() {
	line, depth := s.line, 0
	for i := s.pos + 2; i < len(s.src)-1; i++ {
		switch {
		case s.src[i] == '/' && s.src[i+1] == '*':
			depth++
			i++
		case s.src[i] == '*' && s.src[i+1] == '/':
			if depth == 0 {
				s.take(i + 2)
				return
			}
			depth--
			i++
		}
	}
	s.unterminated(line, "/* comment")
}

// quoted consumes a string or quoted identifier whose body starts at body.
// Doubled quotes stay inside; E-strings also skip backslash escapes.
func (s *scanner) quoted(body int, quote byte, escapes bool) {
	line := s.line
	for i := body; i < len(s.src); i++ {
		switch {
		case escapes && s.src[i] == '\\':
			i++
		case s.src[i] == quote && i+1 < len(s.src) && s.src[i+1] == quote:
			i++
		case s.src[i] == quote:
			s.take(i + 1)
			return
		}
	}
	if quote == '"' {
		s.unterminated(line, "quoted identifier")
	} else {
		s.unterminated(line, "quoted string")
	}
}

// dollar consumes a $tag$ quoted string, or a lone "$" (a parameter such as
// $1, or a failed delimiter).
func (s *scanner) dollar() {
	end := s.pos + 1
	if end < len(s.src) && isIdentStart(s.src[end]) {
		for end < len(s.src) && (isIdentStart(s.src[end]) || isDigit(s.src[end])) {
			end++
		}
	}
	if end >= len(s.src) || s.src[end] != '$' {
		s.take(s.pos + 1)
		return
	}
	tag := s.src[s.pos : end+1]
	line := s.line
	if i := strings.Index(s.src[end+1:], tag); i >= 0 {
		s.take(end + 1 + i + len(tag))
		return
	}
	s.unterminated(line, "dollar-quoted string "+tag)
}

// unterminated sends the rest of the input, as psql does at end of file.
func (s *scanner) unterminated(line int, what string) {
	s.problems = append(s.problems, problem{line, "unterminated " + what})
	s.take(len(s.src))
}

// identifier consumes a word and tracks CREATE [OR REPLACE] FUNCTION|PROCEDURE
// ... BEGIN ATOMIC ... END, whose semicolons do not end the statement.
func (s *scanner) identifier() {
	end := s.pos
	for end < len(s.src) && isIdentCont(s.src[end]) {
		end++
	}
	word := strings.ToLower(s.src[s.pos:end])
	s.take(end)
	if s.parens == 0 {
		s.words = append(s.words, word)
	}
	s.trackBegin(word)
}

// trackBegin follows psqlscan.l's heuristic for SQL-standard function bodies.
func (s *scanner) trackBegin(word string) {
	if s.identCount == 0 {
		s.identifiers = [4]byte{}
	}
	switch word {
	case "create", "function", "procedure", "or", "replace":
		if s.identCount < len(s.identifiers) {
			s.identifiers[s.identCount] = word[0]
		}
	}
	s.identCount++
	id := s.identifiers
	routine := id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' ||
		id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))
	if !routine || s.parens != 0 {
		return
	}
	switch {
	case word == "begin":
		s.beginDepth++
	case word == "case" && s.beginDepth >= 1:
		s.beginDepth++ // CASE also ends with END
	case word == "end" && s.beginDepth > 0:
		s.beginDepth--
	}
}

// number consumes digits and whatever identifier characters stick to them
// (PostgreSQL lexes "1abc" or "0x1F" as one token), so a "$" inside such a
// token never opens a dollar quote.
func (s *scanner) number() {
	end := s.pos
	for end < len(s.src) && (isDigit(s.src[end]) || s.src[end] == '_' || s.src[end] == '.') {
		end++
	}
	if end < len(s.src) && isIdentStart(s.src[end]) {
		for end < len(s.src) && isIdentCont(s.src[end]) {
			end++
		}
	}
	s.take(end)
}

// backslash starts a psql meta-command, which this package cannot run.
func (s *scanner) backslash() {
	end := s.pos + 1
	for end < len(s.src) && !isSpace(s.src[end]) && s.src[end] != '\\' {
		end++
	}
	s.problems = append(s.problems, problem{s.line,
		fmt.Sprintf("psql meta-command %s is not supported", s.src[s.pos:end])})
	s.take(end)
}

// psqlVariables are the variables psql -X defines by itself; psql would
// substitute them for :NAME, :'NAME' or :"NAME" outside quotes.
const psqlVariables = "AUTOCOMMIT COMP_KEYWORD_CASE DBNAME ECHO ECHO_HIDDEN ENCODING ERROR " +
	"FETCH_COUNT HIDE_TABLEAM HIDE_TOAST_COMPRESSION HISTCONTROL HISTSIZE HOST IGNOREEOF " +
	"LAST_ERROR_MESSAGE LAST_ERROR_SQLSTATE ON_ERROR_ROLLBACK ON_ERROR_STOP PORT PROMPT1 " +
	"PROMPT2 PROMPT3 QUIET ROW_COUNT SERVER_VERSION_NAME SERVER_VERSION_NUM SHELL_ERROR " +
	"SHELL_EXIT_CODE SHOW_ALL_RESULTS SHOW_CONTEXT SINGLELINE SINGLESTEP SQLSTATE USER " +
	"VERBOSITY VERSION VERSION_NAME VERSION_NUM"

// colon reports references to psql's own variables, which this package
// does not substitute. Other names are sent as written, as psql does for
// variables that are not set.
func (s *scanner) colon() {
	if s.peek(1) == ':' { // a typecast
		s.take(s.pos + 2)
		return
	}
	start := s.pos + 1
	quote := s.peek(1)
	if quote == '\'' || quote == '"' {
		start++
	}
	end := start
	for end < len(s.src) && (isIdentStart(s.src[end]) || isDigit(s.src[end])) {
		end++
	}
	name, ref := s.src[start:end], s.src[s.pos:end]
	if start > s.pos+1 { // quoted forms need their closing quote
		if end == len(s.src) || s.src[end] != quote {
			name = ""
		}
		ref += string(quote)
	}
	if name != "" && slices.Contains(strings.Fields(psqlVariables), name) {
		s.problems = append(s.problems, problem{s.line, fmt.Sprintf("psql variable %s is not supported", ref)})
	}
	s.take(s.pos + 1)
}

func (s *scanner) punct(c byte) {
	s.take(s.pos + 1)
	switch c {
	case '(':
		s.parens++
	case ')':
		if s.parens > 0 {
			s.parens--
		}
	case ';':
		if s.parens == 0 && s.beginDepth == 0 {
			s.emit()
		}
	}
}

func isSpace(c byte) bool { return strings.IndexByte(" \t\n\r\f\v", c) >= 0 }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// isCopyFromStdin and isCopyToStdout look at a statement's top-level words.
func isCopyFromStdin(words []string) bool { return isCopy(words, "from", "stdin") }
func isCopyToStdout(words []string) bool  { return isCopy(words, "to", "stdout") }

func isCopy(words []string, dir, stream string) bool {
	if len(words) == 0 || words[0] != "copy" {
		return false
	}
	for i := 1; i+1 < len(words); i++ {
		if words[i] == dir && words[i+1] == stream {
			return true
		}
	}
	return false
}
