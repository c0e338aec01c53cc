package check

import "strings"

// References lists the names of the {{@name}} references in text, in order.
func References(text string) []string {
	var names []string
	for _, m := range refRE.FindAllStringSubmatch(text, -1) {
		names = append(names, m[1])
	}
	return names
}

// CaptureNames lists the names that the {{kind:name}} placeholders of an
// expected text capture, in order.
func CaptureNames(expected string) []string {
	var names []string
	for _, m := range candidateRE.FindAllStringSubmatch(expected, -1) {
		if strings.HasPrefix(m[1], "@") {
			continue
		}
		if _, name, ok := strings.Cut(m[1], ":"); ok {
			names = append(names, name)
		}
	}
	return names
}
