package check

import (
	"strings"
	"testing"
)

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

// TestMaskAlignsPlaceholdersByKind: in a re-padded table, a placeholder
// that fills its column is aligned as psql aligns the values of its kind:
// every alias of int on the right, an interval or an LSN on the left.
func TestMaskAlignsPlaceholdersByKind(t *testing.T) {
	for _, tt := range []struct {
		kind, value string
		right       bool
	}{
		{"pid", "5432", true}, {"port", "5432", true}, {"oid", "5432", true}, {"xid", "5432", true}, {"bytes", "5432", true},
		{"int", "5432", true}, {"num", "5432", true}, {"int?", "5432", true},
		{"interval", "00:00:01", false}, {"lsn", "0/1", false}, {"word", "x", false},
	} {
		ph := "{{" + tt.kind + "}}"
		expected := " name | v\n------+---\n a    | " + ph + "\n b    | " + ph + "{{...}}\n"
		actual := " name | v\n------+---\n a    | " + tt.value + "\n bb   | " + tt.value + "0000000000000000\n"
		got := Mask(expected, actual, nil)
		row := strings.Split(got, "\n")[2]
		pad := strings.Repeat(" ", len("{{...}}"))
		want := " a    | " + ph
		if tt.right {
			want = " a    | " + pad + ph
		}
		if row != want {
			t.Errorf("%s: row %q, want %q (Mask gave:\n%s)", ph, row, want, got)
		}
	}
}
