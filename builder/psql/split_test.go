package psql

import (
	"reflect"
	"strings"
	"testing"
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
		{"meta-command line", "SELECT 1;\n\\dt\nSELECT 2;", `line 2: psql meta-command \dt is not supported`},
		{"meta-command after sql", "SELECT 1 \\gset\n", `line 1: psql meta-command \gset is not supported`},
		{"unterminated string", "SELECT 1;\n\nSELECT 'abc;\n", "line 3: unterminated quoted string"},
		{"unterminated escape string", "SELECT E'abc\\';", "line 1: unterminated quoted string"},
		{"unterminated identifier", "SELECT \"abc;", "line 1: unterminated quoted identifier"},
		{"unterminated comment", "SELECT 1;\n/* open /* */\n", "line 2: unterminated /* comment"},
		{"unterminated dollar quote", "DO $x$\nBEGIN\n", "line 1: unterminated dollar-quoted string $x$"},
		{"copy from stdin", "SELECT 1;\nCOPY t (a) FROM STDIN;\n1\n\\.\n", "line 2: COPY FROM STDIN is not supported"},
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
