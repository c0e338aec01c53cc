package course

import "testing"

func TestNearest(t *testing.T) {
	for _, tc := range []struct {
		word  string
		cands []string
		want  string
	}{
		{"titel", []string{"title", "description", "content"}, "title"},
		{"replca", []string{"primary", "replica", "host"}, "replica"},
		{"pg4", []string{"pg1", "pg2", "host"}, "pg1"}, // a tie: the first
		{"zzzzzz", []string{"title", "images"}, ""},
		{"", []string{"ab", "abc"}, ""},
		{"x", nil, ""},
	} {
		if got := Nearest(tc.word, tc.cands); got != tc.want {
			t.Errorf("Nearest(%q, %q) = %q, want %q", tc.word, tc.cands, got, tc.want)
		}
	}
}
