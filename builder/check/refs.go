package check

import "strings"

// References lists the names of the {{@name}} references in text (code,
// prose or an expected output), in order; an escaped \{{@name}} is none.
func References(text string) []string {
	var names []string
	for _, m := range refRE.FindAllStringSubmatch(text, -1) {
		if len(m[1])%2 == 0 {
			names = append(names, m[2])
		}
	}
	return names
}

// CaptureNames lists the names that the {{kind:name}} placeholders of an
// expected text capture, in order.
func CaptureNames(expected string) []string {
	var names []string
	for _, l := range strings.Split(expected, "\n") {
		for _, t := range scan(l) {
			if !t.ph || strings.HasPrefix(t.text, "@") {
				continue
			}
			if _, name, ok := strings.Cut(t.text, ":"); ok {
				names = append(names, name)
			}
		}
	}
	return names
}
