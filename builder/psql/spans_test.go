package psql

import (
	"fmt"
	"slices"
	"testing"
)

func TestSpans(t *testing.T) {
	script := "\\x on\n" +
		"SELECT 1 AS a \\gset\n" +
		"  \\dRp+ accounts_pub\n" +
		"COPY t FROM STDIN; \\echo 'a b'\n" +
		"1\t'x\n" +
		"\\.\n" +
		"SELECT '\\x' AS s;\n" +
		"COPY u FROM STDIN;\n" +
		"2\ty\n" +
		"\\.\n" +
		"\\watch 1\n" +
		"COPY v FROM STDIN;\n" +
		"3\tz"
	var got []string
	for _, sp := range Spans(script) {
		got = append(got, fmt.Sprintf("%d %q", sp.Kind, script[sp.Start:sp.End]))
	}
	want := []string{
		`1 "\\x"`, `2 " on"`,
		`1 "\\gset"`,
		`1 "\\dRp+"`, `2 " accounts_pub"`,
		`1 "\\echo"`, `2 " 'a b'"`,
		`3 "1\t'x\n\\.\n"`,
		`3 "2\ty\n\\.\n"`,
		`1 "\\watch"`, `2 " 1"`, // not supported, still psql's
		`3 "3\tz"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Spans:\n got %q\nwant %q", got, want)
	}
	if s := Spans("SELECT 1;\n-- \\x\n"); len(s) != 0 {
		t.Errorf("a backslash in a comment is a span: %v", s)
	}
}
