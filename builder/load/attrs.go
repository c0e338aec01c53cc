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
