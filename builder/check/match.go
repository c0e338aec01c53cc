package check

import "fmt"

// maxCompare bounds the line comparisons spent looking for where the lines
// between two {{...}} lines are; beyond it the outputs are called different.
const maxCompare = 40_000_000

// expLine is one line of an expected text, parsed and compiled.
type expLine struct {
	line
	num      int  // 1-based, for errors
	wild     bool // the line is {{...}}: any number of lines
	segs     []segment
	cellSegs [][]segment
	whole    *pattern   // the line as a whole
	cellPats []*pattern // cellLine: one per cell
}

// parseExpected splits an expected text into lines and checks its syntax.
func parseExpected(expected string) ([]expLine, error) {
	lines := classify(splitLines(expected))
	out := make([]expLine, len(lines))
	seen := map[string]int{}
	for i, l := range lines {
		e := &out[i]
		e.line, e.num = l, i+1
		if isMultiWild(l.text) {
			e.wild = true
			continue
		}
		var err error
		if e.segs, err = parseSegments(l.text); err != nil {
			return nil, &LineError{e.num, err.Error()}
		}
		for _, sg := range e.segs {
			if sg.ph == nil || sg.ph.capture == "" {
				continue
			}
			name := sg.ph.capture
			if prev, dup := seen[name]; dup {
				return nil, &LineError{e.num, fmt.Sprintf("%q is already captured on line %d: refer to it with {{@%s}}", name, prev, name)}
			}
			seen[name] = e.num
		}
		for _, c := range l.cells {
			segs, err := parseSegments(c)
			if err != nil {
				return nil, &LineError{e.num, err.Error()}
			}
			e.cellSegs = append(e.cellSegs, segs)
		}
	}
	return out, nil
}

// compileAll builds the patterns in text order, so each reference knows
// whether its value comes from this text or from an earlier block.
func compileAll(exp []expLine, known Captures) error {
	sc := &scope{known: known, caps: map[string]*placeholder{}}
	for i := range exp {
		e := &exp[i]
		if e.wild {
			continue
		}
		// Cells and whole line see the same references: compile the
		// cells in a copy of the scope when the line adds captures.
		csc := sc
		if hasCapture(e.segs) {
			csc = sc.clone()
		}
		for _, segs := range e.cellSegs {
			p, err := compile(segs, csc)
			if err != nil {
				return &LineError{e.num, err.Error()}
			}
			e.cellPats = append(e.cellPats, p)
		}
		p, err := compile(e.segs, sc)
		if err != nil {
			return &LineError{e.num, err.Error()}
		}
		e.whole = p
	}
	return nil
}

func hasCapture(segs []segment) bool {
	for _, sg := range segs {
		if sg.ph != nil && sg.ph.capture != "" {
			return true
		}
	}
	return false
}

// capState holds the captures made along one matching path, with an undo
// log to drop those of a placement that failed.
type capState struct {
	got   Captures
	order []string
}

func newCapState() *capState { return &capState{got: Captures{}} }

func (c *capState) set(name, v string) {
	c.got[name] = v
	c.order = append(c.order, name)
}

func (c *capState) mark() int { return len(c.order) }

func (c *capState) undo(mark int) {
	for _, n := range c.order[mark:] {
		delete(c.got, n)
	}
	c.order = c.order[:mark]
}

// matcher compares one expected text with one actual output.
type matcher struct {
	exp      []expLine
	act      []line
	compared int      // line comparisons made by search
	notes    []string // said after the diff
}

func newMatcher(expected, actual string, known Captures) (*matcher, error) {
	exp, err := parseExpected(expected)
	if err != nil {
		return nil, err
	}
	if err := compileAll(exp, known); err != nil {
		return nil, err
	}
	return &matcher{exp: exp, act: classify(splitLines(actual))}, nil
}

// lineMatch compares one expected line with one actual line: cell by cell
// when both are in a psql table or both are name | value lines of psql
// expanded records, by number when both are record header lines. With cs it checks references and records
// captures (undone if the line fails); without, it only compares shapes.
func (m *matcher) lineMatch(e *expLine, a *line, cs *capState) bool {
	if cs == nil {
		return pairMatch(e, a, nil)
	}
	mark := cs.mark()
	if pairMatch(e, a, cs) {
		return true
	}
	cs.undo(mark)
	return false
}

func pairMatch(e *expLine, a *line, cs *capState) bool {
	switch {
	case e.kind == sepLine && a.kind == sepLine:
		return e.plus == a.plus
	case e.kind == recordLine && a.kind == recordLine:
		return e.record == a.record
	case e.kind == a.kind && (e.kind == cellLine || e.kind == fieldLine):
		if len(e.cellPats) != len(a.cells) {
			return false
		}
		for k, p := range e.cellPats {
			if !p.match(a.cells[k], cs) {
				return false
			}
		}
		return true
	}
	return e.whole.match(a.text, cs)
}

// search is the fast path. Lines between {{...}} lines form runs that
// each match a fixed number of consecutive actual lines, so placing the
// first run at the start, the last at the end and each middle one at its
// leftmost fit finds a match whenever one exists (for references, the
// first one in reading order). Without {{...}} it is a linear walk.
func (m *matcher) search() (Captures, bool) {
	runs := m.runs()
	cs := newCapState()
	n := len(m.act)
	if len(runs) == 1 {
		return cs.got, len(m.exp) == n && m.runAt(runs[0], 0, cs)
	}
	first, last := runs[0], runs[len(runs)-1]
	lo, hi := first[1]-first[0], n-(last[1]-last[0])
	if hi < lo || !m.runAt(first, 0, cs) {
		return nil, false
	}
	for _, r := range runs[1 : len(runs)-1] {
		p, ok := m.leftmost(r, lo, hi, cs)
		if !ok {
			return nil, false
		}
		lo = p + r[1] - r[0]
	}
	return cs.got, m.runAt(last, hi, cs)
}

// runs returns the [start, end) ranges of expected lines between {{...}}.
func (m *matcher) runs() [][2]int {
	var runs [][2]int
	start := 0
	for i, e := range m.exp {
		if e.wild {
			runs = append(runs, [2]int{start, i})
			start = i + 1
		}
	}
	return append(runs, [2]int{start, len(m.exp)})
}

// leftmost places run r at the first actual line p in [lo, hi-len(r)].
func (m *matcher) leftmost(r [2]int, lo, hi int, cs *capState) (int, bool) {
	for p := lo; p+r[1]-r[0] <= hi; p++ {
		if m.compared > maxCompare {
			m.notes = append(m.notes, fmt.Sprintf("gave up looking for the lines around {{...}} after %d line comparisons", m.compared))
			return 0, false
		}
		mark := cs.mark()
		if m.runAt(r, p, cs) {
			return p, true
		}
		cs.undo(mark)
	}
	return 0, false
}

func (m *matcher) runAt(r [2]int, p int, cs *capState) bool {
	for i := r[0]; i < r[1]; i++ {
		m.compared++
		if !m.lineMatch(&m.exp[i], &m.act[p+i-r[0]], cs) {
			return false
		}
	}
	return true
}
