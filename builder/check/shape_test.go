package check

import "testing"

// TestMaskTableShapes: tables whose lines disagree on their number of
// cells (a header that belongs to the next table, a separator with more
// columns than the rows, psql tables back to back) are re-padded or left
// as they are, never indexed past their cells.
func TestMaskTableShapes(t *testing.T) {
	for _, tt := range []struct{ expected, actual string }{
		{"{{@a}}", "-\n||\n-+-+-"}, // found by FuzzMatch
		{"x", "-\n||\n-+-+-\n|\n-+-"},
		{"x", "a\n---\n|\n-+-+-\nb|c|d"},
		{"a|b\n---+---\n1|2", "a|b\n---+---\n1|2|3\n---+---+---\nx|y|z"},
		{"{{...}}\n---+---", "a|b|c\n---+---\n-+-\n|"},
		{"a | b\n---+---\n{{...}}\n 1 | 2", "a|b\n-+-\n||\n-+-+-\n1|2"},
		{"-[ RECORD 1 ]-\na | 1", "-[ RECORD 1 ]-+-\n|\n-+-"},
	} {
		m := Mask(tt.expected, tt.actual, nil)
		if r := Match(m, tt.actual, nil); !r.OK {
			t.Errorf("Mask(%q, %q) = %q, which does not match:\n%s", tt.expected, tt.actual, m, r.Diff)
		}
	}
}
