package check

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxAlignCells = 4_000_000 // expected × actual lines aligned by the full table
	contextLines  = 3
	maxDiffLines  = 200
	maxLineBytes  = 1000 // a diff line longer than this is cut
)

type opKind uint8

const (
	opEq   opKind = iota // expected line i matches actual line j
	opDel                // expected line i has no actual line
	opIns                // actual line j has no expected line
	opWild               // expected {{...}} line i takes actual lines j..j+k-1
)

// An unmatched expected line costs more than an unmatched actual line:
// without {{...}} this changes nothing (every alignment has the same
// numbers of each), with it an alignment that keeps more expected lines
// wins over one where {{...}} swallows the lines they should have matched.
const (
	delCost = 2
	insCost = 1
)

// op is one step of an alignment; i and j are the expected and actual
// positions where it starts.
type op struct {
	kind    opKind
	i, j, k int
}

// align lines up both sides at the least cost of unmatched lines, where a pair
// is equal when the expected line matches the actual one (placeholders
// applied, tables cell by cell). Common ends are matched first: that is
// optimal for this cost and keeps the quadratic part small.
func (m *matcher) align() []op {
	n, na := len(m.exp), len(m.act)
	p := 0
	for p < n && p < na && !m.exp[p].wild && m.lineMatch(&m.exp[p], &m.act[p], nil) {
		p++
	}
	s := 0
	for s < n-p && s < na-p && !m.exp[n-1-s].wild && m.lineMatch(&m.exp[n-1-s], &m.act[na-1-s], nil) {
		s++
	}
	var ops []op
	for k := 0; k < p; k++ {
		ops = append(ops, op{kind: opEq, i: k, j: k})
	}
	ops = append(ops, m.alignMiddle(p, n-s, p, na-s)...)
	for k := s; k > 0; k-- {
		ops = append(ops, op{kind: opEq, i: n - k, j: na - k})
	}
	return ops
}

// alignMiddle aligns expected[i0:i1] with actual[j0:j1] by dynamic
// programming: d[i][j] is the least cost of aligning from (i, j) on.
func (m *matcher) alignMiddle(i0, i1, j0, j1 int) []op {
	n, na := i1-i0, j1-j0
	if (n+1)*(na+1) > maxAlignCells {
		m.notes = append(m.notes, fmt.Sprintf("%d expected and %d actual lines are too many to align: they are listed as they are", n, na))
		return bulk(m.exp, i0, i1, j0, j1)
	}
	w := na + 1
	d := make([]int32, (n+1)*w)
	for j := 0; j <= na; j++ {
		d[n*w+j] = int32((na - j) * insCost)
	}
	for i := n - 1; i >= 0; i-- {
		e := &m.exp[i0+i]
		for j := na; j >= 0; j-- {
			d[i*w+j] = m.cost(e, d, i, j, w, na, j0)
		}
	}
	return m.walk(d, i0, n, j0, na)
}

func (m *matcher) cost(e *expLine, d []int32, i, j, w, na, j0 int) int32 {
	down := d[(i+1)*w+j]
	if e.wild {
		if j < na {
			return min(down, d[i*w+j+1])
		}
		return down
	}
	v := down + delCost
	if j < na {
		v = min(v, d[i*w+j+1]+insCost)
		if diag := d[(i+1)*w+j+1]; diag < v && m.lineMatch(e, &m.act[j0+j], nil) {
			v = diag
		}
	}
	return v
}

// walk follows the table from the start, preferring a match, then a
// deletion (so "-" lines come before "+" lines); {{...}} takes as few
// lines as it can.
func (m *matcher) walk(d []int32, i0, n, j0, na int) []op {
	w := na + 1
	var ops []op
	for i, j := 0, 0; i < n || j < na; {
		o := op{i: i0 + i, j: j0 + j}
		switch {
		case i == n:
			o.kind = opIns
			j++
		case m.exp[i0+i].wild:
			for d[i*w+j+o.k] != d[(i+1)*w+j+o.k] {
				o.k++
			}
			o.kind = opWild
			i, j = i+1, j+o.k
		case j < na && d[i*w+j] == d[(i+1)*w+j+1] && m.lineMatch(&m.exp[i0+i], &m.act[j0+j], nil):
			o.kind = opEq
			i, j = i+1, j+1
		case d[i*w+j] == d[(i+1)*w+j]+delCost:
			o.kind = opDel
			i++
		default:
			o.kind = opIns
			j++
		}
		ops = append(ops, o)
	}
	return ops
}

// bulk lists both sides without aligning them, for huge outputs.
func bulk(exp []expLine, i0, i1, j0, j1 int) []op {
	ops := make([]op, 0, i1-i0+j1-j0)
	for i := i0; i < i1; i++ {
		kind := opDel
		if exp[i].wild {
			kind = opWild
		}
		ops = append(ops, op{kind: kind, i: i, j: j0})
	}
	for j := j0; j < j1; j++ {
		ops = append(ops, op{kind: opIns, i: i1, j: j})
	}
	return ops
}

// verify replays an alignment in reading order, checking references and
// recording captures; a pair that only matched loosely becomes a change.
func (m *matcher) verify(ops []op) ([]op, Captures) {
	cs := newCapState()
	out := make([]op, 0, len(ops))
	for _, o := range ops {
		if o.kind == opEq && !m.lineMatch(&m.exp[o.i], &m.act[o.j], cs) {
			out = append(out, op{kind: opDel, i: o.i, j: o.j}, op{kind: opIns, i: o.i + 1, j: o.j})
			continue
		}
		out = append(out, o)
	}
	return out, cs.got
}

func hasChanges(ops []op) bool {
	for _, o := range ops {
		if isChange(o) {
			return true
		}
	}
	return false
}

func isChange(o op) bool { return o.kind == opDel || o.kind == opIns }

// render writes ops as a unified diff. Context lines show the expected
// text, placeholders included; a {{...}} line is one context line however
// many actual lines it took, so hunk headers still give true start lines.
func (m *matcher) render(ops []op) string {
	w := &diffWriter{}
	w.add("--- expected")
	w.add("+++ actual")
	for _, h := range hunks(ops) {
		w.add(hunkHeader(ops[h[0]:h[1]]))
		for _, o := range ops[h[0]:h[1]] {
			switch o.kind {
			case opEq, opWild:
				w.line(' ', m.exp[o.i].text)
			case opDel:
				w.line('-', w.visible(m.exp[o.i].text))
			case opIns:
				w.line('+', w.visible(m.act[o.j].text))
			}
		}
	}
	if w.cut > 0 {
		fmt.Fprintf(&w.b, "... %d more diff lines cut\n", w.cut)
	}
	if w.marked {
		w.b.WriteString("legend: in the - and + lines, ⟨tab⟩ is a tab, ⟨U+00A0⟩ a character that prints as blank or nothing (by its code point), ⟨0xFF⟩ a byte that is not UTF-8\n")
	}
	for _, n := range m.notes {
		fmt.Fprintf(&w.b, "note: %s\n", n)
	}
	return w.b.String()
}

// hunks groups changes with their context; changes whose contexts touch
// share a hunk.
func hunks(ops []op) [][2]int {
	var hs [][2]int
	for k, o := range ops {
		if !isChange(o) {
			continue
		}
		start, end := max(k-contextLines, 0), min(k+1+contextLines, len(ops))
		if last := len(hs) - 1; last >= 0 && start <= hs[last][1] {
			hs[last][1] = end
			continue
		}
		hs = append(hs, [2]int{start, end})
	}
	return hs
}

func hunkHeader(ops []op) string {
	oldN, newN := 0, 0
	for _, o := range ops {
		switch o.kind {
		case opEq, opWild:
			oldN++
			newN++
		case opDel:
			oldN++
		case opIns:
			newN++
		}
	}
	return fmt.Sprintf("@@ -%s +%s @@", hunkRange(ops[0].i, oldN), hunkRange(ops[0].j, newN))
}

// hunkRange follows GNU diff: "l" for one line, "l,n" otherwise, and the
// line before the hunk for an empty range.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return strconv.Itoa(start) + ",0"
	case 1:
		return strconv.Itoa(start + 1)
	}
	return strconv.Itoa(start+1) + "," + strconv.Itoa(n)
}

// diffWriter keeps a diff readable when an output is huge.
type diffWriter struct {
	b      strings.Builder
	n      int
	cut    int
	marked bool // visible marked a character
}

// visible marks the characters of a changed line that a reader could not
// tell apart from a space or from nothing, so that lines differing only
// in them do not look the same: a tab as ⟨tab⟩, a character that is not
// printable (a no-break or other Unicode space, a zero-width or other
// format character, a control character) by its code point, ⟨U+00A0⟩,
// and a byte that is not UTF-8 as ⟨0xFF⟩.
func (w *diffWriter) visible(s string) string {
	plain := utf8.ValidString(s)
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "⟨0x%02X⟩", s[i])
		case r == '\t':
			b.WriteString("⟨tab⟩")
		case r != ' ' && !unicode.IsPrint(r):
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
		default:
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		w.marked = true
		i += size
	}
	return b.String()
}

func (w *diffWriter) add(s string) {
	if w.n >= maxDiffLines {
		w.cut++
		return
	}
	w.b.WriteString(s)
	w.b.WriteByte('\n')
	w.n++
}

// line adds a diff line, cut to maxLineBytes.
func (w *diffWriter) line(prefix byte, text string) {
	if w.n >= maxDiffLines {
		w.cut++
		return
	}
	w.b.WriteByte(prefix)
	w.add(clip(text))
}

func clip(s string) string {
	if len(s) <= maxLineBytes {
		return s
	}
	n := maxLineBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + fmt.Sprintf("… (%d more bytes)", len(s)-n)
}
