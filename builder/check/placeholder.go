package check

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// kind is what a placeholder kind matches. left/right say the pattern
// always starts/ends with a word character: next to another placeholder it
// then gets a \b, so {{...}}{{int}} cannot take half a number.
type kind struct {
	re          string // only non-capturing groups
	left, right bool
}

const (
	tsRE = `[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?` +
		// +00, +05:30 (timestamptz) or " UTC", " +04" (log_line_prefix %m/%t)
		`(?:[+-][0-9]{2}(?::[0-9]{2}){0,2}| [A-Z]{2,5}| [+-][0-9]{2}(?::?[0-9]{2})?)?`
	ivUnit = `[+-]?[0-9]+ (?:years?|mons?|days?)`
	ivTime = `[+-]?[0-9]+:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?`
	// interval in the default "postgres" style: 1 year 2 mons 3 days 04:05:06.5
	intervalRE = `(?:` + ivUnit + `(?: ` + ivUnit + `)*(?: ` + ivTime + `)?|` + ivTime + `)`
	octet      = `(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])`
	ipRE       = octet + `(?:\.` + octet + `){3}`
	wildcard   = "..."
)

// kindNames lists the kinds in the order error messages show them.
var kindNames = []string{"lsn", "walfile", "ts", "int", "num", "interval", "ip", "version", "word", "hex", wildcard}

var kinds = map[string]kind{
	"lsn":      {`[0-9A-F]{1,8}/[0-9A-F]{1,8}`, true, true},
	"walfile":  {`[0-9A-F]{24}`, true, true},
	"ts":       {tsRE, true, true},
	"int":      {`-?[0-9]+`, false, true},
	"num":      {`-?[0-9]+(?:\.[0-9]+)?(?:e[+-][0-9]+)?`, false, true},
	"interval": {intervalRE, false, true},
	"ip":       {ipRE, true, true},
	"version":  {`[0-9]+\.[0-9]+`, true, true},
	"word":     {`\S+`, false, false},
	"hex":      {`[0-9A-Fa-f]+`, true, true},
	wildcard:   {`.*?`, false, false},
}

// aliases name what an integer stands for, so expected outputs read well.
var aliases = map[string]string{"pid": "int", "port": "int", "oid": "int", "xid": "int", "bytes": "int"}

var (
	// A placeholder holds no braces, commas or bars, so psql arrays such
	// as {{1,2},{3,4}} and JSON stay literal text.
	openRE = regexp.MustCompile(`^\{\{([^{}|,]*)\}\}`)
	// refRE finds a reference in code or prose, with the backslashes
	// right before it (see the escape rule).
	refRE  = regexp.MustCompile(`(\\*)\{\{@([^{}|,]*)\}\}`)
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// unclosedRE finds a placeholder the author forgot to close ({{lsn} ).
	unclosedRE = regexp.MustCompile(`\{\{(?:@[a-z][a-z0-9_]*|` + kindAlternation() + `)\??(?::[a-z][a-z0-9_]*)?(?:\}(?:[^}]|$)|[\s|]|$)`)
)

func kindAlternation() string {
	var alts []string
	for _, k := range kindNames {
		alts = append(alts, regexp.QuoteMeta(k))
	}
	for a := range aliases {
		alts = append(alts, a)
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// placeholder is one {{…}} as written.
type placeholder struct {
	kind     string // canonical kind; empty for a reference
	optional bool   // suffix ?: also matches an empty value (NULL)
	capture  string // record the value under this name
	ref      string // the value must equal this capture
}

// segment is literal text or a placeholder.
type segment struct {
	lit string
	ph  *placeholder
}

// token is one piece of an expected line as scan splits it.
type token struct {
	text string // literal text; a placeholder's body when ph
	ph   bool   // a placeholder
	esc  bool   // literal text that an escape stands for
}

// scan splits one line of an expected output from the left: {{body}}
// (body without braces, commas or bars) is a placeholder, anything else
// literal text, with the escape rule, as CommonMark's backslash escapes:
// a backslash right before "{{" makes that "{{" literal text (psql prints
// ARRAY[[2]] as {{2}}, written \{{2}}), and a backslash before that
// backslash is a literal backslash. So a run of n backslashes right
// before "{{" stands for n/2 of them, and for an odd n the "{{" is
// literal; backslashes anywhere else are literal as they are. In code and
// prose only {{@name}} is special, and the rule applies to the
// backslashes right before it (see Substitute).
func scan(s string) []token {
	var toks []token
	lit := 0 // start of the pending literal text as written
	flush := func(end int) {
		if end > lit {
			toks = append(toks, token{text: s[lit:end]})
		}
	}
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\':
			n := backslashes(s[i:])
			if !strings.HasPrefix(s[i+n:], "{{") {
				i += n
				continue
			}
			flush(i)
			text := strings.Repeat(`\`, n/2)
			i += n
			if n%2 == 1 {
				text += "{{"
				i += 2
			}
			if text != "" {
				toks = append(toks, token{text: text, esc: true})
			}
			lit = i
		case strings.HasPrefix(s[i:], "{{"):
			loc := openRE.FindStringSubmatchIndex(s[i:])
			if loc == nil {
				i++
				continue
			}
			flush(i)
			toks = append(toks, token{text: s[i+loc[2] : i+loc[3]], ph: true})
			i += loc[1]
			lit = i
		default:
			i++
		}
	}
	flush(len(s))
	return toks
}

func backslashes(s string) int {
	n := 0
	for n < len(s) && s[n] == '\\' {
		n++
	}
	return n
}

// escapeLiteral writes s, literal text, so that scan reads it back as s:
// where the last "{{" of a run of braces would open a placeholder or trip
// the unclosed-placeholder check, a backslash goes before it, and a run
// of backslashes that ends up right before "{{" is doubled. beforePH says
// a placeholder follows s directly.
func escapeLiteral(s string, beforePH bool) string {
	if !strings.Contains(s, "{{") && !(beforePH && strings.HasSuffix(s, `\`)) && !strings.Contains(s, `\{`) {
		return s
	}
	// Brace runs first: each becomes its braces, with a backslash before
	// the last two where they are dangerous.
	type run struct {
		start, end int
		out        string
	}
	var runs []run
	for i := 0; i < len(s); {
		if s[i] != '{' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '{' {
			j++
		}
		k, rest := j-i, s[j:]
		if n := strings.IndexByte(rest, '{'); n >= 0 {
			rest = rest[:n] // a placeholder's body holds no brace
		}
		// scan may also end the literal text at a backslash: check for
		// an unclosed placeholder as if it did, which can only add escapes.
		short := rest
		if n := strings.IndexByte(short, '\\'); n >= 0 {
			short = short[:n]
		}
		out := s[i:j]
		if k >= 2 && (openRE.MatchString("{{"+rest) || startsUnclosed("{{"+rest) || startsUnclosed("{{"+short)) {
			out = strings.Repeat("{", k-2) + `\{{`
		}
		runs = append(runs, run{i, j, out})
		i = j
	}
	var b strings.Builder
	r := 0 // next brace run
	for i := 0; i < len(s); {
		switch {
		case r < len(runs) && i == runs[r].start:
			b.WriteString(runs[r].out)
			i = runs[r].end
			r++
		case s[i] == '\\':
			n := backslashes(s[i:])
			next := ""
			switch {
			case i+n == len(s) && beforePH:
				next = "{{"
			case r < len(runs) && runs[r].start == i+n:
				next = runs[r].out
				if runs[r].end == len(s) && beforePH {
					next += "{{" // the braces run on into the placeholder's
				}
			}
			if strings.HasPrefix(next, "{{") || strings.HasPrefix(next, `\{{`) {
				n *= 2 // followed by "{{" once written: each one doubled
			}
			b.WriteString(strings.Repeat(`\`, n))
			i += backslashes(s[i:])
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

func startsUnclosed(s string) bool {
	loc := unclosedRE.FindStringIndex(s)
	return loc != nil && loc[0] == 0
}

// parseSegments splits a line or a cell into literal text (escapes
// resolved) and placeholders.
func parseSegments(s string) ([]segment, error) {
	var segs []segment
	for _, t := range scan(s) {
		if t.ph {
			ph, err := parsePlaceholder(t.text)
			if err != nil {
				return nil, err
			}
			segs = append(segs, segment{ph: ph})
			continue
		}
		if !t.esc {
			if err := checkLiteral(t.text); err != nil {
				return nil, err
			}
		}
		if n := len(segs) - 1; n >= 0 && segs[n].ph == nil {
			segs[n].lit += t.text
		} else {
			segs = append(segs, segment{lit: t.text})
		}
	}
	return segs, nil
}

func checkLiteral(s string) error {
	if m := unclosedRE.FindString(s); m != "" {
		return fmt.Errorf("unclosed placeholder %q: write {{kind}}", strings.TrimRight(m, " \t|"))
	}
	return nil
}

func parsePlaceholder(body string) (*placeholder, error) {
	whole := "{{" + body + "}}"
	if body == "" {
		return nil, fmt.Errorf("empty placeholder {{}}")
	}
	if name, ok := strings.CutPrefix(body, "@"); ok {
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("%s: a reference is {{@name}}, name [a-z][a-z0-9_]*", whole)
		}
		return &placeholder{ref: name}, nil
	}
	head, name, hasName := strings.Cut(body, ":")
	ph := &placeholder{}
	head, ph.optional = strings.CutSuffix(head, "?")
	ph.kind = head
	if a, ok := aliases[head]; ok {
		ph.kind = a
	}
	if _, ok := kinds[ph.kind]; !ok {
		return nil, fmt.Errorf("unknown placeholder %s: kinds are %s (int aliases: pid, port, oid, xid, bytes), {{@name}} for a reference; \\{{ for a literal {{",
			whole, strings.Join(kindNames, ", "))
	}
	if hasName {
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("%s: a capture is {{kind:name}}, name [a-z][a-z0-9_]*", whole)
		}
		ph.capture = name
	}
	return ph, nil
}

// pattern matches one line or one cell.
type pattern struct {
	lit            string         // the whole text when re is nil
	re             *regexp.Regexp // anchored; nil for literal text
	prefix, suffix string         // literal ends: a cheap reject before re
	pad            string         // see trailingPad
	groups         []group        // one per capturing group of re
}

// group is a capturing group: a capture to record or a reference to check.
type group struct {
	name string
	ref  bool
}

// scope resolves references while compiling an expected text in order.
type scope struct {
	known Captures
	caps  map[string]*placeholder // captured earlier in this text
}

func (sc *scope) clone() *scope {
	c := &scope{known: sc.known, caps: make(map[string]*placeholder, len(sc.caps))}
	for k, v := range sc.caps {
		c.caps[k] = v
	}
	return c
}

// compile builds the pattern of segs. A reference to a value captured
// earlier in the same text becomes a group checked at match time (the
// value depends on the path); one to an earlier block is literal text.
func compile(segs []segment, sc *scope) (*pattern, error) {
	p := &pattern{}
	if len(segs) == 0 || len(segs) == 1 && segs[0].ph == nil {
		if len(segs) == 1 {
			p.lit = segs[0].lit
		}
		return p, nil
	}
	src, err := sc.source(segs, p)
	if err != nil {
		return nil, err
	}
	if p.re, err = regexp.Compile(src); err != nil {
		return nil, fmt.Errorf("line too complex to match: %v", err)
	}
	p.pad = trailingPad(segs)
	if segs[0].ph == nil {
		p.prefix = segs[0].lit
	}
	if last := segs[len(segs)-1]; last.ph == nil {
		p.suffix = last.lit
	}
	return p, nil
}

// source writes the anchored regexp of segs and records its groups in p.
func (sc *scope) source(segs []segment, p *pattern) (string, error) {
	// A trailing plain {{...}} takes the rest of the line: leaving it and
	// the $ out lets the regexp stop early on a huge line.
	body, end := segs, "$"
	if last := segs[len(segs)-1].ph; last != nil && last.kind == wildcard && last.capture == "" {
		body, end = segs[:len(segs)-1], ""
	}
	var b strings.Builder
	b.WriteString("^")
	for k, sg := range body {
		if sg.ph == nil {
			b.WriteString(quote(sg.lit))
			continue
		}
		re, g, err := sc.placeholderRE(sg.ph, k > 0 && segs[k-1].ph != nil, k+1 < len(segs) && segs[k+1].ph != nil)
		if err != nil {
			return "", err
		}
		b.WriteString(re)
		if g != nil {
			p.groups = append(p.groups, *g)
		}
	}
	b.WriteString(end)
	return b.String(), nil
}

// placeholderRE returns the regexp of ph and its capturing group, if any.
func (sc *scope) placeholderRE(ph *placeholder, afterPH, beforePH bool) (string, *group, error) {
	if ph.ref != "" {
		if c, ok := sc.caps[ph.ref]; ok {
			return "(" + kindRE(c, false, false) + ")", &group{name: ph.ref, ref: true}, nil
		}
		if v, ok := sc.known[ph.ref]; ok {
			return quote(v), nil, nil
		}
		return "", nil, fmt.Errorf("{{@%s}}: nothing captured %q before this line", ph.ref, ph.ref)
	}
	re := kindRE(ph, afterPH, beforePH)
	if ph.capture == "" {
		return re, nil, nil
	}
	sc.caps[ph.capture] = ph
	return "(" + re + ")", &group{name: ph.capture}, nil
}

// quote is regexp.QuoteMeta that also accepts invalid UTF-8, which the
// regexp package reads as U+FFFD. prefix and suffix stay byte-exact.
func quote(s string) string {
	if utf8.ValidString(s) {
		return regexp.QuoteMeta(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError {
			b.WriteString(`\x{FFFD}`)
		} else {
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// kindRE is the regexp of a placeholder's kind, with \b guards where it
// touches another placeholder.
func kindRE(ph *placeholder, afterPH, beforePH bool) string {
	k := kinds[ph.kind]
	re := k.re
	if afterPH && k.left {
		re = `\b` + re
	}
	if beforePH && k.right {
		re += `\b`
	}
	if ph.optional {
		return "(?:" + re + ")?"
	}
	return "(?:" + re + ")"
}

// trailingPad returns the whitespace that ends the last literal when
// only placeholders that can be empty follow it: "lag | {{interval?}}"
// must match "lag |", whose trailing space was stripped with the NULL.
func trailingPad(segs []segment) string {
	k := len(segs) - 1
	for ; k >= 0 && segs[k].ph != nil; k-- {
		if ph := segs[k].ph; !ph.optional && ph.kind != wildcard {
			return ""
		}
	}
	if k < 0 || k == len(segs)-1 {
		return ""
	}
	lit := segs[k].lit
	return lit[len(strings.TrimRight(lit, " \t")):]
}

// match reports whether s matches p. With cs it also checks references
// and records captures; without, references match any value of their kind.
func (p *pattern) match(s string, cs *capState) bool {
	return p.matchPadded(s, cs) || p.pad != "" && p.matchPadded(s+p.pad, cs)
}

func (p *pattern) matchPadded(s string, cs *capState) bool {
	if p.re == nil {
		return s == p.lit
	}
	if !strings.HasPrefix(s, p.prefix) || !strings.HasSuffix(s, p.suffix) {
		return false
	}
	loc := p.re.FindStringSubmatchIndex(s)
	if loc == nil {
		return false
	}
	if cs == nil {
		return true
	}
	for gi, g := range p.groups {
		v := ""
		if a := loc[2+2*gi]; a >= 0 {
			v = s[a:loc[3+2*gi]]
		}
		if !g.ref {
			cs.set(g.name, v)
		} else if got, ok := cs.got[g.name]; !ok || got != v {
			return false
		}
	}
	return true
}
