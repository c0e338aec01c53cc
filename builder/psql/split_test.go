package psql

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		{"empty", "", nil},
		{"blank and comments only", "  \n-- just a comment\n\t\n", nil},
		{"one statement", "SELECT 1;", []string{"SELECT 1;"}},
		{"two on one line", "SELECT 1; SELECT 2;", []string{"SELECT 1;", "SELECT 2;"}},
		{"leading blanks dropped", "\n\n   SELECT 1;\n", []string{"SELECT 1;"}},
		{"leading line comment dropped", "-- about it\nSELECT 1;", []string{"SELECT 1;"}},
		{"inner line comment kept", "SELECT 1 -- one; two\n, 2;", []string{"SELECT 1 -- one; two\n, 2;"}},
		{"leading block comment kept", "/* c; */ SELECT 1;", []string{"/* c; */ SELECT 1;"}},
		{"nested block comment", "/* a /* b; */ c; */ SELECT 1;", []string{"/* a /* b; */ c; */ SELECT 1;"}},
		{"block comment after last is sent", "SELECT 1;\n/* end */\n", []string{"SELECT 1;", "/* end */"}},
		{"line comment after last is not", "SELECT 1; -- end\n", []string{"SELECT 1;"}},
		{"empty statements", ";\n;;", []string{";", ";", ";"}},
		{"unterminated last statement", "SELECT 1;\nSELECT 2\n", []string{"SELECT 1;", "SELECT 2"}},
		{"multi-line statement", "SELECT 1,\n  2\n;", []string{"SELECT 1,\n  2\n;"}},
		{"empty lines dropped", "SELECT 1,\n\n  2,\n  \n\n3;", []string{"SELECT 1,\n  2,\n  \n3;"}},
		{"empty lines in quotes kept", "SELECT 'a\n\nb', /*\n\n*/ $$\n\n$$;", []string{"SELECT 'a\n\nb', /*\n\n*/ $$\n\n$$;"}},
		{"final newlines dropped", "SELECT 1\n\n", []string{"SELECT 1"}},
		{"blank line at the end kept", "SELECT 1\n  \n", []string{"SELECT 1\n  "}},
		{"crlf kept", "SELECT 1,\r\n 2;\r\n", []string{"SELECT 1,\r\n 2;"}},
		{"string", "SELECT 'a;b';", []string{"SELECT 'a;b';"}},
		{"doubled quote", "SELECT 'it''s;';", []string{"SELECT 'it''s;';"}},
		{"escape string", `SELECT E'it\'s;', E'\\';`, []string{`SELECT E'it\'s;', E'\\';`}},
		{"backslash in standard string", `SELECT 'a\'; SELECT 2;`, []string{`SELECT 'a\';`, "SELECT 2;"}},
		{"prefixed strings", "SELECT B'1;', X'F;', N'n;', U&'u;';", []string{"SELECT B'1;', X'F;', N'n;', U&'u;';"}},
		{"quoted identifier", `SELECT 1 AS "a;""b";`, []string{`SELECT 1 AS "a;""b";`}},
		{"unicode identifier", `SELECT 1 AS U&"a;";`, []string{`SELECT 1 AS U&"a;";`}},
		{"dollar quote", "SELECT $$a;b$$;", []string{"SELECT $$a;b$$;"}},
		{"tagged dollar quote", "SELECT $f$ $$; $g$ $f$; SELECT 2;", []string{"SELECT $f$ $$; $g$ $f$;", "SELECT 2;"}},
		{"dollar in identifier is no quote", "SELECT a$b$ FROM t; SELECT 2;", []string{"SELECT a$b$ FROM t;", "SELECT 2;"}},
		{"parameter is no quote", "PREPARE p AS SELECT $1; SELECT 2;", []string{"PREPARE p AS SELECT $1;", "SELECT 2;"}},
		{"number with junk is no quote", "SELECT 1a$$; SELECT 2;", []string{"SELECT 1a$$;", "SELECT 2;"}},
		{"parentheses", "SELECT (1; 2); SELECT 3;", []string{"SELECT (1; 2);", "SELECT 3;"}},
		{"unbalanced parenthesis swallows the rest", "SELECT (1;\nSELECT 2;", []string{"SELECT (1;\nSELECT 2;"}},
		{"function body", "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN RETURN 1; END;\n$body$;\nSELECT f();",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN RETURN 1; END;\n$body$;", "SELECT f();"}},
		{"begin atomic", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT f();",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;", "SELECT f();"}},
		{"create or replace procedure", "create or replace procedure p() language sql begin atomic select 1; end; call p();",
			[]string{"create or replace procedure p() language sql begin atomic select 1; end;", "call p();"}},
		{"begin outside a routine", "BEGIN; SELECT 1; END;", []string{"BEGIN;", "SELECT 1;", "END;"}},
		{"unterminated string runs to the end", "SELECT 'abc;\nSELECT 2;", []string{"SELECT 'abc;\nSELECT 2;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Split(tt.script); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tt.script, got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		wantErr string // "" for no error
	}{
		{"plain sql", "SELECT 1;\nSELECT 'a\\b';\n", ""},
		{"backslash in strings and comments", "SELECT E'\\n', $$\\x$$, '\\';\n-- \\d\n/* \\q */", ""},
		{"supported meta-commands", "\\x\n\\x on\n\\pset expanded auto\nSELECT 1 AS a \\gset p_\n\\echo :p_a\n\\set n 1\n\\unset n\n\\dRp+ pub\n\\d+ \"T\"\n\\conninfo\nSELECT 1\n\\g\n", ""},
		{"unsupported meta-command", "SELECT 1;\n\\copy t from 'f'\nSELECT 2;", `line 2: psql meta-command \copy is not supported; supported: \x [on|off|auto]`},
		{"watch points to eventually", "SELECT 1;\n\\watch 1\n", `line 2: psql meta-command \watch is not supported: a block runs once; to wait until a query shows what the chapter expects, give its block eventually=30s`},
		{"meta-command inside a statement", "SELECT 1\n\\x\n;", `line 2: psql meta-command \x inside an unfinished statement`},
		{"gset without a statement", "SELECT 1;\n\\gset\n", `line 2: psql meta-command \gset needs a statement before it`},
		{"bad expanded value", "\\x maybe\n", `line 1: unrecognized value "maybe" for \x`},
		{"other pset", "\\pset border 2\n", `line 1: only \pset expanded [on|off|auto] is supported`},
		{"special variable", "\\set ON_ERROR_STOP 1\n", `line 1: psql variable ON_ERROR_STOP changes how psql itself behaves`},
		{"invalid variable name", "\\set a-b 1\n", `line 1: invalid variable name: "a-b"`},
		{"backquote", "\\echo `date`\n", "line 1: psql meta-command \\echo: backquoted shell commands are not supported"},
		{"argument quote open at the end of its line", "\\dt \"we\"ird\"\nSELECT \"x\";\n", `line 1: psql meta-command \dt: unterminated quoted identifier`},
		{"argument string open at the end of its line", "\\echo 'a\\\nSELECT 'x';\n", `line 1: psql meta-command \echo: unterminated quoted string`},
		{"psql variable in echo", "\\echo :DBNAME\n", `line 1: psql meta-command \echo: psql variable :DBNAME is not supported`},
		{"psql variable quoted in echo", "\\echo x :'USER' y\n", `line 1: psql meta-command \echo: psql variable :'USER' is not supported`},
		{"psql variable as identifier in describe", "SELECT 1;\n\\d :\"PORT\"\n", `line 2: psql meta-command \d: psql variable :"PORT" is not supported`},
		{"psql variable in set", "\\set n :ROW_COUNT\n", `line 1: psql meta-command \set: psql variable :ROW_COUNT is not supported`},
		{"psql variable as gset prefix", "SELECT 1 AS a \\gset :SQLSTATE\n", `line 1: psql meta-command \gset: psql variable :SQLSTATE is not supported`},
		{"psql variable in x", "\\x :LAST_ERROR_SQLSTATE\n", `line 1: psql meta-command \x: psql variable :LAST_ERROR_SQLSTATE is not supported`},
		{"psql variable names quoted in arguments are text", "\\echo ':DBNAME' \":USER\"\n", ""},
		{"set without a name", "\\set\n", `line 1: psql meta-command \set needs a variable name`},
		{"g with a file", "SELECT 1 \\g /tmp/out\n", `line 1: psql meta-command \g takes no arguments here`},
		{"copy from stdin is fine", "SELECT 1;\nCOPY t (a) FROM STDIN;\n1\n\\.\n", ""},
		{"copy data is not scanned", "COPY t FROM STDIN;\n'unterminated \\x\n\\.\n", ""},
		{"unterminated string", "SELECT 1;\n\nSELECT 'abc;\n", "line 3: unterminated quoted string"},
		{"unterminated escape string", "SELECT E'abc\\';", "line 1: unterminated quoted string"},
		{"unterminated identifier", "SELECT \"abc;", "line 1: unterminated quoted identifier"},
		{"unterminated comment", "SELECT 1;\n/* open /* */\n", "line 2: unterminated /* comment"},
		{"unterminated dollar quote", "DO $x$\nBEGIN\n", "line 1: unterminated dollar-quoted string $x$"},
		{"psql variable", "SELECT 1;\nSELECT :'DBNAME' AS db;", "line 2: psql variable :'DBNAME' is not supported"},
		{"psql variable, plain", "SELECT :VERSION_NUM;", "line 1: psql variable :VERSION_NUM is not supported"},
		{"unknown variables and casts are sent as is", "SELECT 1::int, (ARRAY[1,2])[1:2], :'undefined', :user;", ""},
		{"copy to stdout is fine", "COPY (SELECT 1) TO STDOUT;", ""},
		{"copy from a file is fine", "COPY t FROM '/tmp/stdin';", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.script)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check: unexpected error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check: got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCopyDirection(t *testing.T) {
	tests := []struct {
		script     string
		out, stdin bool
	}{
		{"COPY t TO STDOUT;", true, false},
		{"copy (select 'to stdout' from t) to stdout with (format csv);", true, false},
		{"COPY t FROM stdin;", false, true},
		{"COPY t TO '/tmp/stdout';", false, false},
		{"SELECT 1 AS copy, 2 AS stdout;", false, false},
	}
	for _, tt := range tests {
		words := scan(tt.script).stmts[0].words
		if got := isCopyToStdout(words); got != tt.out {
			t.Errorf("isCopyToStdout(%q) = %v", tt.script, got)
		}
		if got := isCopyFromStdin(words); got != tt.stdin {
			t.Errorf("isCopyFromStdin(%q) = %v", tt.script, got)
		}
	}
}

func TestCopyData(t *testing.T) {
	tests := []struct {
		name   string
		script string
		stmts  []string
		data   []string // copyData per statement
		lines  []int
	}{
		{"data up to the end marker", "COPY t FROM STDIN;\n1\tone\n2\ttwo\n\\.\nSELECT 2;\n",
			[]string{"COPY t FROM STDIN;", "SELECT 2;"}, []string{"1\tone\n2\ttwo\n", ""}, []int{1, 5}},
		{"rest of the line runs after the data", "COPY t FROM STDIN; SELECT 42;\n4\n\\.\nSELECT 3;",
			[]string{"COPY t FROM STDIN;", "SELECT 42;", "SELECT 3;"}, []string{"4\n", "", ""}, []int{1, 1, 4}},
		{"data to the end of the script", "COPY t FROM STDIN;\n1\n2",
			[]string{"COPY t FROM STDIN;"}, []string{"1\n2\n"}, []int{1}},
		{"crlf end marker", "COPY t FROM STDIN;\r\n1\r\n\\.\r\nSELECT 2;",
			[]string{"COPY t FROM STDIN;", "SELECT 2;"}, []string{"1\n", ""}, []int{1, 4}},
		{"no data on the last line", "COPY t FROM STDIN;",
			[]string{"COPY t FROM STDIN;"}, []string{""}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scan(tt.script)
			if err := sc.firstProblem(); err != nil {
				t.Fatal(err)
			}
			var stmts, data []string
			var lines []int
			for _, st := range sc.stmts {
				stmts, data, lines = append(stmts, st.text), append(data, st.copyData), append(lines, st.line)
			}
			if !reflect.DeepEqual(stmts, tt.stmts) || !reflect.DeepEqual(data, tt.data) || !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("got %q %q %v, want %q %q %v", stmts, data, lines, tt.stmts, tt.data, tt.lines)
			}
		})
	}
}

func TestLexArgs(t *testing.T) {
	vars := map[string]string{"v": "it's", "b": `a\b`, "id": `My "T"`}
	tests := []struct {
		in   string
		want []string
	}{
		{` 'a b' "c d" 'it''s' E'x'`, []string{"a b", `"c d"`, "it's", "Ex"}},
		{`'tab\there' '\101\x42'`, []string{"tab\there", "AB"}},
		{`:v :'v' :"id" :'b' :unset :'unset'`, []string{"it's", `'it''s'`, `"My ""T"""`, ` E'a\\b'`, ":unset", ":'unset'"}},
		{`x:v`, []string{"xit's"}},
		{`'a\x00b' '\0' c`, []string{"a", "", "c"}},
	}
	for _, tt := range tests {
		got, err := lexArgs(tt.in, vars)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lexArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseExpanded(t *testing.T) {
	for v, want := range map[string]expandedMode{"on": expandedOn, "OFF": expandedOff, "a": expandedAuto, "auto": expandedAuto,
		"t": expandedOn, "1": expandedOn, "0": expandedOff, "yes": expandedOn, "n": expandedOff} {
		if got, ok := parseExpanded(v); !ok || got != want {
			t.Errorf("parseExpanded(%q) = %v %v, want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"o", "maybe", "autox", "2", ""} {
		if _, ok := parseExpanded(v); ok {
			t.Errorf("parseExpanded(%q) accepted", v)
		}
	}
}

// TestStore checks \gset's storing against psql 17's StoreQueryTuple: a
// variable psql reacts to is skipped with a warning and no failure; an
// invalid name fails and stops at that column.
func TestStore(t *testing.T) {
	fields := func(names ...string) []pgconn.FieldDescription {
		f := make([]pgconn.FieldDescription, len(names))
		for i, n := range names {
			f[i].Name = n
		}
		return f
	}
	val := func(v string) *string { return &v }
	tests := []struct {
		names      []string
		wantFailed bool
		wantOut    string
		wantVars   map[string]string
	}{
		{[]string{"AUTOCOMMIT", "after"}, false, "attempt to \\gset into specially treated variable \"AUTOCOMMIT\" ignored\n", map[string]string{"after": "v"}},
		{[]string{"QUIET", "ON_ERROR_STOP", "PROMPT1"}, false, "attempt to \\gset into specially treated variable \"QUIET\" ignored\n" +
			"attempt to \\gset into specially treated variable \"ON_ERROR_STOP\" ignored\n" +
			"attempt to \\gset into specially treated variable \"PROMPT1\" ignored\n", map[string]string{}},
		{[]string{"before", "bad-name", "after"}, true, "invalid variable name: \"bad-name\"\n", map[string]string{"before": "v"}},
		{[]string{"DBNAME", "after"}, false, "", map[string]string{"after": "v"}},
	}
	for _, tt := range tests {
		var b strings.Builder
		s := &Session{vars: map[string]string{}, out: newOutput(&b, MaxResultBytes)}
		row := make([]*string, len(tt.names))
		for i := range row {
			row[i] = val("v")
		}
		failed := s.store("", fields(tt.names...), row)
		if failed != tt.wantFailed || b.String() != tt.wantOut || !reflect.DeepEqual(s.vars, tt.wantVars) {
			t.Errorf("store(%q) = %v, printed %q, vars %v; want %v, %q, %v",
				tt.names, failed, b.String(), s.vars, tt.wantFailed, tt.wantOut, tt.wantVars)
		}
	}
}

// TestRunOutputLimit checks that all a Run prints counts toward one byte
// limit: meta-commands' output past it fails the run with a
// *TooLargeError at the command that passed it, a note in place of its
// output, and nothing after it run.
func TestRunOutputLimit(t *testing.T) {
	const limit = 1000
	big := strings.Repeat("x", 400)
	tests := []struct {
		name, script string
		wantLine     int    // 0: no error
		wantOut      string // the output before the note
	}{
		{"echo adds up", "\\set big " + big + "\n\\echo :big\n\\echo :big :big\n\\echo after\n", 3, big + "\n"},
		{"qecho too", "\\set big " + big + "\n\\qecho :big :big :big\n\\echo after\n", 2, ""},
		{"up to the limit", "\\set big " + big + "\n\\echo :big\n\\echo :big\n", 0, big + "\n" + big + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{vars: map[string]string{}}
			s.SetLimits(MaxResultRows, limit)
			var b strings.Builder
			errored, err := s.Run(context.Background(), tt.script, &b)
			if tt.wantLine == 0 {
				if err != nil || errored || b.String() != tt.wantOut {
					t.Fatalf("Run = %v, %v, output %q; want %q", errored, err, b.String(), tt.wantOut)
				}
				return
			}
			var tl *TooLargeError
			want := fmt.Sprintf("line %d: result too large to verify: the block's output passed 1000 bytes; the rest of the block was not run", tt.wantLine)
			if !errors.As(err, &tl) || err.Error() != want || !errored {
				t.Fatalf("Run = %v, %v; want a TooLargeError %q", errored, err, want)
			}
			note := "[result too large to verify, not shown: the block's output passed 1000 bytes]\n"
			if b.String() != tt.wantOut+note || b.Len() > limit {
				t.Errorf("output %q, want %q", b.String(), tt.wantOut+note)
			}
		})
	}
}
