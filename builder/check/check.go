// Package check decides whether the real output of a block matches the
// output its author expected, and explains a mismatch with a unified diff.
//
// Expected outputs may hold placeholders for volatile values:
//
//	{{lsn}} {{walfile}} {{ts}} {{int}} {{num}} {{interval}} {{ip}}
//	{{version}} {{word}} {{hex}} {{...}}    (see kinds for what each matches)
//	{{pid}} {{port}} {{oid}} {{xid}} {{bytes}}   aliases of {{int}}
//	{{interval?}}      also matches an empty value (psql prints NULL so)
//	{{lsn:before}}     captures the value under the name "before"
//	{{@before}}        must equal the value captured earlier
//	a line of {{...}}  matches any number of lines, none included
//
// {{ only opens a placeholder when no brace, comma or bar comes before the
// closing }}, so psql arrays ({{1,2},{3,4}}) and JSON stay literal; a
// backslash makes a {{ literal text (psql's {{2}} is written \{{2}}), see
// the escape rule at scan.
// Trailing whitespace, trailing empty lines and CRLF line ends never
// count. psql tables are compared cell by cell, so a wider value that
// re-pads a column is not a difference; so are the name | value lines of
// psql's expanded display (\x), whose record header lines are compared by
// record number only (their dashes span the widest value). Everything here
// is pure: no I/O, no global mutable state.
package check

import (
	"fmt"
	"strings"
)

// Captures maps capture names to the values they matched.
type Captures map[string]string

// Result is the outcome of Match.
type Result struct {
	OK bool
	// Captures holds the values captured by this expected text (only when OK).
	Captures Captures
	// Diff is a unified diff ("--- expected", "+++ actual") when !OK and
	// Err is nil. Lines that match, placeholders applied, are context.
	Diff string
	// Err is set when the expected text itself is wrong: bad placeholder
	// syntax, or a reference to a name nobody captured. OK is then false
	// and Diff holds the same message, so a caller printing Diff says why.
	Err error
}

// LineError is a problem in an expected text at a 1-based line within it;
// callers add the offset of the text in its file.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Validate checks the placeholder syntax of an expected text. References
// are not resolved: their values come from earlier blocks, which only
// Match knows.
func Validate(expected string) error {
	if _, err := parseExpected(expected); err != nil {
		return err
	}
	return nil
}

// Match compares an actual output with an expected text. known holds the
// values captured by earlier blocks, for {{@name}} references.
func Match(expected, actual string, known Captures) Result {
	m, err := newMatcher(expected, actual, known)
	if err != nil {
		return Result{Err: err, Diff: err.Error() + "\n"}
	}
	if caps, ok := m.search(); ok {
		return Result{OK: true, Captures: caps}
	}
	ops, caps := m.verify(m.align())
	if !hasChanges(ops) {
		// The fast search commits to the leftmost placement; the full
		// alignment can still find a path it missed.
		return Result{OK: true, Captures: caps}
	}
	return Result{Diff: m.render(ops)}
}

// Substitute replaces each {{@name}} in text (code or prose) with the
// captured value, applying the escape rule to the backslashes right before
// it: \{{@name}} is written as the literal {{@name}}. An unknown or
// malformed name is an error naming it.
func Substitute(text string, caps Captures) (string, error) {
	var b strings.Builder
	last := 0
	for _, loc := range refRE.FindAllStringSubmatchIndex(text, -1) {
		n := loc[3] - loc[2] // backslashes before the reference
		b.WriteString(text[last:loc[0]])
		b.WriteString(strings.Repeat(`\`, n/2))
		last = loc[1]
		if n%2 == 1 {
			b.WriteString(text[loc[3]:loc[1]])
			continue
		}
		name := text[loc[4]:loc[5]]
		line := 1 + strings.Count(text[:loc[0]], "\n")
		if !nameRE.MatchString(name) {
			return "", &LineError{line, fmt.Sprintf("{{@%s}}: a name is [a-z][a-z0-9_]*", name)}
		}
		v, ok := caps[name]
		if !ok {
			return "", &LineError{line, fmt.Sprintf("{{@%s}}: no earlier block captured %q", name, name)}
		}
		b.WriteString(v)
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
