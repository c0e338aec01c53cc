package psql

import (
	"testing"
)

func str(s string) *string { return &s }

// Type OIDs used below.
const (
	int4OID    = 23
	textOID    = 25
	moneyOID   = 790
	pgLSNOID   = 3220
	int4ArrOID = 1007
)

// The golden strings are psql 17's output for the same values.
func TestFormatTable(t *testing.T) {
	tests := []struct {
		name string
		cols []Column
		rows [][]*string
		want string
	}{
		{
			name: "alignment and centred headers",
			cols: []Column{{"n", int4OID}, {"big", int4OID}, {"txt", textOID}, {"stars", textOID}},
			rows: [][]*string{{str("1"), str("1000"), str("1"), str("*")}, {str("10"), str("10000"), str("10"), str("**********")}},
			want: "" +
				" n  |  big  | txt |   stars    \n" +
				"----+-------+-----+------------\n" +
				"  1 |  1000 | 1   | *\n" +
				" 10 | 10000 | 10  | **********\n" +
				"(2 rows)\n\n",
		},
		{
			name: "NULL and empty cells",
			cols: []Column{{"b", textOID}, {"a", int4OID}},
			rows: [][]*string{{nil, str("1")}, {str("x"), str("3")}, {str(""), nil}},
			want: "" +
				" b | a \n" +
				"---+---\n" +
				"   | 1\n" +
				" x | 3\n" +
				"   |  \n" +
				"(3 rows)\n\n",
		},
		{
			name: "left-aligned last column is not padded",
			cols: []Column{{"lsn", pgLSNOID}, {"ints", int4ArrOID}},
			rows: [][]*string{{str("0/3000148"), str("{1,2,3}")}, {str("0/0"), nil}},
			want: "" +
				"    lsn    |  ints   \n" +
				"-----------+---------\n" +
				" 0/3000148 | {1,2,3}\n" +
				" 0/0       | \n" +
				"(2 rows)\n\n",
		},
		{
			name: "money is right-aligned",
			cols: []Column{{"money", moneyOID}},
			rows: [][]*string{{str("$12.50")}, {str("-$1,234,567.89")}},
			want: "" +
				"     money      \n" +
				"----------------\n" +
				"         $12.50\n" +
				" -$1,234,567.89\n" +
				"(2 rows)\n\n",
		},
		{
			name: "multi-line values",
			cols: []Column{{"c1", textOID}, {"c2", textOID}, {"c3", textOID}},
			rows: [][]*string{{str("a\nb"), str("1\n2\n3\n4"), str("p\nq\nr")}, {str("single"), str("x"), nil}},
			want: "" +
				"   c1   | c2 | c3 \n" +
				"--------+----+----\n" +
				" a     +| 1 +| p +\n" +
				" b      | 2 +| q +\n" +
				"        | 3 +| r\n" +
				"        | 4  | \n" +
				" single | x  | \n" +
				"(2 rows)\n\n",
		},
		{
			name: "multi-line value before a number",
			cols: []Column{{"a", textOID}, {"b", textOID}, {"c", int4OID}},
			rows: [][]*string{{str("line one\nline two"), str("single"), str("42")}},
			want: "" +
				"    a     |   b    | c  \n" +
				"----------+--------+----\n" +
				" line one+| single | 42\n" +
				" line two |        | \n" +
				"(1 row)\n\n",
		},
		{
			name: "leading and trailing newlines",
			cols: []Column{{"lead", textOID}, {"trail", textOID}},
			rows: [][]*string{{str("\nleading"), str("trailing\n")}},
			want: "" +
				"  lead   |  trail   \n" +
				"---------+----------\n" +
				"        +| trailing+\n" +
				" leading | \n" +
				"(1 row)\n\n",
		},
		{
			name: "multi-line header",
			cols: []Column{{"multi\nline header", textOID}, {"short", textOID}},
			rows: [][]*string{{str("x\ny"), str("v")}},
			want: "" +
				"    multi   +| short \n" +
				" line header |       \n" +
				"-------------+-------\n" +
				" x          +| v\n" +
				" y           | \n" +
				"(1 row)\n\n",
		},
		{
			name: "tabs expand from the start of the value line",
			cols: []Column{{"tabs", textOID}, {"seven", textOID}, {"lone", textOID}},
			rows: [][]*string{{str("tab\there\nand\tagain"), str("abcdefg\th"), str("\t")}},
			want: "" +
				"     tabs      |   seven   |   lone   \n" +
				"---------------+-----------+----------\n" +
				" tab     here +| abcdefg h |         \n" +
				" and     again |           | \n" +
				"(1 row)\n\n",
		},
		{
			name: "control characters",
			cols: []Column{{"soh", textOID}, {"esc", textOID}, {"del", textOID}, {"nel", textOID}, {"cr", textOID}, {"z", textOID}},
			rows: [][]*string{{str("\x01"), str("\x1b[0m"), str("\x7f"), str("\u0085"), str("a\rb"), str("x")}},
			want: "" +
				" soh  |   esc   | del  |  nel   |  cr  | z \n" +
				"------+---------+------+--------+------+---\n" +
				` \x01 | \x1B[0m | \x7F | \u0085 | a\rb | x` + "\n" +
				"(1 row)\n\n",
		},
		{
			name: "wide and zero-width characters",
			cols: []Column{{"cjk", textOID}, {"combining", textOID}, {"family", textOID}, {"thumbs", textOID}, {"z", textOID}},
			rows: [][]*string{{str("漢字"), str("e\u0301"), str("👨\u200d👩\u200d👧"), str("👍🏽"), str("x")}},
			want: "" +
				" cjk  | combining | family | thumbs | z \n" +
				"------+-----------+--------+--------+---\n" +
				" 漢字 | e\u0301         | 👨\u200d👩\u200d👧 | 👍🏽   | x\n" +
				"(1 row)\n\n",
		},
		{
			name: "noncharacters are dropped",
			cols: []Column{{"nonchar", textOID}, {"fffe", textOID}, {"z", textOID}},
			rows: [][]*string{{str("\U0001FFFE"), str("\uFFFE"), str("after")}},
			want: "" +
				" nonchar | fffe |   z   \n" +
				"---------+------+-------\n" +
				"         | \uFFFE    | after\n" +
				"(1 row)\n\n",
		},
		{
			name: "no rows",
			cols: []Column{{"a", int4OID}, {"b", textOID}},
			want: " a | b \n---+---\n(0 rows)\n\n",
		},
		{
			name: "zero columns",
			rows: [][]*string{{}},
			want: "--\n(1 row)\n\n",
		},
		{
			name: "zero columns, several rows",
			rows: [][]*string{{}, {}, {}},
			want: "--\n(3 rows)\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTable(tt.cols, tt.rows); got != tt.want {
				t.Errorf("FormatTable:\n got:\n%s\nwant:\n%s\n got %q\nwant %q", got, tt.want, got, tt.want)
			}
		})
	}
}

func TestRuneWidth(t *testing.T) {
	tests := []struct {
		r    rune
		want int
	}{
		{'a', 1}, {0x01, -1}, {0x7f, -1}, {0x85, -1}, {0xa0, 1},
		{0x301, 0}, {0x200b, 0}, {0x200d, 0}, {0xfe0f, 0},
		{'漢', 2}, {'한', 2}, {'Ａ', 2}, {0x1f44d, 2}, {0x1f3fd, 2},
		{0x2764, 1}, {0x110000, -1},
	}
	for _, tt := range tests {
		if got := runeWidth(tt.r); got != tt.want {
			t.Errorf("runeWidth(%U) = %d, want %d", tt.r, got, tt.want)
		}
	}
}

// TestFormatExpanded holds outputs of real psql 17 (\x on); the fidelity
// test compares many more against psql itself.
func TestFormatExpanded(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name string
		cols []Column
		rows [][]*string
		want string
	}{
		{"widths, NULL, multi-line value",
			[]Column{{"a", 23}, {"bbbbbb", 25}, {"c", 25}, {"d", 25}},
			[][]*string{{str("1"), str("two"), nil, str("x\ny")}},
			"-[ RECORD 1 ]\na      | 1\nbbbbbb | two\nc      | \nd      | x  +\n       | y\n\n"},
		{"record label wider than the name column",
			[]Column{{"a much longer column name", 25}, {"y", 23}},
			[][]*string{{str("x"), str("1")}},
			"-[ RECORD 1 ]-------------+--\na much longer column name | x\ny                         | 1\n\n"},
		{"no rows", []Column{{"n", 23}}, nil, "(0 rows)\n\n"},
		{"no columns", nil, [][]*string{{}}, "(1 row)\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatExpanded(tt.cols, tt.rows); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
