package psql

import (
	"fmt"
	"strings"
)

// Column describes one result column: its name and the OID of its type as
// the server reports it (domains arrive as their base type).
type Column struct {
	Name    string
	TypeOID uint32
}

// rightAligned tells the types psql right-aligns (print.c's
// column_type_alignment): int2, int4, int8, float4, float8, numeric, oid,
// xid, xid8, cid and money.
func rightAligned(oid uint32) bool {
	switch oid {
	case 21, 23, 20, 700, 701, 1700, 26, 28, 5069, 29, 790:
		return true
	}
	return false
}

// displayLine is one line of a formatted value and its width in columns.
type displayLine struct {
	text  string
	width int
}

// formatValue is psql's pg_wcsformat: it splits s into display lines and
// makes control characters visible. Tabs expand to the next multiple of 8
// counted from the start of the value's line, not from the screen column.
func formatValue(s string) []displayLine {
	var lines []displayLine
	var b strings.Builder
	width := 0
	for i := 0; i < len(s); {
		n := charLen(s[i])
		if len(s)-i < n {
			break // a truncated character ends the string, as in libpq
		}
		ch := s[i : i+n]
		w := charWidth(ch)
		switch {
		case ch == "\n":
			lines = append(lines, displayLine{b.String(), width})
			b.Reset()
			width = 0
		case ch == "\r":
			b.WriteString(`\r`)
			width += 2
		case ch == "\t":
			for {
				b.WriteByte(' ')
				width++
				if width%8 == 0 {
					break
				}
			}
		case w < 0 && n == 1:
			fmt.Fprintf(&b, `\x%02X`, ch[0])
			width += 4
		case w < 0:
			fmt.Fprintf(&b, `\u%04X`, decode(ch))
			width += 6
		default:
			b.WriteString(ch)
			width += w
		}
		i += n
	}
	return append(lines, displayLine{b.String(), width})
}

// FormatTable renders a result as psql's default aligned format (border 1,
// ASCII lines) including the "(N rows)" footer and the blank line after it.
// A nil cell is NULL, printed empty.
func FormatTable(cols []Column, rows [][]*string) string {
	out, _ := formatTable(cols, rows, 0)
	return out
}

// formatTable is FormatTable that gives up (ok false) before writing
// anything when the table could be longer than limit bytes (0: no limit).
func formatTable(cols []Column, rows [][]*string, limit int) (out string, ok bool) {
	t := newTable(cols, rows)
	if limit > 0 && t.bound() > limit {
		return "", false
	}
	var b strings.Builder
	if len(cols) > 0 { // psql prints no header line for zero columns
		t.writeHeader(&b)
	}
	t.writeSeparator(&b)
	for _, row := range t.cells {
		t.writeRow(&b, row)
	}
	if len(rows) == 1 {
		b.WriteString("(1 row)\n\n")
	} else {
		fmt.Fprintf(&b, "(%d rows)\n\n", len(rows))
	}
	return b.String(), true
}

type table struct {
	header [][]displayLine
	cells  [][][]displayLine
	widths []int
	right  []bool
	bytes  int // bytes of all formatted values
}

// bound is an upper bound of the table's length in bytes: every display
// line padded to the full row width, plus every value's bytes (a character
// can take more bytes than columns).
func (t *table) bound() int {
	perLine := 3*len(t.widths) + 2
	for _, w := range t.widths {
		perLine += w
	}
	lines := 2 + height(t.header)
	for _, row := range t.cells {
		lines += height(row)
	}
	return lines*perLine + t.bytes + 32
}

// height is the number of display lines of the tallest value.
func height(values [][]displayLine) int {
	h := 1
	for _, v := range values {
		h = max(h, len(v))
	}
	return h
}

func newTable(cols []Column, rows [][]*string) *table {
	t := &table{widths: make([]int, len(cols)), right: make([]bool, len(cols))}
	for i, c := range cols {
		t.header = append(t.header, t.measure(i, c.Name))
		t.right[i] = rightAligned(c.TypeOID)
	}
	for _, row := range rows {
		cells := make([][]displayLine, len(cols))
		for i := range cols {
			v := ""
			if i < len(row) && row[i] != nil {
				v = *row[i]
			}
			cells[i] = t.measure(i, v)
		}
		t.cells = append(t.cells, cells)
	}
	return t
}

// measure formats v for column i and widens the column to fit it.
func (t *table) measure(i int, v string) []displayLine {
	lines := formatValue(validate(v))
	for _, l := range lines {
		t.widths[i] = max(t.widths[i], l.width)
		t.bytes += len(l.text) + 1
	}
	return lines
}

// writeHeader centres every header line in its column; a header line always
// ends with a space or a "+" wrap mark, so the line keeps a trailing blank.
func (t *table) writeHeader(b *strings.Builder) {
	height := 0
	for _, h := range t.header {
		height = max(height, len(h))
	}
	for l := range height {
		for i, h := range t.header {
			b.WriteByte(' ')
			if l < len(h) {
				pad := t.widths[i] - h[l].width
				spaces(b, pad/2)
				b.WriteString(h[l].text)
				spaces(b, (pad+1)/2)
			} else {
				spaces(b, t.widths[i])
			}
			if l < len(h)-1 {
				b.WriteByte('+')
			} else {
				b.WriteByte(' ')
			}
			if i < len(t.header)-1 {
				b.WriteByte('|')
			}
		}
		b.WriteByte('\n')
	}
}

func (t *table) writeSeparator(b *strings.Builder) {
	b.WriteByte('-')
	for i, w := range t.widths {
		b.WriteString(strings.Repeat("-", w))
		if i < len(t.widths)-1 {
			b.WriteString("-+-")
		}
	}
	b.WriteString("-\n")
}

// writeRow prints one row over as many display lines as its tallest cell.
func (t *table) writeRow(b *strings.Builder, row [][]displayLine) {
	height := 0
	for _, c := range row {
		height = max(height, len(c))
	}
	for l := range height {
		for i, c := range row {
			t.writeCell(b, i, c, l)
		}
		b.WriteByte('\n')
	}
}

// writeCell prints display line l of the cell in column i, with the "+"
// mark when the value continues. Only the last column omits its padding,
// and only when it is left-aligned and has no mark to print.
func (t *table) writeCell(b *strings.Builder, i int, c []displayLine, l int) {
	last := i == len(t.widths)-1
	b.WriteByte(' ')
	if l >= len(c) {
		if !last {
			spaces(b, t.widths[i]+1)
			b.WriteByte('|')
		}
		return
	}
	more := l < len(c)-1
	pad := t.widths[i] - c[l].width
	if t.right[i] {
		spaces(b, pad)
		b.WriteString(c[l].text)
	} else {
		b.WriteString(c[l].text)
		if !last || more {
			spaces(b, pad)
		}
	}
	switch {
	case more:
		b.WriteByte('+')
	case !last:
		b.WriteByte(' ')
	}
	if !last {
		b.WriteByte('|')
	}
}

func spaces(b *strings.Builder, n int) {
	for range n {
		b.WriteByte(' ')
	}
}
