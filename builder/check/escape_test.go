package check

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestEscape: a backslash before "{{" makes it literal text, so psql's
// {{2}} (SELECT ARRAY[[2]]) can be expected; a doubled backslash is one
// backslash; {{2}} itself stays an unknown placeholder.
func TestEscape(t *testing.T) {
	for _, tt := range []struct {
		expected, actual string
		ok               bool
	}{
		{`\{{2}}`, `{{2}}`, true},
		{" array\n-------\n \\{{2}}\n(1 row)\n", " array \n-------\n {{2}}\n(1 row)\n\n", true},
		{`\{{{1}}}`, `{{{1}}}`, true},
		{`\{{lsn}}`, `{{lsn}}`, true},
		{`\{{lsn}}`, `0/3000148`, false},
		{`\\{{int}}`, `\7`, true},
		{`\\\{{int}}`, `\{{int}}`, true},
		{`a\b \{ \{{1,2}}`, `a\b \{ {{1,2}}`, true},
		{`\{{@a}} {{@a}}`, `{{@a}} x`, false}, // the second is a reference: nothing captured "a"
		{`\{{lsn:x}} {{int:x}}`, `{{lsn:x}} 5`, true},
		{`\{{lsn} x`, `{{lsn} x`, true},
	} {
		r := Match(tt.expected, tt.actual, nil)
		if r.OK != tt.ok || r.Err != nil && tt.ok {
			t.Errorf("Match(%q, %q): OK=%v err=%v, want OK=%v", tt.expected, tt.actual, r.OK, r.Err, tt.ok)
		}
	}
	if err := Validate("{{2}}"); err == nil || !strings.Contains(err.Error(), "unknown placeholder {{2}}") || !strings.Contains(err.Error(), `\{{ for a literal {{`) {
		t.Errorf("Validate({{2}}) = %v", err)
	}
	if got := CaptureNames(`\{{lsn:x}} {{int:y}}`); len(got) != 1 || got[0] != "y" {
		t.Errorf("CaptureNames = %q", got)
	}
	if got := References(`\{{@a}} {{@b}} \\{{@c}} \\\{{@d}}`); strings.Join(got, ",") != "b,c" {
		t.Errorf("References = %q", got)
	}
}

// TestSubstituteEscape: in code and prose the backslashes right before a
// reference follow the same rule; other braces and backslashes stay.
func TestSubstituteEscape(t *testing.T) {
	caps := Captures{"a": "0/1"}
	for in, want := range map[string]string{
		`SELECT '\{{@a}}'`:       `SELECT '{{@a}}'`,
		`SELECT '\\{{@a}}'`:      `SELECT '\0/1'`,
		`SELECT '\\\{{@a}}'`:     `SELECT '\{{@a}}'`,
		`\{{@nobody}} {{@a}}`:    `{{@nobody}} 0/1`,
		`'{{{1}}}' \{{1}} \\x`:   `'{{{1}}}' \{{1}} \\x`,
		`'{{{{1,2}}}}' {{{@a}}}`: `'{{{{1,2}}}}' {0/1}`,
	} {
		if got, err := Substitute(in, caps); err != nil || got != want {
			t.Errorf("Substitute(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestMaskEscapes: an update writes real outputs that hold "{{" so that
// they read back as written: escaped where "{{" would open a placeholder,
// never as placeholders or references.
func TestMaskEscapes(t *testing.T) {
	for actual, want := range map[string]string{
		"{{2}}":                    `\{{2}}`,
		"{{{1}}}":                  `{\{{1}}}`,
		"{{{{1}}}}":                `{{\{{1}}}}`,
		"{{1,2},{3,4}}":            "{{1,2},{3,4}}",
		"{{lsn} x":                 `\{{lsn} x`,
		"{{lsn":                    `\{{lsn`,
		"{{@a}}":                   `\{{@a}}`,
		"{{...}}":                  `\{{...}}`,
		`\{{1,2}}`:                 `\\{{1,2}}`,
		`\\{{2}}`:                  `\\\\\{{2}}`,
		`a\b {x}`:                  `a\b {x}`,
		"{{0/3000148}}":            `{{{{lsn}}}}`,
		`a\0/3000148`:              `a\\{{lsn}}`,
		`\{0/3000148}`:             `\\{{{lsn}}}`,
		`{{2026-11-25 18:44:32+00`: `{{{{ts}}`,
	} {
		got := Mask("x\n", actual+"\n", nil)
		if got != want+"\n" {
			t.Errorf("Mask(%q) = %q, want %q", actual, got, want+"\n")
		}
		if r := Match(got, actual, nil); !r.OK {
			t.Errorf("Mask(%q) = %q does not match it: %v\n%s", actual, got, r.Err, r.Diff)
		}
		if refs, caps := References(got), CaptureNames(got); len(refs)+len(caps) > 0 {
			t.Errorf("Mask(%q) = %q has references %q, captures %q", actual, got, refs, caps)
		}
	}
	// A changed cell of a table is escaped; a kept one stays as written.
	exp := " a  |  b\n----+------\n \\{{1}} | {{int}}\n(1 row)\n"
	act := "  a   | b \n------+---\n {{2}} | 7\n(1 row)\n"
	want := "   a    |    b\n--------+---------\n \\{{2}} | {{int}}\n(1 row)\n"
	if got := Mask(exp, act, nil); got != want {
		t.Errorf("table: Mask = %q, want %q", got, want)
	}
}

// TestDiffMarksInvisibleCharacters: lines that differ only in a no-break
// space, a tab, a zero-width space or a byte that is not UTF-8 show them,
// with a legend; context lines and diffs without them are left as they are.
func TestDiffMarksInvisibleCharacters(t *testing.T) {
	for _, tt := range []struct{ expected, actual, minus, plus string }{
		{"same\nstate streaming\n", "same\nstate\u00a0streaming\n", "-state streaming", "+state⟨U+00A0⟩streaming"},
		{" a | b\n---+---\n x | y\n", " a | b\n---+---\n x\t| y\n", "- x | y", "+ x⟨tab⟩| y"},
		{"slot_a\n", "slot\u200b_a\n", "-slot_a", "+slot⟨U+200B⟩_a"},
		{"caf\u00e9\n", "caf\xe9\n", "-café", "+caf⟨0xE9⟩"},
		{"a\tb\n", "a b\n", "-a⟨tab⟩b", "+a b"},
	} {
		r := Match(tt.expected, tt.actual, nil)
		lines := strings.Split(r.Diff, "\n")
		if r.OK || !slices.Contains(lines, tt.minus) || !slices.Contains(lines, tt.plus) || !strings.Contains(r.Diff, "\nlegend: ") {
			t.Errorf("Match(%q, %q) diff:\n%s\nwant lines %q and %q and a legend", tt.expected, tt.actual, r.Diff, tt.minus, tt.plus)
		}
		if strings.Contains(r.Diff, " same⟨") {
			t.Errorf("a context line was marked:\n%s", r.Diff)
		}
	}
	if r := Match("a\n", "b\n", nil); strings.Contains(r.Diff, "legend") {
		t.Errorf("a legend without marks:\n%s", r.Diff)
	}
}

// TestEscapeRoundTrip: any line of braces, backslashes, bars, words and
// volatile values, as Mask writes it, reads back as that line, with no
// placeholder but those of the volatile values.
func TestEscapeRoundTrip(t *testing.T) {
	parts := []string{"{", "{{", "}", "}}", `\`, `\\`, "@", "a", "lsn", "...", ":x", "|", ",", " ", "0/3000148", "2026-11-25 18:44:32+00", "7"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		line := strings.TrimRight(b.String(), " ")
		m := maskVolatile(line)
		segs, err := parseSegments(m)
		if err != nil {
			t.Fatalf("maskVolatile(%q) = %q: %v", line, m, err)
		}
		for _, sg := range segs {
			if sg.ph != nil && sg.ph.kind != "lsn" && sg.ph.kind != "ts" {
				t.Fatalf("maskVolatile(%q) = %q reads as a {{%s}} placeholder", line, m, sg.ph.kind)
			}
		}
		if r := Match(m, line, nil); !r.OK {
			t.Fatalf("maskVolatile(%q) = %q does not match it:\n%s", line, m, r.Diff)
		}
		if e := escapeLiteral(line, false); Match(e, line, nil).OK != true || len(CaptureNames(e))+len(References(e)) > 0 {
			t.Fatalf("escapeLiteral(%q) = %q does not read back", line, e)
		}
	}
}
