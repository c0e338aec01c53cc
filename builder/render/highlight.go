package render

import (
	"bytes"
	"fmt"
	"html"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"replcourse/builder/course"
	"replcourse/builder/psql"
)

// highlighter turns code into chroma HTML with CSS classes (no inline
// styles, which the pages' CSP forbids). Chapters are rendered in
// parallel, so it is safe for concurrent use: the lexer table is behind a
// mutex, chroma's lexers and formatter are safe to share, and the cache
// locks itself.
type highlighter struct {
	get    func(name string) chroma.Lexer // lexers.Get; tests count calls
	format *chromahtml.Formatter
	cache  *Cache
	gen    uint64 // this Write's generation in cache

	mu     sync.Mutex
	lexers map[string]chroma.Lexer // by chroma name; nil value: known miss

	highlighted, hits atomic.Int64
}

// newHighlighter highlights through cache, or through a cache of its own
// when cache is nil (identical blocks are then still highlighted once).
func newHighlighter(cache *Cache) *highlighter {
	if cache == nil {
		cache = NewCache()
	}
	return &highlighter{
		get:    lexers.Get,
		format: chromahtml.New(chromahtml.WithClasses(true)),
		cache:  cache,
		gen:    cache.begin(),
		lexers: map[string]chroma.Lexer{},
	}
}

// done ends the Write: the cache forgets code this build did not show.
// It returns how many blocks were highlighted and how many were cached.
func (h *highlighter) done() (highlighted, hits int) {
	h.cache.prune(h.gen)
	return int(h.highlighted.Load()), int(h.hits.Load())
}

// lexerName maps the course's languages to chroma lexer names; "" is plain
// text.
func lexerName(lang string) string {
	switch l := strings.ToLower(lang); l {
	case "sql", "psql", "postgres":
		return "postgresql"
	case "sh", "shell", "bash":
		return "bash"
	case "conf", "ini", "cfg":
		return "ini" // postgresql.conf and pg_hba.conf read well as ini
	case "yml", "yaml":
		return "yaml"
	case "", "text", "txt", "plain", "plaintext":
		return ""
	default:
		return l
	}
}

// highlightLang is the language to highlight a block as. A file block
// without one is highlighted by its file's extension.
func highlightLang(b *course.Block) string {
	if b.Lang != "" || b.File == "" {
		return b.Lang
	}
	base := path.Base(b.File)
	if ext := path.Ext(base); ext != "" {
		return ext[1:]
	}
	return base // Dockerfile, Makefile
}

// lexer returns the lexer for a course language.
func (h *highlighter) lexer(lang string) chroma.Lexer { return h.lexerNamed(lexerName(lang)) }

// lexerNamed resolves a chroma name once per highlighter: lexers.Get on an
// unknown name scans every lexer's file patterns, about 9 ms a call.
// Unknown languages get the plain-text lexer.
func (h *highlighter) lexerNamed(name string) chroma.Lexer {
	if name == "" {
		return lexers.Fallback
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	l, seen := h.lexers[name]
	if !seen {
		if l = h.get(name); l != nil {
			l = chroma.Coalesce(l)
		}
		h.lexers[name] = l
	}
	if l == nil {
		return lexers.Fallback
	}
	return l
}

// valueMark is a captured value in shown code: code[start:end] is what a
// {{@name}} reference was replaced with. The page marks it, with title as
// its tooltip (see writer.blockCode).
type valueMark struct {
	start, end int
	title      string
}

// html returns code, highlighted as lang, as <pre class="chroma">, with
// marks (in order, not overlapping) around the captured values, from the
// cache when the same code with the same marks was highlighted before.
func (h *highlighter) html(lang, code string, marks ...valueMark) string {
	name := lexerName(lang)
	keyed := name
	for _, m := range marks {
		keyed += fmt.Sprintf("\x00%d:%d:%s", m.start, m.end, m.title)
	}
	key := cacheKey(keyed, code)
	if s, ok := h.cache.get(key, h.gen); ok {
		h.hits.Add(1)
		return s
	}
	s := h.highlight(name, code, marks)
	h.cache.put(key, s, h.gen)
	h.highlighted.Add(1)
	return s
}

func (h *highlighter) highlight(name, code string, marks []valueMark) string {
	code, marks = ensureLF(code, marks)
	tokens, err := h.tokens(name, code)
	if err != nil {
		// A lexer that fails still leaves readable code.
		tokens = []chroma.Token{{Type: chroma.Text, Value: code}}
	}
	var buf strings.Builder
	h.write(&buf, tokens, marks)
	return buf.String()
}

// ensureLF turns CR LF and CR into LF, as chroma does before lexing, and
// moves the marks with the text.
func ensureLF(code string, marks []valueMark) (string, []valueMark) {
	if !strings.Contains(code, "\r") {
		return code, marks
	}
	var b strings.Builder
	at := make([]int, len(code)+1) // old offset → new
	for i := 0; i < len(code); i++ {
		at[i] = b.Len()
		switch {
		case code[i] == '\r' && i+1 < len(code) && code[i+1] == '\n':
		case code[i] == '\r':
			b.WriteByte('\n')
		default:
			b.WriteByte(code[i])
		}
	}
	at[len(code)] = b.Len()
	moved := make([]valueMark, len(marks))
	for i, m := range marks {
		moved[i] = valueMark{start: at[m.start], end: at[m.end], title: m.title}
	}
	return b.String(), moved
}

// tokens lexes code with the named lexer. SQL is read as psql reads a
// script (psql.Spans): the meta-commands and COPY data psql handles
// itself are not SQL, and the SQL lexer would take their backslashes for
// errors; they get tokens of their own (psqlTokens) and only the SQL
// between them goes through the SQL lexer.
func (h *highlighter) tokens(name, code string) ([]chroma.Token, error) {
	lexer := h.lexerNamed(name)
	if name != "postgresql" {
		return tokenise(lexer, code)
	}
	var out []chroma.Token
	at := 0
	for _, sp := range psql.Spans(code) {
		sql, err := tokenise(lexer, code[at:sp.Start])
		if err != nil {
			return nil, err
		}
		out = append(append(out, sql...), psqlTokens(sp.Kind, code[sp.Start:sp.End])...)
		at = sp.End
	}
	sql, err := tokenise(lexer, code[at:])
	return append(out, sql...), err
}

// tokenise lexes text into tokens whose values add up to text exactly:
// a lexer that ensures a final newline adds one, dropped here, so that
// pieces of a script lexed one by one join up as written.
func tokenise(lexer chroma.Lexer, text string) ([]chroma.Token, error) {
	if text == "" {
		return nil, nil
	}
	it, err := lexer.Tokenise(nil, text)
	if err != nil {
		return nil, err
	}
	var out []chroma.Token
	left := len(text)
	for _, t := range it.Tokens() {
		if left == 0 {
			break
		}
		if len(t.Value) > left {
			t.Value = t.Value[:left]
		}
		left -= len(t.Value)
		out = append(out, t)
	}
	return out, nil
}

// psqlTokens are the tokens of a part of a script psql reads itself: a
// meta-command's name is a pseudo-keyword (psql's, not SQL's); its
// arguments are names, quoted strings and :variables; COPY data is plain
// text, except its end marker \., psql's too.
func psqlTokens(kind psql.SpanKind, text string) []chroma.Token {
	switch kind {
	case psql.MetaCommand:
		return []chroma.Token{{Type: chroma.KeywordPseudo, Value: text}}
	case psql.MetaArgs:
		return metaArgTokens(text)
	case psql.CopyData:
		body := strings.TrimSuffix(text, "\n")
		i := strings.LastIndexByte(body, '\n') + 1
		if body[i:] != `\.` {
			return []chroma.Token{{Type: chroma.Text, Value: text}}
		}
		return []chroma.Token{{Type: chroma.Text, Value: text[:i]}, {Type: chroma.KeywordPseudo, Value: `\.`}, {Type: chroma.Text, Value: text[i+2:]}}
	}
	return []chroma.Token{{Type: chroma.Text, Value: text}}
}

// metaArgTokens splits a meta-command's arguments as psqlscanslash.l
// reads them: blanks, quoted strings ('…', "…", `…`), variables (:name,
// :'name', :"name") and bare words.
func metaArgTokens(text string) []chroma.Token {
	var out []chroma.Token
	for len(text) > 0 {
		c := text[0]
		n, typ := 0, chroma.Name
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			n = len(text) - len(strings.TrimLeft(text, " \t\r\n"))
			typ = chroma.Text
		case c == '\'' || c == '"' || c == '`':
			n = quotedEnd(text, c)
			typ = map[byte]chroma.TokenType{'\'': chroma.LiteralStringSingle, '"': chroma.LiteralStringDouble, '`': chroma.LiteralStringBacktick}[c]
		case isVariable(text):
			if q := text[1]; q == '\'' || q == '"' {
				n = 1 + quotedEnd(text[1:], q)
			} else {
				n = 1 + len(text[1:]) - len(strings.TrimLeftFunc(text[1:], isNameRune))
			}
			typ = chroma.NameVariable
		default:
			n = max(1, wordEnd(text))
		}
		out = append(out, chroma.Token{Type: typ, Value: text[:n]})
		text = text[n:]
	}
	return out
}

// quotedEnd is the length of the string quoted by q at the start of s,
// closing quote included (all of s when it is left open); in '…' a
// backslash escapes the next byte.
func quotedEnd(s string, q byte) int {
	for i := 1; i < len(s); i++ {
		switch {
		case q == '\'' && s[i] == '\\':
			i++
		case s[i] == q:
			return i + 1
		}
	}
	return len(s)
}

// isVariable reports whether s starts with a variable reference: a colon
// before a name or a quote.
func isVariable(s string) bool {
	if len(s) < 2 || s[0] != ':' {
		return false
	}
	return s[1] == '\'' || s[1] == '"' || isNameRune(rune(s[1])) && (s[1] < '0' || s[1] > '9')
}

// isNameRune is a character of a psql variable's name.
func isNameRune(c rune) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// wordEnd is the length of the word at the start of s: up to a blank, a
// quote or a variable reference.
func wordEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\'' || c == '"' || c == '`':
			return i
		case c == ':' && i+1 < len(s) && s[i+1] == ':':
			i++ // a typecast
		case i > 0 && isVariable(s[i:]):
			return i
		}
	}
	return len(s)
}

// write formats tokens as chroma's HTML formatter does with classes —
// <pre class="chroma"><code>, a <span class="line"><span class="cl"> per
// line, a <span class="CLASS"> per token of a styled type — and wraps each
// captured value in <span class="captured" title="…">, closed and reopened
// at a line break.
func (h *highlighter) write(b *strings.Builder, tokens []chroma.Token, marks []valueMark) {
	tokens = splitAt(tokens, marks)
	b.WriteString(`<pre class="chroma"><code>`)
	at, mi, open := 0, 0, false
	for _, line := range chroma.SplitTokensIntoLines(tokens) {
		b.WriteString(`<span class="line"><span class="cl">`)
		for _, t := range line {
			for mi < len(marks) && marks[mi].end <= at {
				mi++
			}
			inMark := mi < len(marks) && marks[mi].start <= at && at < marks[mi].end
			if inMark && !open {
				fmt.Fprintf(b, `<span class="captured" title="%s">`, html.EscapeString(marks[mi].title))
				open = true
			} else if !inMark && open {
				b.WriteString(`</span>`)
				open = false
			}
			text := html.EscapeString(t.Value)
			if cls := chroma.StandardTypes[classType(t.Type)]; cls != "" {
				fmt.Fprintf(b, `<span class="%s">%s</span>`, cls, text)
			} else {
				b.WriteString(text)
			}
			at += len(t.Value)
		}
		if open {
			b.WriteString(`</span>`)
			open = false
		}
		b.WriteString(`</span></span>`)
	}
	b.WriteString("</code></pre>\n")
}

// classType is the type whose class chroma gives t: t's own, else its
// nearest ancestor's that has one.
func classType(t chroma.TokenType) chroma.TokenType {
	for t != 0 {
		if _, ok := chroma.StandardTypes[t]; ok {
			return t
		}
		t = t.Parent()
	}
	return t
}

// splitAt splits tokens at the marks' ends, so that a mark starts and
// ends between tokens.
func splitAt(tokens []chroma.Token, marks []valueMark) []chroma.Token {
	if len(marks) == 0 {
		return tokens
	}
	var cuts []int
	for _, m := range marks {
		cuts = append(cuts, m.start, m.end)
	}
	var out []chroma.Token
	at, ci := 0, 0
	for _, t := range tokens {
		end := at + len(t.Value)
		for ci < len(cuts) && cuts[ci] <= at {
			ci++
		}
		for ci < len(cuts) && cuts[ci] < end {
			n := cuts[ci] - at
			out = append(out, chroma.Token{Type: t.Type, Value: t.Value[:n]})
			t.Value, at = t.Value[n:], cuts[ci]
			ci++
		}
		out = append(out, t)
		at = end
	}
	return out
}

// Media queries of the two highlighting styles. Print always takes the
// light one: paper is white whatever the reader's screen prefers.
const (
	lightMedia = "print, not all and (prefers-color-scheme: dark)"
	darkMedia  = "screen and (prefers-color-scheme: dark)"
)

// css returns the stylesheet for the highlighted code: the light style
// unless the reader's screen prefers dark. Each style is scoped to its own
// media query, so a token one style leaves plain never keeps the other's
// colour.
func (h *highlighter) css(light, dark string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("/* Generated by the course builder from chroma styles " + light + " and " + dark + ". */\n")
	for _, q := range []struct{ media, style string }{{lightMedia, light}, {darkMedia, dark}} {
		st := styles.Get(q.style)
		if st == nil || st.Name != q.style {
			return nil, fmt.Errorf("unknown chroma style %q", q.style)
		}
		fmt.Fprintf(&buf, "@media %s {\n", q.media)
		if err := h.format.WriteCSS(&buf, st); err != nil {
			return nil, err
		}
		buf.WriteString("}\n")
	}
	return buf.Bytes(), nil
}
