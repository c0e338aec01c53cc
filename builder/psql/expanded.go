package psql

import (
	"fmt"
	"math"
	"strings"
)

// expandedMode is psql's \x setting (printTableOpt.expanded).
type expandedMode uint8

const (
	expandedOff expandedMode = iota
	expandedOn
	// expandedAuto expands a table wider than the screen. psql measures
	// the screen only when its output is a terminal (or \pset columns is
	// set); reading a script with its output going to a file or a pipe, as
	// here, it never expands.
	expandedAuto
)

// FormatExpanded renders a result as psql's expanded display (\x on; border
// 1, ASCII lines, print.c's print_aligned_vertical): one "-[ RECORD n ]"
// line per row, then one "name | value" line per column, names padded to
// the longest name, multi-line values continued under a "|" with a "+" at
// the end of every line but a value's last. A result without rows or without
// columns prints only the "(N rows)" footer; otherwise there is no footer.
// The output ends with an empty line. A nil cell is NULL, printed empty.
func FormatExpanded(cols []Column, rows [][]*string) string {
	out, _ := formatExpanded(cols, rows, 0)
	return out
}

// formatExpanded is FormatExpanded that gives up (ok false) before writing
// anything when the output could be longer than limit bytes (0: no limit).
func formatExpanded(cols []Column, rows [][]*string, limit int) (out string, ok bool) {
	if len(rows) == 0 || len(cols) == 0 {
		if len(rows) == 1 {
			return "(1 row)\n\n", true
		}
		return fmt.Sprintf("(%d rows)\n\n", len(rows)), true
	}
	t := newTable(cols, rows) // widths per column are not used here
	hwidth, dwidth := 0, 0
	hmulti, dmulti := false, false
	for _, h := range t.header {
		for _, l := range h {
			hwidth = max(hwidth, l.width)
		}
		hmulti = hmulti || len(h) > 1
	}
	for _, row := range t.cells {
		for _, c := range row {
			for _, l := range c {
				dwidth = max(dwidth, l.width)
			}
			dmulti = dmulti || len(c) > 1
		}
	}
	dwidth = ExpandedDataWidth(len(rows), hwidth, dwidth, dmulti)
	if limit > 0 {
		lines := 0
		for _, row := range t.cells {
			lines++
			for i, c := range row {
				lines += max(len(c), len(t.header[i]))
			}
		}
		if lines*(hwidth+dwidth+6)+t.bytes+32 > limit {
			return "", false
		}
	}
	var b strings.Builder
	for r, row := range t.cells {
		writeRecordLine(&b, r+1, hwidth, dwidth)
		for i, c := range row {
			writeField(&b, t.header[i], c, hwidth, dwidth, dmulti)
		}
	}
	b.WriteByte('\n')
	return b.String(), true
}

// ExpandedDataWidth is the width of the data column of an expanded result
// of records records (at least 1) whose widest name line is nameWidth
// columns and widest value line valueWidth: print_aligned_vertical widens
// the data column so that the record header lines fit, counting one more
// separator column when multiline (a value spans lines and gets '+' marks).
func ExpandedDataWidth(records, nameWidth, valueWidth int, multiline bool) int {
	swidth := 3
	if multiline {
		swidth++
	}
	rwidth := 1 + int(math.Log10(float64(max(records, 1)))) + 12
	return max(nameWidth+swidth+valueWidth, rwidth) - nameWidth - swidth
}

// RecordLine is the header line psql prints above record n of an expanded
// result, without its line end: nameWidth is the widest name line,
// dataWidth what ExpandedDataWidth gives (see writeRecordLine).
func RecordLine(n, nameWidth, dataWidth int) string {
	var b strings.Builder
	writeRecordLine(&b, n, nameWidth, dataWidth)
	return strings.TrimSuffix(b.String(), "\n")
}

// writeRecordLine is print_aligned_vertical_line for border 1: the record
// label after one dash, dashes to the end of the name column, "-+-" unless
// the label already runs past it, and dashes to the end of the data column.
func writeRecordLine(b *strings.Builder, record, hwidth, dwidth int) {
	label := fmt.Sprintf("[ RECORD %d ]", record)
	b.WriteByte('-')
	b.WriteString(label)
	reclen := len(label) + 1
	for i := reclen; i < hwidth; i++ {
		b.WriteByte('-')
	}
	reclen -= hwidth
	for _, c := range []byte("-+-") {
		if reclen <= 0 {
			b.WriteByte(c)
		}
		reclen--
	}
	for i := max(reclen, 0); i < dwidth; i++ {
		b.WriteByte('-')
	}
	b.WriteByte('\n')
}

// writeField prints one column of a record: name lines and value lines side
// by side, as many lines as the taller of the two.
func writeField(b *strings.Builder, name, value []displayLine, hwidth, dwidth int, dmulti bool) {
	hline, dline := 0, 0
	hdone, ddone := false, false
	for !hdone || !ddone {
		if !hdone {
			b.WriteString(name[hline].text)
			spaces(b, hwidth-name[hline].width)
			if hline+1 < len(name) {
				b.WriteByte('+')
				hline++
			} else {
				b.WriteByte(' ')
				hdone = true
			}
		} else {
			spaces(b, hwidth+1)
		}
		b.WriteByte('|')
		if !ddone {
			b.WriteByte(' ')
			b.WriteString(value[dline].text)
			if dline+1 < len(value) {
				if dmulti {
					spaces(b, dwidth-value[dline].width)
					b.WriteByte('+')
				}
				dline++
			} else {
				ddone = true
			}
		}
		b.WriteByte('\n')
	}
}
