package psql

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// formatMessage renders an error or notice as libpq's default verbosity does
// (pqBuildErrorMessage3) and psql prints it when reading a script from stdin:
// no "psql:file:line:" prefix. query is the statement as sent. CONTEXT is
// shown for errors only: psql's SHOW_CONTEXT defaults to "errors".
func formatMessage(e *pgconn.PgError, query string, isError bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:  %s", e.Severity, e.Message)
	text, pos := query, int(e.Position)
	if pos == 0 {
		text, pos = e.InternalQuery, int(e.InternalPosition)
	}
	if pos > 0 && text == "" {
		fmt.Fprintf(&b, " at character %d", pos)
	}
	b.WriteByte('\n')
	if pos > 0 && text != "" {
		writePosition(&b, text, pos)
	}
	field(&b, "DETAIL", e.Detail)
	field(&b, "HINT", e.Hint)
	field(&b, "QUERY", e.InternalQuery)
	if isError {
		field(&b, "CONTEXT", e.Where)
	}
	return b.String()
}

func field(b *strings.Builder, name, value string) {
	if value != "" {
		fmt.Fprintf(b, "%s:  %s\n", name, value)
	}
}

// Limits of libpq's reportErrorPosition, in screen columns.
const (
	displaySize = 60 // longest query excerpt shown
	minRightCut = 10 // context kept right of the cursor
)

// writePosition is libpq's reportErrorPosition: it prints the query line
// holding the 1-based character position loc, cut to about 60 columns with
// "..." at the cut ends, and a caret under the position.
func writePosition(b *strings.Builder, query string, loc int) {
	loc--
	q := scanPosition(query, loc)
	if loc > q.chars {
		return
	}
	beg, end := q.beg, q.end
	begCut, endCut := false, false
	if q.col[end]-q.col[beg] > displaySize {
		if q.col[beg]+displaySize >= q.col[loc]+minRightCut {
			for q.col[end]-q.col[beg] > displaySize {
				end--
			}
			endCut = true
		} else {
			for q.col[loc]+minRightCut < q.col[end] {
				end--
				endCut = true
			}
			for q.col[end]-q.col[beg] > displaySize {
				beg++
				begCut = true
			}
		}
	}
	prefix := fmt.Sprintf("LINE %d: ", q.line)
	if begCut {
		prefix += "..."
	}
	b.WriteString(prefix)
	b.WriteString(q.text[q.off[beg]:q.off[end]])
	if endCut {
		b.WriteString("...")
	}
	b.WriteByte('\n')
	// The prefix is ASCII, so its width is its length.
	b.WriteString(strings.Repeat(" ", len(prefix)+q.col[loc]-q.col[beg]))
	b.WriteString("^\n")
}

// positionScan is what reportErrorPosition learns in its first pass: byte
// offset and screen column of every character up to the end of the error's
// line, the line number, and the first and past-last characters of the line.
type positionScan struct {
	text     string // query with tabs turned into spaces
	off, col []int
	line     int
	beg, end int
	chars    int // characters scanned
}

func scanPosition(query string, loc int) positionScan {
	text := []byte(query)
	q := positionScan{line: 1, end: -1}
	offset, column, cno := 0, 0, 0
	for ; offset < len(text); cno++ {
		q.off = append(q.off, offset)
		q.col = append(q.col, column)
		ch := text[offset]
		if ch == '\t' {
			text[offset] = ' '
		} else if ch == '\r' || ch == '\n' {
			if cno >= loc {
				q.end = cno
				break
			}
			// "\r\n" counts as one line break.
			if ch == '\r' || cno == 0 || text[q.off[cno-1]] != '\r' {
				q.line++
			}
			q.beg = cno + 1
		}
		n := min(charLen(ch), len(text)-offset)
		column += max(charWidth(string(text[offset:offset+n])), 1)
		offset += n
	}
	q.text = string(text)
	if q.end < 0 {
		q.end = cno
		q.off = append(q.off, offset)
		q.col = append(q.col, column)
	}
	q.chars = cno
	return q
}
