package load

import (
	"fmt"
	"strings"
)

// parseInfo splits a fence's info string into its language and its
// {key=value ...} attributes. Values are bare words or "double quoted"
// (with \" and \\ escapes). Anything else is an error.
func parseInfo(info string) (lang string, attrs map[string]string, order []string, err error) {
	info = strings.TrimSpace(info)
	rest := info
	if i := strings.IndexAny(info, " \t{"); i >= 0 {
		lang, rest = info[:i], strings.TrimSpace(info[i:])
	} else {
		return info, nil, nil, nil
	}
	if rest == "" {
		return lang, nil, nil, nil
	}
	if rest[0] != '{' {
		return "", nil, nil, fmt.Errorf("info string %q: attributes go in braces, e.g. ```sql {node=primary}", info)
	}
	if !strings.HasSuffix(rest, "}") {
		return "", nil, nil, fmt.Errorf("info string %q: attributes must end with }", info)
	}
	attrs = map[string]string{}
	s := rest[1 : len(rest)-1]
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return lang, attrs, order, nil
		}
		eq := strings.IndexByte(s, '=')
		sp := strings.IndexAny(s, " \t")
		if eq <= 0 || (sp >= 0 && sp < eq) {
			word := s
			if sp >= 0 {
				word = s[:sp]
			}
			return "", nil, nil, fmt.Errorf("attribute %q has no value (write key=value)", word)
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i == len(s) {
				return "", nil, nil, fmt.Errorf("attribute %s: unterminated quoted value", key)
			}
			val, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexAny(s, " \t,")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		if _, dup := attrs[key]; dup {
			return "", nil, nil, fmt.Errorf("attribute %s given twice", key)
		}
		attrs[key] = val
		order = append(order, key)
	}
}

// nearest returns the candidate closest to word by edit distance, if it is
// close enough to be a likely misspelling.
func nearest(word string, candidates []string) string {
	best, bestD := "", len(word)/2+2
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
