package load

import (
	"strings"
	"testing"
)

// TestProbeQueryIsOneStatement: a probe samples the row of one statement;
// a query of several (or of none: only a comment) is an error in the
// chapter's front matter, while one statement with or without its
// semicolon, or with a semicolon inside a string, loads.
func TestProbeQueryIsOneStatement(t *testing.T) {
	chapter := func(query string) string {
		return "---\ntitle: A\nprobes:\n  p:\n    node: db\n    every: 20ms\n    query: " + query + "\n---\n\n" +
			"```sql {node=db sample=p}\nSELECT pg_sleep(0.3);\n```\n\n```output\n```\n\n```chart {probe=p}\n```\n"
	}
	for _, q := range []string{"SELECT 1", "SELECT 1;", `"SELECT ';' AS a"`} {
		if _, err := Chapter("content/01-a.md", []byte(chapter(q)), t.TempDir()); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	for _, q := range []string{"DROP TABLE IF EXISTS zz; SELECT 1", "SELECT 1; SELECT 2;", "\"-- nothing\""} {
		_, err := Chapter("content/01-a.md", []byte(chapter(q)), t.TempDir())
		if err == nil || !strings.HasPrefix(err.Error(), "content/01-a.md:4: probe p: its query is ") {
			t.Errorf("%s: %v", q, err)
		}
	}
}
