package check

import (
	"fmt"
	"strings"
	"testing"

	"replcourse/builder/psql"
)

// expandedShape is a result as the session formats it, for psql's expanded
// display; the shapes follow builder/psql/testdata/fidelity/14_expanded.sql,
// whose output the psql package compares with real psql.
type expandedShape struct {
	name string
	cols []psql.Column
	rows [][]*string
}

func str(s string) *string { return &s }

func cols(names ...string) []psql.Column {
	var cs []psql.Column
	for _, n := range names {
		cs = append(cs, psql.Column{Name: n, TypeOID: 25})
	}
	return cs
}

func expandedShapes() []expandedShape {
	var twelve [][]*string
	for g := 1; g <= 12; g++ {
		twelve = append(twelve, []*string{str(fmt.Sprint(g)), str(strings.Repeat("ab", g)), str(fmt.Sprint(float64(g) * 1.5)), nil})
	}
	return []expandedShape{
		{"short names, NULL, multi-line value", cols("a", "bbbbbb", "c", "d"), [][]*string{{str("1"), str("two"), nil, str("x\ny")}}},
		{"twelve records", cols("id", "val", "num", "nothing"), twelve},
		{"long name", cols("a much longer column name", "y"), [][]*string{{str("x"), str("1")}}},
		{"wide characters", cols("名前", "emoji", "combining", "zero width", "soft hyphen", "tab", "cr", "ctl"),
			[][]*string{{str("日本語"), str("👍🏽 ok"), str("e\u0301"), str("a\u200bb\u200bc\u200bd\u200be\u200bf\u200bg\u200bh\u200bi\u200bj\u200bk\u200bl\u200bm"),
				str("x\u00ady"), str("tab\there"), str("cr\rlf"), str("\x01ctl")}}},
		{"values that go on", cols("trailing", "lead", "p"), [][]*string{{str("line one\nline two\n"), str("\nleading"), str("plain")}}},
		{"name that goes on", cols("multi\nline name", "w"), [][]*string{{str("1"), str("v")}}},
		{"name and value that go on", cols("two\nlines"), [][]*string{{str("a\nb\nc")}}},
		{"replication slots", cols("slot_name", "restart_lsn", "query"), [][]*string{
			{str("s1"), str("0/3000148"), str("SELECT 1\nFROM t")},
			{str("s2"), str("0/12A3B4C8"), nil},
		}},
	}
}

// changedShape returns rows with the first value of the first record
// replaced by a longer text, so that its output is padded differently.
func changedShape(rows [][]*string) [][]*string {
	out := make([][]*string, len(rows))
	for i, r := range rows {
		out[i] = append([]*string(nil), r...)
	}
	out[0][0] = str("a value wider than any other, before the change")
	return out
}

// TestMaskRepadsExpandedAsPsql: when a record line of an expanded result
// changed, Mask writes the result padded exactly as psql printed the
// actual output (names, record header lines, the padding before a '+',
// widths of wide, combining, zero-width and control characters), starting
// from an expected text padded for other values.
func TestMaskRepadsExpandedAsPsql(t *testing.T) {
	for _, sh := range expandedShapes() {
		actual := psql.FormatExpanded(sh.cols, sh.rows)
		expected := psql.FormatExpanded(sh.cols, changedShape(sh.rows))
		if r := Match(expected, actual, nil); r.OK {
			t.Fatalf("%s: the changed value should not match", sh.name)
		}
		got := Mask(expected, actual, nil)
		if want := joinLines(splitLines(actual)); got != want {
			t.Errorf("%s: Mask =\n%s\nwant psql's output:\n%s", sh.name, got, want)
		}
	}
}

// TestMaskRepadsTableAsPsql: a changed table is re-padded with psql's
// display width, which gives zero-width spaces and soft hyphens no column.
func TestMaskRepadsTableAsPsql(t *testing.T) {
	c := cols("name", "value")
	rows := [][]*string{{str("zero\u200bwidth\u200bspaces"), str("soft\u00adhyphen")}, {str("wide"), str("日本語")}}
	actual := psql.FormatTable(c, rows)
	expected := psql.FormatTable(c, changedShape(rows))
	if got, want := Mask(expected, actual, nil), joinLines(splitLines(actual)); got != want {
		t.Errorf("Mask =\n%s\nwant psql's output:\n%s", got, want)
	}
}

// TestExpandedCellByCell: the name and the value of an expanded record line
// are compared apart from their padding, so padding that follows a wider
// value elsewhere, or an author's own, is no difference; the cells
// themselves still are.
func TestExpandedCellByCell(t *testing.T) {
	slots := func(lsn2 string) string {
		return psql.FormatExpanded(cols("slot_name", "restart_lsn", "query"), [][]*string{
			{str("s1"), str("0/3000148"), str("SELECT 1\nFROM t")},
			{str("s2"), str(lsn2), nil},
		})
	}
	short := slots("0/3000150")
	for _, tt := range []struct {
		name, expected, actual string
		ok                     bool
	}{
		{"wider LSN re-pads the '+'", strings.Replace(short, "0/3000150", "{{lsn}}", 1), slots("0/12A3B4C8"), true},
		{"placeholders", strings.NewReplacer("0/3000148", "{{lsn}}", "0/3000150", "{{lsn:second}}").Replace(short), slots("0/12A3B4C8"), true},
		{"NULL by an optional placeholder", "-[ RECORD 1 ]\nlag | {{interval?}}\n", "-[ RECORD 1 ]\nlag | \n", true},
		{"NULL is not a value", "-[ RECORD 1 ]\nlag | {{interval}}\n", "-[ RECORD 1 ]\nlag | \n", false},
		{"author's padding", "-[ RECORD 1 ]-+-\nname | x\nlonger_name | {{int}}\n", "-[ RECORD 1 ]\nname        | x\nlonger_name | 42\n", true},
		{"a bar in the value", "-[ RECORD 1 ]\nv | a | b\n", "-[ RECORD 1 ]\nv   | a | b\n", true},
		{"changed name", "-[ RECORD 1 ]\nstate | streaming\n", "-[ RECORD 1 ]\nstatus | streaming\n", false},
		{"changed value", short, slots("0/3000150") + "x\n", false},
		{"value spacing counts", "-[ RECORD 1 ]\nv | a  b\n", "-[ RECORD 1 ]\nv | a b\n", false},
		{"record number counts", "-[ RECORD 2 ]\nv | 1\n", "-[ RECORD 1 ]\nv | 1\n", false},
		{"a line outside the record", "-[ RECORD 1 ]\nv | 1\n\nv | 1\n", "-[ RECORD 1 ]\nv | 1\n\nv   | 1\n", false},
	} {
		r := Match(tt.expected, tt.actual, nil)
		if r.Err != nil || r.OK != tt.ok {
			t.Errorf("%s: OK = %v, err %v, want %v\n%s", tt.name, r.OK, r.Err, tt.ok, r.Diff)
		}
		if m := Mask(tt.expected, tt.actual, nil); !Match(m, tt.actual, nil).OK {
			t.Errorf("%s: Mask gave %q, which does not match", tt.name, m)
		}
	}
}

// TestClassifyExpanded: which lines belong to an expanded result, and where
// a record line is split.
func TestClassifyExpanded(t *testing.T) {
	text := "before | x\n-[ RECORD 1 ]-+-\nname +| a | b\n     +|\n{{...}}\n-[ RECORD 2 ]\n | NULL name\nno bar\n-[ RECORD 3 ]\na|b\n"
	type want struct {
		kind  lineKind
		table int
		cells string
	}
	wants := []want{
		{plainLine, 0, ""},
		{recordLine, 2, ""},
		{fieldLine, 2, "name+/a | b"},
		{fieldLine, 2, "+/"},
		{plainLine, 2, ""},
		{recordLine, 2, ""},
		{fieldLine, 2, "/NULL name"},
		{plainLine, 0, ""},
		{recordLine, 9, ""},
		{plainLine, 0, ""},
	}
	got := classify(splitLines(text))
	if len(got) != len(wants) {
		t.Fatalf("%d lines", len(got))
	}
	for i, w := range wants {
		g := got[i]
		if g.kind != w.kind || g.table != w.table || strings.Join(g.cells, "/") != w.cells {
			t.Errorf("line %d %q: kind %d table %d cells %q, want %+v", i+1, g.text, g.kind, g.table, strings.Join(g.cells, "/"), w)
		}
	}
}

// TestMaskKeepsPlusSigns: a name or value that ends with its own '+' is
// re-padded as psql pads it, not taken for a line that goes on.
func TestMaskKeepsPlusSigns(t *testing.T) {
	actual := psql.FormatExpanded(cols("a+", "longer_name", "c"), [][]*string{{str("x+"), str("y"), str("z+")}})
	expected := strings.Replace(actual, "| y\n", "| changed\n", 1)
	if got, want := Mask(expected, actual, nil), joinLines(splitLines(actual)); got != want {
		t.Errorf("Mask =\n%s\nwant psql's output:\n%s", got, want)
	}
}

// TestMaskRepadKeepsLiteralText: padding that would turn literal text into
// a placeholder syntax error ("{{..." then spaces) is not applied, so the
// result still masks its LSN instead of falling back to the raw output.
func TestMaskRepadKeepsLiteralText(t *testing.T) {
	actual := psql.FormatExpanded(cols("value_name", "restart_lsn"), [][]*string{{str("{{...\n"), str("0/1")}})
	got := Mask("-[ RECORD 1 ]\nvalue_name | other\n", actual, nil)
	if r := Match(got, actual, nil); !r.OK || !strings.Contains(got, "{{lsn}}") {
		t.Errorf("Mask =\n%s(matches: %v)", got, r.OK)
	}
}
