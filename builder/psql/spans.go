package psql

import (
	"cmp"
	"slices"
)

// SpanKind says what a part of a script is to psql.
type SpanKind int

const (
	// MetaCommand is a backslash command's name, backslash included:
	// `\x`, `\dRp+`, `\gset`.
	MetaCommand SpanKind = iota + 1
	// MetaArgs is the text after a meta-command's name up to the end of
	// its line or the next backslash command (psqlscanslash.l): its
	// arguments as written, with the blanks before them.
	MetaArgs
	// CopyData is the inline data of COPY … FROM STDIN: the lines after
	// the statement's line up to and including the line `\.` (or to the
	// end of the script).
	CopyData
)

// Span is a part of a script, by byte offsets: script[Start:End].
type Span struct {
	Start, End int
	Kind       SpanKind
}

// Spans returns, in script order, the parts of script that psql reads
// itself instead of sending them to the server: meta-commands with their
// arguments, and COPY data. They are found by the same scan as Split and
// Check, so a meta-command Check refuses (\watch, an unknown one) is still
// a span. Everything outside them is SQL, comments or blanks.
func Spans(script string) []Span {
	spans := scan(script).spans
	// COPY data is found when its statement ends, before the rest of the
	// statement's line is scanned.
	slices.SortStableFunc(spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return spans
}
