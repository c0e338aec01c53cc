package psql

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// pos is the 1-based character position of sub in query, as the server reports it.
func pos(query, sub string) int32 {
	return int32(utf8.RuneCountInString(query[:strings.Index(query, sub)]) + 1)
}

// The golden strings are what psql 17 printed for the same errors.
func TestFormatMessage(t *testing.T) {
	long := "SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS a, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' AS b, nope, 'cccccccccccccccccccccccccccccccc' AS c FROM u;"
	tests := []struct {
		name    string
		err     pgconn.PgError
		query   string
		isError bool
		want    string
	}{
		{
			name:    "detail",
			err:     pgconn.PgError{Severity: "ERROR", Message: `duplicate key value violates unique constraint "u_v_key"`, Detail: "Key (v)=(a) already exists."},
			query:   "INSERT INTO u VALUES (2, 'a');",
			isError: true,
			want:    "ERROR:  duplicate key value violates unique constraint \"u_v_key\"\nDETAIL:  Key (v)=(a) already exists.\n",
		},
		{
			name:    "position on line 2",
			err:     pgconn.PgError{Severity: "ERROR", Message: `column "no_such_column" does not exist`, Position: pos("SELECT id,\n       no_such_column\nFROM u;", "no_such")},
			query:   "SELECT id,\n       no_such_column\nFROM u;",
			isError: true,
			want:    "ERROR:  column \"no_such_column\" does not exist\nLINE 2:        no_such_column\n               ^\n",
		},
		{
			name:    "position and hint",
			err:     pgconn.PgError{Severity: "ERROR", Message: "function lenght(unknown) does not exist", Position: 8, Hint: "No function matches the given name and argument types. You might need to add explicit type casts."},
			query:   "SELECT lenght('x');",
			isError: true,
			want: "ERROR:  function lenght(unknown) does not exist\nLINE 1: SELECT lenght('x');\n               ^\n" +
				"HINT:  No function matches the given name and argument types. You might need to add explicit type casts.\n",
		},
		{
			name:    "wide characters before the position",
			err:     pgconn.PgError{Severity: "ERROR", Message: `column "missing_column" does not exist`, Position: pos("SELECT '漢字漢字' AS wide, missing_column FROM u;", "missing")},
			query:   "SELECT '漢字漢字' AS wide, missing_column FROM u;",
			isError: true,
			want:    "ERROR:  column \"missing_column\" does not exist\nLINE 1: SELECT '漢字漢字' AS wide, missing_column FROM u;\n                                   ^\n",
		},
		{
			name:    "tab counts as one column",
			err:     pgconn.PgError{Severity: "ERROR", Message: `column "nope_tab" does not exist`, Position: 8},
			query:   "SELECT\tnope_tab,\t1 FROM u;",
			isError: true,
			want:    "ERROR:  column \"nope_tab\" does not exist\nLINE 1: SELECT nope_tab, 1 FROM u;\n               ^\n",
		},
		{
			name:    "long line cut on both sides",
			err:     pgconn.PgError{Severity: "ERROR", Message: `column "nope" does not exist`, Position: pos(long, "nope")},
			query:   long,
			isError: true,
			want: "ERROR:  column \"nope\" does not exist\n" +
				"LINE 1: ...' AS a, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' AS b, nope, 'ccc...\n" +
				"                                                             ^\n",
		},
		{
			name:    "long line cut on the right",
			err:     pgconn.PgError{Severity: "ERROR", Message: `column "nope3" does not exist`, Position: 8},
			query:   "SELECT nope3, 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc' AS c FROM u;",
			isError: true,
			want:    "ERROR:  column \"nope3\" does not exist\nLINE 1: SELECT nope3, 'ccccccccccccccccccccccccccccccccccccccccccccc...\n               ^\n",
		},
		{
			name:    "internal query with context",
			err:     pgconn.PgError{Severity: "ERROR", Message: `column "missing" does not exist`, InternalPosition: 9, InternalQuery: "(SELECT missing FROM u)", Where: "PL/pgSQL function fails() line 3 at RETURN"},
			query:   "SELECT fails();",
			isError: true,
			want: "ERROR:  column \"missing\" does not exist\nLINE 1: (SELECT missing FROM u)\n                ^\n" +
				"QUERY:  (SELECT missing FROM u)\nCONTEXT:  PL/pgSQL function fails() line 3 at RETURN\n",
		},
		{
			name:    "multi-line context",
			err:     pgconn.PgError{Severity: "ERROR", Message: "division by zero", Where: "SQL statement \"SELECT 1/0\"\nPL/pgSQL function inline_code_block line 1 at PERFORM"},
			query:   "DO $$ BEGIN PERFORM 1/0; END $$;",
			isError: true,
			want:    "ERROR:  division by zero\nCONTEXT:  SQL statement \"SELECT 1/0\"\nPL/pgSQL function inline_code_block line 1 at PERFORM\n",
		},
		{
			name:  "notice hides context",
			err:   pgconn.PgError{Severity: "NOTICE", Message: "notice with extras", Detail: "the detail", Hint: "the hint", Where: "PL/pgSQL function inline_code_block line 1 at RAISE"},
			query: "DO $$BEGIN RAISE NOTICE 'notice with extras' USING DETAIL = 'the detail', HINT = 'the hint'; END$$;",
			want:  "NOTICE:  notice with extras\nDETAIL:  the detail\nHINT:  the hint\n",
		},
		{
			name:    "position without query text",
			err:     pgconn.PgError{Severity: "ERROR", Message: "boom", InternalPosition: 3},
			query:   "SELECT 1;",
			isError: true,
			want:    "ERROR:  boom at character 3\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatMessage(&tt.err, tt.query, tt.isError); got != tt.want {
				t.Errorf("formatMessage:\n got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
