package render

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"

	"replcourse/builder/course"
)

// A captured value referenced in prose ({{@name}}) is text: whatever it
// holds, the page shows it as the command printed it, never as Markdown or
// HTML. Before goldmark parses a chapter, each reference in its prose is
// replaced by a token that Markdown treats as an ordinary word; after
// rendering, each token in the HTML becomes the value, escaped. Plain-text
// uses (heading ids, the table of contents, the search index) get the
// value as it is, and a link's destination gets it before goldmark
// escapes and checks the URL, as if the author had written it there.
//
// Tokens are spelt with Unicode noncharacters (U+FDD0–U+FDEF), which the
// standard reserves for a program's internal use: tokenOpen, the index in
// decimal with digits tokenDigit0…tokenDigit0+9, tokenClose. Goldmark
// treats them as letters: neither punctuation nor space, so they neither
// start nor end emphasis, and it copies them to the HTML unchanged.
const (
	tokenOpen   = '\uFDD0'
	tokenClose  = '\uFDD1'
	tokenDigit0 = '\uFDE0'
)

var (
	// proseRefRE matches a reference as check.Substitute reads one, with
	// the backslashes right before it (\{{@name}} is the literal text), so
	// that a malformed name reaches Expand, which reports it.
	proseRefRE = regexp.MustCompile(`\\*\{\{@[^{}|,]*\}\}`)
	tokenRE    = regexp.MustCompile("\uFDD0[\uFDE0-\uFDE9]+\uFDD1")
)

// refValues holds the values of the references in one chapter's prose.
// A nil *refValues (a chapter without references) leaves text alone.
type refValues struct {
	values []string          // by token index
	tokens map[string]string // reference as written → its token
}

// token returns the token standing for the reference ref whose value is v.
func (r *refValues) token(ref, v string) string {
	if t, ok := r.tokens[ref]; ok {
		return t
	}
	var b strings.Builder
	b.WriteRune(tokenOpen)
	for _, d := range strconv.Itoa(len(r.values)) {
		b.WriteRune(tokenDigit0 + (d - '0'))
	}
	b.WriteRune(tokenClose)
	r.values = append(r.values, v)
	r.tokens[ref] = b.String()
	return b.String()
}

// replace replaces every token in s with esc of its value.
func (r *refValues) replace(s string, esc func(string) string) string {
	if r == nil || !strings.ContainsRune(s, tokenOpen) {
		return s
	}
	return tokenRE.ReplaceAllStringFunc(s, func(t string) string {
		i := 0
		for _, d := range t[len(string(tokenOpen)) : len(t)-len(string(tokenClose))] {
			i = 10*i + int(d-tokenDigit0)
		}
		if i >= len(r.values) {
			return t
		}
		return esc(r.values[i])
	})
}

// text replaces the tokens in plain text with the values as they are.
func (r *refValues) text(s string) string {
	return r.replace(s, func(v string) string { return v })
}

// html replaces the tokens in HTML with the values, escaped. A token can
// only stand in text or in a quoted attribute value (an image's alt, a
// link's title), where escaped text is safe.
func (r *refValues) html(s string) string {
	return r.replace(s, html.EscapeString)
}

// escapeTokenOpen writes any tokenOpen in HTML that did not come from the
// chapter's Markdown (code, outputs, which may hold any character) as a
// character reference, so that refValues.html never takes it for a token.
// The page shows the same character.
func escapeTokenOpen(s string) string {
	if !strings.ContainsRune(s, tokenOpen) {
		return s
	}
	return strings.ReplaceAll(s, string(tokenOpen), "&#xFDD0;")
}

// tokenizeProse replaces every {{@name}} in the chapter's prose — every
// line but the contents of fenced blocks — with a token, and returns the
// new body and the tokens' values (nil if the prose has no reference).
// Each value is what Expand makes of the reference alone; an error is
// reported at the reference's line. Fenced blocks are left alone: code is
// taken from the loaded Block (and expanded there, with its own line
// numbers), and output blocks hold placeholders that are never shown.
//
// Prose that uses references may not hold the token characters itself
// (Unicode noncharacters, which no text should contain): that is an error
// at the first line holding one.
func (w *writer) tokenizeProse(ch *course.Chapter) ([]byte, *refValues, error) {
	if !bytes.Contains(ch.Body, []byte("{{@")) {
		return ch.Body, nil, nil // no reference: nothing to expand, no need to find the code
	}
	code := fencedLines(ch.Body)
	r := &refValues{tokens: map[string]string{}}
	reserved := 0 // first prose line holding a token character
	var out strings.Builder
	for i, line := range strings.SplitAfter(string(ch.Body), "\n") {
		if code[i] {
			out.WriteString(line)
			continue
		}
		if reserved == 0 && strings.ContainsFunc(line, isTokenRune) {
			reserved = i + 1
		}
		last := 0
		for _, loc := range proseRefRE.FindAllStringIndex(line, -1) {
			ref := line[loc[0]:loc[1]]
			v, err := w.expand(ref)
			if err != nil {
				return nil, nil, course.Errorf(course.Pos{File: ch.File, Line: i + 1}, "%v", err)
			}
			out.WriteString(line[last:loc[0]])
			out.WriteString(r.token(ref, v))
			last = loc[1]
		}
		out.WriteString(line[last:])
	}
	if len(r.values) == 0 {
		return ch.Body, nil, nil
	}
	if reserved > 0 {
		return nil, nil, course.Errorf(course.Pos{File: ch.File, Line: reserved},
			"the prose holds a Unicode noncharacter (U+FDD0–U+FDEF), reserved for the builder's own use")
	}
	return []byte(out.String()), r, nil
}

func isTokenRune(c rune) bool { return c >= '\uFDD0' && c <= '\uFDEF' }

// resolveLinks puts the values into the destinations of links and images,
// where goldmark escapes them as URLs and drops a dangerous one, as it
// would one the author wrote. An autolink holding a reference becomes a
// link to the same URL, with the same label.
func (r *refValues) resolveLinks(doc ast.Node, src []byte) {
	if r == nil {
		return
	}
	var autolinks []*ast.AutoLink
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = []byte(r.text(string(n.Destination)))
		case *ast.Image:
			n.Destination = []byte(r.text(string(n.Destination)))
		case *ast.AutoLink:
			if bytes.ContainsRune(n.URL(src), tokenOpen) {
				autolinks = append(autolinks, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, a := range autolinks {
		url := r.text(string(a.URL(src)))
		if a.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(url), "mailto:") {
			url = "mailto:" + url
		}
		link := ast.NewLink()
		link.Destination = []byte(url)
		label := ast.NewString(a.Label(src))
		label.SetRaw(true) // escaped, not read as Markdown; tokens are replaced in the HTML
		link.AppendChild(link, label)
		a.Parent().ReplaceChild(a.Parent(), a, link)
	}
}
