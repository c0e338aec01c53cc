package check

import (
	"strings"
)

type lineKind uint8

const (
	plainLine  lineKind = iota
	sepLine             // psql table separator: ----+----
	cellLine            // psql table header or row
	recordLine          // psql expanded (\x) record header: -[ RECORD 1 ]--+--
	fieldLine           // psql expanded record line: name | value
)

// line is one line of either side, with its place in a psql table.
type line struct {
	text   string // trailing whitespace removed
	kind   lineKind
	plus   int      // sepLine: number of '+', i.e. columns - 1
	record int      // recordLine: the record number
	cells  []string // cellLine, fieldLine: trimmed cells (name and value)
	bar    int      // fieldLine: byte index of the '|' after the name
	// table is 1 + the index of the separator of the psql table the line
	// belongs to (its header, the separator itself, its rows and the
	// {{...}} lines among them), or of the first record header line of the
	// expanded result it belongs to (its records and the {{...}} lines
	// among them); 0 elsewhere.
	table int
}

// splitLines normalizes line ends, drops trailing whitespace (Markdown
// editors strip it, psql headers end with a space) and trailing empty
// lines (psql ends a table with one, a Markdown block may not).
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// classify finds psql tables: a separator line, the header just before it
// (same number of columns), and rows up to a blank line or the footer; and
// psql expanded results (\x): a record header line, then name | value
// lines and further records up to a line that is neither (psql ends the
// result with a blank line). Each side is classified on its own, so a
// mangled table on one side is compared line by line instead.
func classify(texts []string) []line {
	lines := make([]line, len(texts))
	for i, t := range texts {
		lines[i].text = t
	}
	for i := 0; i < len(lines); i++ {
		if _, ok := recordNumber(texts[i]); ok {
			i = classifyExpanded(lines, i) - 1
			continue
		}
		if !isSep(texts[i]) {
			continue
		}
		plus := strings.Count(texts[i], "+")
		lines[i].kind, lines[i].plus, lines[i].table = sepLine, plus, i+1
		if h := i - 1; h >= 0 && lines[h].kind == plainLine && texts[h] != "" && !isMultiWild(texts[h]) && strings.Count(texts[h], "|") == plus {
			lines[h].setCells()
			lines[h].table = i + 1
		}
		j := i + 1
		for ; j < len(texts) && isRow(texts[j], plus); j++ {
			lines[j].table = i + 1
			if !isMultiWild(texts[j]) {
				lines[j].setCells()
			}
		}
		i = j - 1
	}
	return lines
}

// classifyExpanded marks the expanded result whose first record header
// line is lines[first] and returns the index of the line after it. psql's
// print_aligned_vertical prints each record as its header line, then for
// every column the name padded to the widest name, " |" or "+|" (a name
// that goes on, on the next line), and " " and the value; a value that goes
// on is padded to the widest value and ends with '+', its next line has a
// blank name. So a record line splits at its first '|' that has a space or
// a '+' before it and a space or the end of the line after it.
func classifyExpanded(lines []line, first int) int {
	j := first
	for ; j < len(lines); j++ {
		l := &lines[j]
		if n, ok := recordNumber(l.text); ok {
			l.kind, l.record = recordLine, n
		} else if bar := fieldBar(l.text); bar >= 0 {
			l.kind, l.bar = fieldLine, bar
			l.cells = []string{normalizeCell(l.text[:bar]), normalizeCell(l.text[bar+1:])}
		} else if !isMultiWild(l.text) {
			break
		}
		l.table = first + 1
	}
	return j
}

// fieldBar returns the byte index of the '|' that ends the name of an
// expanded record line, or -1 when t is not one.
func fieldBar(t string) int {
	for k := 1; k < len(t); k++ {
		if t[k] == '|' && (t[k-1] == ' ' || t[k-1] == '+') && (k+1 == len(t) || t[k+1] == ' ') {
			return k
		}
	}
	return -1
}

func isRow(t string, plus int) bool {
	if t == "" || isFooter(t) || isSep(t) {
		return false
	}
	// A skipped stretch of rows ({{...}}) does not end the table.
	return isMultiWild(t) || strings.Count(t, "|") == plus
}

func (l *line) setCells() {
	l.kind = cellLine
	l.cells = strings.Split(l.text, "|")
	for k, c := range l.cells {
		l.cells[k] = normalizeCell(c)
	}
}

// normalizeCell trims the padding. psql marks a continued multi-line value
// with '+' after the padding, so the spaces before it depend on the column
// width: drop them too.
func normalizeCell(c string) string {
	c = strings.Trim(c, " ")
	if t, ok := strings.CutSuffix(c, "+"); ok {
		c = strings.TrimRight(t, " ") + "+"
	}
	return c
}

// isSep matches ^-+(\+-+)*$ without a regexp (it runs on every line).
func isSep(t string) bool {
	if t == "" || t[0] != '-' || t[len(t)-1] != '-' {
		return false
	}
	for k := 0; k < len(t); k++ {
		switch t[k] {
		case '-':
		case '+':
			if t[k-1] == '+' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// recordNumber parses ^-\[ RECORD (\d+) \]-*(\+-*)?$. The dashes span the
// widest value, so only the number is compared.
func recordNumber(t string) (int, bool) {
	rest, ok := strings.CutPrefix(t, "-[ RECORD ")
	if !ok {
		return 0, false
	}
	n, k := 0, 0
	for ; k < len(rest) && rest[k] >= '0' && rest[k] <= '9' && n < 1e9; k++ {
		n = n*10 + int(rest[k]-'0')
	}
	rest, ok = strings.CutPrefix(rest[k:], " ]")
	if k == 0 || !ok || strings.Count(rest, "+") > 1 || strings.Trim(rest, "-+") != "" {
		return 0, false
	}
	return n, true
}

// isFooter matches ^\((\d+) rows?\)$.
func isFooter(t string) bool {
	rest, ok := strings.CutPrefix(t, "(")
	if !ok {
		return false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return n > 0 && (rest[n:] == " row)" || rest[n:] == " rows)")
}

// isMultiWild reports a line that stands for any number of lines.
func isMultiWild(t string) bool { return strings.TrimSpace(t) == "{{...}}" }
