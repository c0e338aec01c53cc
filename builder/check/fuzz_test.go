package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/psql"
)

// FuzzMatch checks that nothing panics, that results are well formed, that
// a text without placeholders always matches itself, and that what Mask
// writes, escapes included, matches the output it came from.
func FuzzMatch(f *testing.F) {
	for _, c := range matchCases() {
		f.Add(c.expected, c.actual)
	}
	for _, sh := range expandedShapes() {
		actual := psql.FormatExpanded(sh.cols, sh.rows)
		f.Add(psql.FormatExpanded(sh.cols, changedShape(sh.rows)), actual)
		f.Add(maskedActual(actual), actual)
	}
	paths, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		a := parseTxtar(string(data))
		f.Add(a.get("expected"), a.get("actual"))
	}
	f.Fuzz(func(t *testing.T, expected, actual string) {
		r := Match(expected, actual, Captures{"start": "0/3000000"})
		switch {
		case r.OK && (r.Diff != "" || r.Err != nil || r.Captures == nil):
			t.Fatalf("OK with diff %q, err %v, captures %v", r.Diff, r.Err, r.Captures)
		case !r.OK && r.Err == nil && !strings.HasPrefix(r.Diff, "--- expected\n+++ actual\n@@ "):
			t.Fatalf("mismatch without a diff: %q", r.Diff)
		case (r.Err == nil) != (Validate(expected) == nil) && !strings.Contains(expected, "{{@"):
			t.Fatalf("Match err %v but Validate %v", r.Err, Validate(expected))
		}
		if m := Mask(expected, actual, nil); !Match(m, actual, nil).OK {
			t.Fatalf("Mask gave %q, which does not match:\n%s", m, Match(m, actual, nil).Diff)
		} else if refs, caps := References(m), CaptureNames(m); len(refs) > 0 && !strings.Contains(expected, "{{@") || len(caps) > 0 && !strings.Contains(expected, ":") {
			t.Fatalf("Mask gave %q, with references %q and captures %q the expected text did not have", m, refs, caps)
		}
		Substitute(expected, Captures{"a": "b"})
		if e := escapedActual(actual); !Match(e, actual, nil).OK || len(References(e))+len(CaptureNames(e)) > 0 {
			t.Fatalf("the escaped actual text %q does not read back as it", e)
		}

		plain := strings.ReplaceAll(expected, "{", "(")
		if r := Match(plain, plain, nil); !r.OK {
			t.Fatalf("placeholder-free text does not match itself:\n%s", r.Diff)
		}
		if r := Match(plain, strings.ReplaceAll(plain, "\n", " \r\n"), nil); !r.OK {
			t.Fatalf("CRLF and trailing spaces should not matter:\n%s", r.Diff)
		}
	})
}
