package psql

import (
	"fmt"
	"slices"
	"strings"
)

// statement is one SQL command as psql sends it, with what Run and Check need
// to know about it.
type statement struct {
	text  string   // as written, variable references unsubstituted
	parts []part   // text split at variable references, substituted at run time
	line  int      // 1-based script line where the statement starts
	words []string // lower-cased identifiers outside parentheses
	// copyData is the inline data of COPY ... FROM STDIN: the script lines
	// after the statement's line up to a line "\." (or the end), each with
	// its newline.
	copyData string
	// send is the meta-command that sent the statement instead of a
	// semicolon (\g or \gset), or nil.
	send *metaCommand
}

// part is literal statement text, or a psql variable reference :NAME,
// :'NAME' or :"NAME" (quote 0, a single or a double quote), which psql replaces by the
// variable's value, quoted as a literal or as an identifier, when the
// variable is set, and sends as written when it is not.
type part struct {
	text  string // literal text, or the reference as written
	name  string // variable name; "" for literal text
	quote byte
}

// item is one step of a script: a statement to send or a meta-command.
type item struct {
	stmt *statement
	meta *metaCommand
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
	parts       []part // statement text before buf, when it holds variable references

	// splices are the places where COPY data was cut out of src: when the
	// scan passes at, lines more script lines have gone by.
	splices []splice

	stmts    []*statement
	items    []item
	problems []problem
	spans    []Span // what psql reads itself, in the script's own offsets
}

// splice is COPY data cut out of src at offset at: lines script lines,
// bytes bytes.
type splice struct{ at, lines, bytes int }

// offset maps an offset in src, from which COPY data may have been cut,
// to the same place in the script as written.
func (s *scanner) offset(pos int) int {
	for i := len(s.splices) - 1; i >= 0; i-- { // each splice's at is after the earlier ones were cut
		if sp := s.splices[i]; sp.at <= pos {
			pos += sp.bytes
		}
	}
	return pos
}

func scan(script string) *scanner {
	s := &scanner{src: script, line: 1}
	for s.pos < len(s.src) {
		s.token()
	}
	if !s.empty() {
		// psql reads lines: the file's final newline ends the last line
		// and is not part of the statement.
		text := strings.TrimSuffix(s.buf.String(), "\n")
		s.buf.Reset()
		s.buf.WriteString(text)
		s.emit(nil)
	}
	return s
}

// empty reports whether no statement text has been collected yet.
func (s *scanner) empty() bool { return s.buf.Len() == 0 && len(s.parts) == 0 }

// Split returns the statements of script exactly as psql would send them to
// the server, each ending with its semicolon (except an unterminated last one).
func Split(script string) []string {
	var out []string
	for _, st := range scan(script).stmts {
		out = append(out, st.text)
	}
	return out
}

// Check reports the first thing in script that Session.Run would not run as
// psql does: a meta-command outside the supported set (see Supported) or
// with arguments it cannot take, a quoted string, identifier, dollar quote
// or comment left open at the end, a reference to one of psql's own
// variables (psql would substitute it). Line numbers count from 1 within
// the script.
func Check(script string) error { return scan(script).firstProblem() }

func (s *scanner) firstProblem() error {
	if len(s.problems) == 0 {
		return nil
	}
	first := s.problems[0]
	for _, p := range s.problems[1:] {
		if p.line < first.line {
			first = p
		}
	}
	return fmt.Errorf("line %d: %s", first.line, first.msg)
}

// emit ends the statement collected so far; send is the meta-command that
// ended it (\g, \gset) or nil for a semicolon or the end of the script.
func (s *scanner) emit(send *metaCommand) {
	st := &statement{line: s.start, words: s.words, send: send}
	st.parts = s.parts
	if s.buf.Len() > 0 || len(st.parts) == 0 {
		st.parts = append(st.parts, part{text: s.buf.String()})
	}
	var text strings.Builder
	for _, p := range st.parts {
		text.WriteString(p.text)
	}
	st.text = text.String()
	s.stmts = append(s.stmts, st)
	s.items = append(s.items, item{stmt: st})
	s.buf.Reset()
	s.parts = nil
	s.parens, s.beginDepth, s.identCount, s.words = 0, 0, 0, nil
	if isCopyFromStdin(st.words) {
		s.copyData(st)
	}
}

// copyData takes COPY ... FROM STDIN's inline data out of the script, as
// psql reads it: the lines after the statement's line, up to a line that is
// exactly "\." or the end of the script. The rest of the statement's own
// line is scanned after the data, as psql does.
func (s *scanner) copyData(st *statement) {
	nl := strings.IndexByte(s.src[s.pos:], '\n')
	if nl < 0 {
		return
	}
	start := s.pos + nl + 1
	end := len(s.src)
	var data strings.Builder
	for i := start; i < len(s.src); {
		j := strings.IndexByte(s.src[i:], '\n')
		next := len(s.src)
		if j >= 0 {
			next = i + j + 1
		}
		l := strings.TrimRight(s.src[i:next], "\r\n")
		if l == `\.` {
			end = next
			break
		}
		data.WriteString(l)
		data.WriteByte('\n')
		i = next
	}
	st.copyData = data.String()
	lines := strings.Count(s.src[start:end], "\n")
	if end == len(s.src) && end > start && s.src[end-1] != '\n' {
		lines++
	}
	if end > start {
		s.spans = append(s.spans, Span{Start: s.offset(start), End: s.offset(end), Kind: CopyData})
	}
	s.src = s.src[:start] + s.src[end:]
	s.splices = append(s.splices, splice{at: start, lines: lines, bytes: end - start})
}

// take appends src[s.pos:end] to the statement and moves past it.
func (s *scanner) take(end int) {
	if s.empty() {
		s.start = s.line
	}
	s.buf.WriteString(s.src[s.pos:end])
	s.skip(end)
}

// skip moves past src[s.pos:end] without sending it.
func (s *scanner) skip(end int) {
	s.line += strings.Count(s.src[s.pos:end], "\n")
	for _, sp := range s.splices {
		if s.pos < sp.at && sp.at <= end {
			s.line += sp.lines
		}
	}
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
	if !s.empty() {
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

// backslash reads a psql meta-command: its name, and its arguments up to
// the end of the line or an unquoted backslash (psqlscanslash.l). \g and
// \gset send the statement collected so far; any other command must stand
// between statements.
func (s *scanner) backslash() {
	line := s.line
	end := s.pos + 1
	for end < len(s.src) && !isSpace(s.src[end]) && s.src[end] != '\\' {
		end++
	}
	m := &metaCommand{name: s.src[s.pos+1 : end], line: line}
	argEnd := metaArgsEnd(s.src, end)
	m.args = s.src[end:argEnd]
	m.raw = s.src[s.pos:argEnd]
	s.spans = append(s.spans, Span{Start: s.offset(s.pos), End: s.offset(end), Kind: MetaCommand})
	if argEnd > end {
		s.spans = append(s.spans, Span{Start: s.offset(end), End: s.offset(argEnd), Kind: MetaArgs})
	}
	pending := !s.empty()
	s.skip(argEnd)
	if msg := checkMeta(m, pending); msg != "" {
		s.problems = append(s.problems, problem{line, msg})
		return
	}
	if m.sends() {
		s.emit(m)
		return
	}
	s.items = append(s.items, item{meta: m})
}

// metaArgsEnd finds where a meta-command's arguments starting at i end: at
// the end of the line, even inside quotes, or at a backslash outside quotes
// (the next command).
func metaArgsEnd(src string, i int) int {
	var quote byte
	for ; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			// psql lexes a meta-command within its line of input: a
			// quote left open there is unterminated, not continued.
			return i
		case quote == '\'' && c == '\\' && i+1 < len(src) && src[i+1] != '\n':
			i++ // an escape such as \' inside a quoted argument
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\\':
			return i
		case c == '\'' || c == '"' || c == '`':
			quote = c
		}
	}
	return len(src)
}

// psqlVariables are the variables psql 17 -X defines by itself (\set with
// no argument lists them, but for SHELL_ERROR and SHELL_EXIT_CODE, set after
// a shell command); psql would substitute them for :NAME, :'NAME' or :"NAME"
// outside quotes, in statements and in meta-command arguments. A reference
// to one is refused in both, and \set or \unset of one too.
const psqlVariables = "AUTOCOMMIT COMP_KEYWORD_CASE DBNAME ECHO ECHO_HIDDEN ENCODING ERROR " +
	"FETCH_COUNT HIDE_TABLEAM HIDE_TOAST_COMPRESSION HISTCONTROL HISTSIZE HOST IGNOREEOF " +
	"LAST_ERROR_MESSAGE LAST_ERROR_SQLSTATE ON_ERROR_ROLLBACK ON_ERROR_STOP PORT PROMPT1 " +
	"PROMPT2 PROMPT3 QUIET ROW_COUNT SERVER_VERSION_NAME SERVER_VERSION_NUM SHELL_ERROR " +
	"SHELL_EXIT_CODE SHOW_ALL_RESULTS SHOW_CONTEXT SINGLELINE SINGLESTEP SQLSTATE USER " +
	"VERBOSITY VERSION VERSION_NAME VERSION_NUM"

// psqlVariableError is the error for a reference (:NAME, :'NAME' or
// :"NAME") to one of psqlVariables, in a statement or in a meta-command's
// arguments alike.
func psqlVariableError(ref string) error {
	return fmt.Errorf("psql variable %s is not supported: psql sets it itself, and its value is not known to the builder", ref)
}

// colon reads a variable reference :NAME, :'NAME' or :"NAME". References to
// psql's own variables are reported: psql would substitute them and Run does
// not know their values. Others are substituted at run time when the variable
// is set (\set, \gset) and sent as written otherwise, as psql does.
func (s *scanner) colon() {
	if s.peek(1) == ':' { // a typecast
		s.take(s.pos + 2)
		return
	}
	start := s.pos + 1
	quote := s.peek(1)
	if quote == '\'' || quote == '"' {
		start++
	} else {
		quote = 0
	}
	end := start
	for end < len(s.src) && (isIdentStart(s.src[end]) || isDigit(s.src[end])) {
		end++
	}
	name, ref := s.src[start:end], s.src[s.pos:end]
	if quote != 0 { // quoted forms need their closing quote
		if end == len(s.src) || s.src[end] != quote {
			name = ""
		}
		ref += string(quote)
	}
	if name == "" {
		s.take(s.pos + 1)
		return
	}
	if slices.Contains(strings.Fields(psqlVariables), name) {
		s.problems = append(s.problems, problem{s.line, psqlVariableError(ref).Error()})
	}
	if s.empty() {
		s.start = s.line
	}
	if s.buf.Len() > 0 {
		s.parts = append(s.parts, part{text: s.buf.String()})
		s.buf.Reset()
	}
	s.parts = append(s.parts, part{text: ref, name: name, quote: quote})
	s.skip(s.pos + len(ref))
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
			s.emit(nil)
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
