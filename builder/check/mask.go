package check

import (
	"regexp"
	"strings"

	"replcourse/builder/psql"
)

// volatileRE finds values that are never the same twice and must never be
// written into an expectation: timestamps, WAL file names and LSNs. Order
// matters: a timestamp is replaced before its digits could look like
// anything else.
var volatileRE = []struct {
	re *regexp.Regexp
	ph string
}{
	{regexp.MustCompile(`\b` + tsRE + `\b`), "{{ts}}"},
	{regexp.MustCompile(`\b` + kinds["walfile"].re + `\b`), "{{walfile}}"},
	{regexp.MustCompile(`\b` + kinds["lsn"].re + `\b`), "{{lsn}}"},
}

// maskVolatile replaces the timestamps, WAL file names and LSNs of an
// actual text with their placeholders, and escapes the braces of the rest
// (see escape), so that the result reads back as that text.
func maskVolatile(s string) string {
	type piece struct {
		text string
		ph   bool
	}
	ps := []piece{{text: s}}
	for _, v := range volatileRE {
		var next []piece
		for _, p := range ps {
			if p.ph {
				next = append(next, p)
				continue
			}
			last := 0
			for _, loc := range v.re.FindAllStringIndex(p.text, -1) {
				next = append(next, piece{text: p.text[last:loc[0]]}, piece{text: v.ph, ph: true})
				last = loc[1]
			}
			next = append(next, piece{text: p.text[last:]})
		}
		ps = next
	}
	var b strings.Builder
	for i, p := range ps {
		if p.ph {
			b.WriteString(p.text)
		} else {
			b.WriteString(escapeLiteral(p.text, i+1 < len(ps)))
		}
	}
	return b.String()
}

// outLine is one line of a masked text; kept says it is an expected line
// as written, which re-padding leaves alone unless its table changed.
type outLine struct {
	text string
	kept bool
}

// Mask turns an actual output into an expected text, as an update of the
// expectations would write it:
//   - a line that matches keeps the expected line, placeholders included;
//   - a changed line that pairs with an expected line of the same shape (a
//     table row with as many cells, a line with as many words) keeps each
//     expected cell or word that still matches, and takes the others from
//     the actual line;
//   - any text taken from the actual output has its timestamps, WAL file
//     names and LSNs replaced by {{ts}}, {{walfile}} and {{lsn}}, and a
//     "{{" that would read as a placeholder or an escape is escaped;
//   - a psql table with a changed line is re-padded as psql pads it, so
//     its columns line up again; a table of kept lines stays as written;
//   - so is a psql expanded result (\x) with a changed line: names padded
//     to the widest name, record header lines and the padding before a
//     value's '+' to the widest value, widths counted as psql counts them
//     (psql.DisplayWidth) on the text as written, placeholders included.
//
// The result matches actual whenever the masking allows it; otherwise
// Mask falls back to the masked actual lines, then to the actual lines,
// escaped.
func Mask(expected, actual string, known Captures) string {
	var tries []string
	if m, err := newMatcher(expected, actual, known); err == nil {
		if _, ok := m.search(); ok {
			var out []string
			for _, e := range m.exp {
				out = append(out, e.text)
			}
			return joinLines(out)
		}
		ops, _ := m.verify(m.align())
		tries = append(tries, joinLines(repad(m.merge(ops, known))))
	}
	for _, text := range append(tries, maskedActual(actual)) {
		if Match(text, actual, known).OK {
			return text
		}
	}
	return escapedActual(actual)
}

// escapedActual is actual as an expected text: its lines with the braces
// that would read as placeholders escaped.
func escapedActual(actual string) string {
	lines := splitLines(actual)
	for i, l := range lines {
		lines[i] = escapeLiteral(l, false)
	}
	return joinLines(lines)
}

func maskedActual(actual string) string {
	var out []outLine
	for _, l := range splitLines(actual) {
		out = append(out, outLine{text: maskVolatile(l)})
	}
	return joinLines(repad(out))
}

// merge writes the masked lines for an alignment: kept lines as written,
// changed ones paired with the deleted expected line they replace. It
// replays the captures in reading order, so a kept cell's reference is
// checked against the value this output captured.
func (m *matcher) merge(ops []op, known Captures) []outLine {
	var out []outLine
	cs := newCapState()
	for k := 0; k < len(ops); {
		o := ops[k]
		if !isChange(o) {
			if o.kind == opEq {
				m.lineMatch(&m.exp[o.i], &m.act[o.j], cs)
			}
			if o.kind == opEq || o.kind == opWild {
				out = append(out, outLine{text: m.exp[o.i].text, kept: true})
			}
			k++
			continue
		}
		end := k
		for end < len(ops) && isChange(ops[end]) {
			end++
		}
		out = append(out, m.mergeChange(ops[k:end], known, cs)...)
		k = end
	}
	return out
}

// mergeChange pairs the n-th deleted expected line of a change with its
// n-th inserted actual line; unpaired deletions are dropped.
func (m *matcher) mergeChange(ops []op, known Captures, cs *capState) []outLine {
	var dels []int
	var out []outLine
	for _, o := range ops {
		if o.kind == opDel {
			dels = append(dels, o.i)
		}
	}
	n := 0
	for _, o := range ops {
		if o.kind != opIns {
			continue
		}
		a := &m.act[o.j]
		text := maskVolatile(a.text)
		if n < len(dels) {
			if merged, ok := mergeLine(&m.exp[dels[n]], a, known, cs); ok {
				text = merged
			}
			n++
		}
		out = append(out, outLine{text: text})
	}
	return out
}

// mergeLine keeps the parts of an expected line that still match a changed
// actual line of the same shape: cells of a table row, name and value of an
// expanded record line, else words.
func mergeLine(e *expLine, a *line, known Captures, cs *capState) (string, bool) {
	if e.wild {
		return "", false
	}
	if e.kind == a.kind && (e.kind == cellLine || e.kind == fieldLine) {
		if len(e.cellPats) != len(a.cells) {
			return "", false
		}
		expRaw, actRaw := rawCells(&e.line), rawCells(a)
		for k, p := range e.cellPats {
			mark := cs.mark()
			if p.match(a.cells[k], cs) {
				actRaw[k] = expRaw[k]
			} else {
				cs.undo(mark)
				actRaw[k] = maskVolatile(actRaw[k])
			}
		}
		return strings.Join(actRaw, "|"), true
	}
	if e.kind != plainLine || a.kind != plainLine {
		return "", false
	}
	return mergeWords(e.text, a.text, known)
}

// rawCells splits a table row or an expanded record line into its cells
// with their padding, as they are joined again by '|'.
func rawCells(l *line) []string {
	if l.kind == fieldLine {
		return []string{l.text[:l.bar], l.text[l.bar+1:]}
	}
	return strings.Split(l.text, "|")
}

var wordRE = regexp.MustCompile(`\S+`)

// mergeWords keeps each expected word that matches the actual word in its
// place, with the actual line's spacing. Lines with different numbers of
// words are not merged: a placeholder may stand for several words.
func mergeWords(exp, act string, known Captures) (string, bool) {
	ew := strings.Fields(exp)
	locs := wordRE.FindAllStringIndex(act, -1)
	if len(ew) != len(locs) || len(ew) == 0 {
		return "", false
	}
	var b strings.Builder
	last := 0
	for k, loc := range locs {
		b.WriteString(act[last:loc[0]])
		word := act[loc[0]:loc[1]]
		if wordMatches(ew[k], word, known) {
			b.WriteString(ew[k])
		} else {
			b.WriteString(maskVolatile(word))
		}
		last = loc[1]
	}
	b.WriteString(act[last:])
	return b.String(), true
}

// wordMatches compiles one expected word on its own; a word that cannot
// stand alone (a reference to a capture of its own text) does not match.
func wordMatches(pat, word string, known Captures) bool {
	segs, err := parseSegments(pat)
	if err != nil {
		return false
	}
	p, err := compile(segs, &scope{known: known, caps: map[string]*placeholder{}})
	return err == nil && p.match(word, nil)
}

// repad re-aligns each psql table and expanded result that holds a changed
// line; those made only of kept lines stay as written. A table or result is
// what classify found (a table's header, separator and rows; a result's
// records), so a line never belongs to two of them.
func repad(lines []outLine) []string {
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	cls := classify(texts)
	for first := 0; first < len(cls); {
		t := cls[first].table
		end := first + 1
		for end < len(cls) && t != 0 && cls[end].table == t {
			end++
		}
		if t == 0 || !changed(lines[first:end]) {
			first = end
			continue
		}
		before := append([]string(nil), texts[first:end]...)
		if cls[t-1].kind == recordLine {
			formatExpanded(texts, cls, first, end)
		} else {
			formatTable(texts, cls, first, t-1, end)
		}
		if !sameSyntax(before, texts[first:end]) {
			copy(texts[first:end], before)
		}
		first = end
	}
	return texts
}

// sameSyntax reports whether re-padded lines still read as placeholders
// and literal text where the lines before did: padding put after literal
// text such as "{{lsn" makes it an unclosed placeholder.
func sameSyntax(before, after []string) bool {
	for k := range before {
		_, errBefore := parseSegments(before[k])
		_, errAfter := parseSegments(after[k])
		if (errBefore == nil) != (errAfter == nil) {
			return false
		}
	}
	return true
}

func changed(lines []outLine) bool {
	for _, l := range lines {
		if !l.kept {
			return true
		}
	}
	return false
}

// cell is one cell of a table line, parsed from its padding.
type cell struct {
	text  string
	align byte // 'l', 'r' or 'c' (headers)
	cont  bool // ends with psql's '+' continuation mark
}

func parseCell(raw string, header bool) cell {
	c := cell{align: 'l'}
	// Like normalizeCell: a trailing '+' is psql's continuation mark.
	body, cont := strings.CutSuffix(strings.TrimRight(raw, " "), "+")
	c.cont = cont
	lead := len(body) - len(strings.TrimLeft(body, " "))
	c.text = strings.Trim(body, " ")
	switch {
	case header:
		c.align = 'c'
	case lead >= 2 || lead == 1 && looksNumeric(c.text) && len(raw)-len(strings.TrimRight(raw, " ")) <= 1:
		c.align = 'r'
	}
	return c
}

// looksNumeric guesses psql's right alignment for a cell that fills its
// column, where the padding does not tell: a number, or a cell that starts
// with a placeholder of kind int or num (or an alias of int).
func looksNumeric(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	if toks := scan(s); len(toks) > 0 && toks[0].ph {
		// The kind before any '?' or ':name', aliases resolved.
		k := toks[0].text
		if n := strings.IndexAny(k, "?:"); n >= 0 {
			k = k[:n]
		}
		if a, ok := aliases[k]; ok {
			k = a
		}
		return k == "int" || k == "num"
	}
	return strings.Trim(s, "0123456789.e+-") == ""
}

// formatTable rewrites texts[first:end] (header, separator at sep, rows)
// with psql's padding: one space each side, columns as wide as their
// widest cell, headers centred. A table whose lines do not all have the
// separator's number of cells is left as it is.
func formatTable(texts []string, cls []line, first, sep, end int) {
	ncol := cls[sep].plus + 1
	rows := map[int][]cell{}
	widths := make([]int, ncol)
	for i := first; i < end; i++ {
		if i == sep || cls[i].kind != cellLine {
			continue
		}
		raws := strings.Split(texts[i], "|")
		if len(raws) != ncol {
			return
		}
		cells := make([]cell, ncol)
		for k := range cells {
			cells[k] = parseCell(raws[k], i < sep)
			widths[k] = max(widths[k], psql.DisplayWidth(cells[k].text))
		}
		rows[i] = cells
	}
	for i, cells := range rows {
		texts[i] = formatRow(cells, widths)
	}
	dashes := make([]string, ncol)
	for k, w := range widths {
		dashes[k] = strings.Repeat("-", w+2)
	}
	texts[sep] = strings.Join(dashes, "+")
}

func formatRow(cells []cell, widths []int) string {
	var b strings.Builder
	for k, c := range cells {
		if k > 0 {
			b.WriteByte('|')
		}
		pad := widths[k] - psql.DisplayWidth(c.text)
		left := 0
		switch c.align {
		case 'r':
			left = pad
		case 'c':
			left = pad / 2
		}
		b.WriteString(" " + strings.Repeat(" ", left) + c.text + strings.Repeat(" ", pad-left))
		if c.cont {
			b.WriteByte('+')
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// field is one line of an expanded record, parsed from its padding.
type field struct {
	name, value string
	nameCont    bool // the name goes on, on the next line ("+|")
	valueCont   bool // the value goes on, on the next line (a last '+')
}

// parseField splits an expanded record line at its '|'. A value is taken
// as going on when it ends with '+' and the next line of the result
// continues it: psql gives that line a blank name, unless the name goes on
// too. Otherwise a last '+' is the value's own.
func parseField(cls []line, i, end int) field {
	t, bar := cls[i].text, cls[i].bar
	// psql writes '+' right before the '|' of a name that goes on, a space
	// after any other: "a+ |" is the name "a+".
	f := field{}
	f.name, f.nameCont = strings.CutSuffix(t[:bar], "+")
	f.name = strings.TrimRight(f.name, " ")
	f.value = strings.TrimRight(strings.TrimPrefix(t[bar+1:], " "), " ")
	if body, ok := strings.CutSuffix(f.value, "+"); ok && i+1 < end && cls[i+1].kind == fieldLine && (cls[i+1].cells[0] == "" || f.nameCont) {
		f.value, f.valueCont = strings.TrimRight(body, " "), true
	}
	return f
}

// formatExpanded rewrites the expanded result texts[first:end] (record
// header lines, record lines and {{...}} lines) with the padding of psql's
// print_aligned_vertical: each name padded to the widest name, then " |" or
// "+|", " " and the value; a value that goes on padded to the data width
// and ended by '+'; each record header line as wide as names and data.
// The data width is psql's for the widest value as written, and as many
// records as the highest record number.
func formatExpanded(texts []string, cls []line, first, end int) {
	fields := map[int]field{}
	hwidth, vwidth, records, multi := 0, 0, 1, false
	for i := first; i < end; i++ {
		switch cls[i].kind {
		case recordLine:
			records = max(records, cls[i].record)
		case fieldLine:
			f := parseField(cls, i, end)
			fields[i] = f
			hwidth = max(hwidth, psql.DisplayWidth(f.name))
			vwidth = max(vwidth, psql.DisplayWidth(f.value))
			multi = multi || f.valueCont
		}
	}
	dwidth := psql.ExpandedDataWidth(records, hwidth, vwidth, multi)
	for i := first; i < end; i++ {
		if cls[i].kind == recordLine {
			texts[i] = psql.RecordLine(cls[i].record, hwidth, dwidth)
		}
	}
	for i, f := range fields {
		var b strings.Builder
		b.WriteString(f.name)
		b.WriteString(strings.Repeat(" ", max(hwidth-psql.DisplayWidth(f.name), 0)))
		if f.nameCont {
			b.WriteString("+| ")
		} else {
			b.WriteString(" | ")
		}
		b.WriteString(f.value)
		if f.valueCont {
			b.WriteString(strings.Repeat(" ", max(dwidth-psql.DisplayWidth(f.value), 0)))
			b.WriteByte('+')
		}
		texts[i] = strings.TrimRight(b.String(), " ")
	}
}
