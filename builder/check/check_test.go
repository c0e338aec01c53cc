package check

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestKinds(t *testing.T) {
	tests := []struct {
		kind     string
		match    []string
		mismatch []string
	}{
		{"lsn", []string{"0/3000060", "1A/FF0000D8", "FFFFFFFF/FFFFFFFF"}, []string{"0/3000a60", "0/", "/1", "123456789/0", "0/3000060/1", ""}},
		{"walfile", []string{"000000010000000000000003"}, []string{"00000001000000000000003", "0000000100000000000000030", "00000001000000000000000g"}},
		{"ts", []string{
			"2026-11-25 18:44:32.541012+00", "2026-11-25 18:44:32+00", "2026-11-25 18:44:32+05:30",
			"2026-11-25 18:44:32", "2026-11-25 18:44:32.541 UTC", "2026-11-25 18:44:32 CEST", "2026-11-25 18:44:32.541 +04",
			"2026-11-25T18:44:32.541012+00:00",
		}, []string{"2026-11-25", "18:44:32", "2026-11-25 18:44", "2026-11-25 18:44:32.1234567", "2026-11-25 18:44:32 utc"}},
		{"int", []string{"0", "15825", "-1"}, []string{"1.5", "+1", "1e3", "", "12a"}},
		{"pid", []string{"15825"}, []string{"x"}},
		{"port", []string{"5432"}, []string{"54 32"}},
		{"oid", []string{"16384"}, nil},
		{"xid", []string{"745"}, nil},
		{"bytes", []string{"-16384"}, nil},
		{"num", []string{"1", "-0.75", "1.5e-07", "1e+20"}, []string{"1.", ".5", "1,5", "NaN"}},
		{"interval", []string{
			"00:00:00.000412", "-00:00:01.5", "1 day 02:00:00", "2 days", "1 year 2 mons 3 days 04:05:06",
			"-1 days +02:00:00", "123:00:00",
		}, []string{"1 day,", "00:00", "412 ms", "1 week"}},
		{"ip", []string{"172.18.0.3", "0.0.0.0", "255.255.255.255"}, []string{"256.1.1.1", "172.18.0", "::1", "172.18.0.3.4"}},
		{"version", []string{"17.12", "15.18"}, []string{"17", "17.12 (Debian 17.12-1)", "17.12.1"}},
		{"word", []string{"replica_slot", "a|b", "x"}, []string{"", "two words"}},
		{"hex", []string{"deadBEEF", "0"}, []string{"0x1", "g"}},
		{"...", []string{"", "anything at all"}, nil},
		{"lsn?", []string{"", "0/1"}, []string{"x"}},
		{"interval?", []string{"", "00:00:00.000412"}, []string{" "}},
	}
	for _, tt := range tests {
		for _, v := range tt.match {
			if r := Match("<{{"+tt.kind+"}}>", "<"+v+">", nil); !r.OK {
				t.Errorf("{{%s}} should match %q:\n%s", tt.kind, v, r.Diff)
			}
		}
		for _, v := range tt.mismatch {
			if r := Match("<{{"+tt.kind+"}}>", "<"+v+">", nil); r.OK {
				t.Errorf("{{%s}} should not match %q", tt.kind, v)
			}
		}
	}
}

type matchCase struct {
	name             string
	expected, actual string
	known            Captures
	ok               bool
	caps             Captures
}

func matchCases() []matchCase {
	return []matchCase{
		{name: "empty", ok: true},
		{name: "empty vs text", actual: "x\n"},
		{name: "trailing whitespace both sides", expected: "a  \nb\t\n", actual: "a\nb   \n", ok: true},
		{name: "leading whitespace counts", expected: " a\n", actual: "a\n"},
		{name: "trailing empty lines", expected: "a\n", actual: "a\n\n  \n\n", ok: true},
		{name: "trailing empty lines expected", expected: "a\n\n\n", actual: "a", ok: true},
		{name: "inner empty line counts", expected: "a\nb\n", actual: "a\n\nb\n"},
		{name: "leading empty line counts", expected: "a\n", actual: "\na\n"},
		{name: "CRLF actual", expected: "a\nb\n", actual: "a\r\nb\r\n", ok: true},
		{name: "CRLF expected", expected: "a\r\n{{int}}\r\n", actual: "a\n5\n", ok: true},
		{name: "lone CR kept", expected: "a\rb\n", actual: "ab\n"},
		{name: "case matters", expected: "streaming\n", actual: "Streaming\n"},
		{name: "placeholder anchored to the line", expected: "{{int}}\n", actual: "12 rows\n"},
		{name: "wildcard in line", expected: "LOG:  {{...}} at {{lsn}}\n", actual: "LOG:  redo starts at 0/2000028\n", ok: true},
		{name: "wildcard empty", expected: "a{{...}}b\n", actual: "ab\n", ok: true},
		{name: "wildcard does not cross lines", expected: "a {{...}}\n", actual: "a\nb\n"},
		{name: "multi-line wildcard zero lines", expected: "a\n{{...}}\nb\n", actual: "a\nb\n", ok: true},
		{name: "multi-line wildcard many lines", expected: "a\n  {{...}}\nb\n", actual: "a\n1\n2\n3\nb\n", ok: true},
		{name: "multi-line wildcard only", expected: "{{...}}\n", actual: "anything\nat all\n", ok: true},
		{name: "multi-line wildcard only, empty actual", expected: "{{...}}\n", ok: true},
		{name: "adjacent multi-line wildcards", expected: "{{...}}\n{{...}}\nz\n", actual: "x\ny\nz\n", ok: true},
		{name: "multi-line wildcard, missing anchor", expected: "{{...}}\nready\n{{...}}\n", actual: "x\ny\n"},
		{name: "multi-line wildcard, anchor at end", expected: "{{...}}\nb\nc\n", actual: "a\nb\nc\nb\nc\n", ok: true},
		{name: "multi-line wildcard not enough lines", expected: "a\n{{...}}\nb\nc\n", actual: "a\nc\n"},
		{name: "capture first success", expected: "{{...}}\nslot {{word:s}}\n{{...}}\n", actual: "x\nslot a\nslot b\n", ok: true, caps: Captures{"s": "a"}},
		{
			name: "capture and reference in one line", expected: "sent {{lsn:a}} flushed {{@a}}\n",
			actual: "sent 0/3000148 flushed 0/3000148\n", ok: true, caps: Captures{"a": "0/3000148"},
		},
		{name: "reference differs in one line", expected: "sent {{lsn:a}} flushed {{@a}}\n", actual: "sent 0/3000148 flushed 0/3000060\n"},
		{name: "reference to earlier block", expected: "at {{@start}}\n", actual: "at 0/3000000\n", known: Captures{"start": "0/3000000"}, ok: true, caps: Captures{}},
		{name: "reference to earlier block differs", expected: "at {{@start}}\n", actual: "at 0/3000001\n", known: Captures{"start": "0/3000000"}},
		{name: "reference is literal text", expected: "{{@k}}\n", actual: "a.b\n", known: Captures{"k": "a.b"}, ok: true},
		{name: "reference metacharacters quoted", expected: "{{@k}}\n", actual: "axb\n", known: Captures{"k": "a.b"}},
		{name: "optional capture of NULL", expected: "lag={{interval?:lag}}\n", actual: "lag=\n", ok: true, caps: Captures{"lag": ""}},
		{name: "empty optional at line end", expected: "replay_lag       | {{interval?}}\n", actual: "replay_lag       | \n", ok: true},
		{name: "empty wildcard at line end", expected: "conninfo | {{...}}\n", actual: "conninfo |\n", ok: true},
		{name: "empty capture at line end", expected: "a {{word:w}} {{...?:rest}}\n", actual: "a b\n", ok: true, caps: Captures{"w": "b", "rest": ""}},
		{name: "required value at line end", expected: "a {{int}}\n", actual: "a\n"},
		{name: "wildcard capture", expected: "conninfo: {{...:ci}}\n", actual: "conninfo: user=r host=p\n", ok: true, caps: Captures{"ci": "user=r host=p"}},
		{name: "recapture of a known name", expected: "{{lsn:start}}\n", actual: "0/5\n", known: Captures{"start": "0/1"}, ok: true, caps: Captures{"start": "0/5"}},
		{name: "whole tokens next to a wildcard", expected: "{{...}}{{int:n}}\n", actual: "abc 123\n", ok: true, caps: Captures{"n": "123"}},
		{name: "int is not half a word", expected: "{{int}}{{...}}\n", actual: "12abc\n"},
		{name: "psql arrays stay literal", expected: "{{1,2},{3,4}}\n", actual: "{{1,2},{3,4}}\n", ok: true},
		{name: "JSON stays literal", expected: `{"a": {"b": {}}}` + "\n", actual: `{"a": {"b": {}}}` + "\n", ok: true},
		{name: "literal braces around a placeholder", expected: "{{{{word}}}}\n", actual: "{{a}}\n", ok: true},
		{name: "regexp metacharacters literal", expected: "a.*b (x) [y] $\n", actual: "aXXb (x) [y] $\n"},
		{name: "regexp metacharacters match", expected: "a.*b (x) [y] $ {{int}}\n", actual: "a.*b (x) [y] $ 1\n", ok: true},
		{
			name: "table re-padded", expected: " a | b\n---+---\n 1 | {{lsn}}\n(1 row)\n",
			actual: " a |     b\n---+-----------\n 1 | 0/3000060\n(1 row)\n", ok: true,
		},
		{
			name: "table cell count differs", expected: " a | b\n---+---\n 1 | x\n(1 row)\n",
			actual: " a | b | c\n---+---+---\n 1 | x | y\n(1 row)\n",
		},
		{
			name: "separator column count differs", expected: " a\n---\n 1\n(1 row)\n",
			actual: " a\n---+---\n 1\n(1 row)\n",
		},
		{
			name: "wildcard rows in a table", expected: " id | v\n----+---\n  1 | a\n{{...}}\n  9 | {{word}}\n(3 rows)\n",
			actual: " id  |  v\n-----+------\n   1 | a\n  77 | long\n   9 | z\n(3 rows)\n", ok: true,
		},
		{
			name: "cell wildcard", expected: " id | conninfo\n----+----------\n  1 | {{...}}\n(1 row)\n",
			actual: " id |       conninfo\n----+---------------------\n  1 | user=r password=***\n(1 row)\n", ok: true,
		},
		{
			name: "zero-column table", expected: "--\n(2 rows)\n",
			actual: "--\n(2 rows)\n", ok: true,
		},
		{
			name: "table vs plain text", expected: " a | b\n---+---\n 1 | 2\n(1 row)\n",
			actual: " a | b\n 1 | 2\n(1 row)\n",
		},
		{name: "unicode", expected: "Zürich → 東京 {{word}}\n", actual: "Zürich → 東京 ✓\n", ok: true},
		{name: "invalid UTF-8 literal", expected: "a\xffb\n", actual: "a\xffb\n", ok: true},
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range matchCases() {
		t.Run(tt.name, func(t *testing.T) {
			r := Match(tt.expected, tt.actual, tt.known)
			if r.Err != nil {
				t.Fatalf("Err: %v", r.Err)
			}
			if r.OK != tt.ok {
				t.Fatalf("OK = %v, want %v\n%s", r.OK, tt.ok, r.Diff)
			}
			if !r.OK && !strings.HasPrefix(r.Diff, "--- expected\n+++ actual\n@@ ") {
				t.Errorf("diff without headers:\n%s", r.Diff)
			}
			if tt.caps != nil && !reflect.DeepEqual(r.Captures, tt.caps) {
				t.Errorf("captures = %v, want %v", r.Captures, tt.caps)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		text string
		line int    // 0: valid
		msg  string // part of the message
	}{
		{text: "plain\n"},
		{text: "{{lsn}} {{walfile}} {{ts}} {{int}} {{pid}} {{port}} {{oid}} {{xid}} {{bytes}}\n"},
		{text: "{{num}} {{interval?}} {{ip}} {{version}} {{...}} {{word:w}} {{hex}} {{@w}} {{@other}}\n"},
		{text: "{{1,2},{3,4}} {{a,b}} {{a},{b}} {\"a\":{\"b\":1}}\n"},
		{text: "x\n{{lsnn}}\n", line: 2, msg: "unknown placeholder {{lsnn}}"},
		{text: "a\nb\n c {{ lsn }}\n", line: 3, msg: "unknown placeholder {{ lsn }}"},
		{text: "{{}}\n", line: 1, msg: "empty placeholder"},
		{text: "{{LSN}}\n", line: 1, msg: "unknown placeholder"},
		{text: "{{lsn:Before}}\n", line: 1, msg: "a capture is {{kind:name}}"},
		{text: "{{lsn:}}\n", line: 1, msg: "a capture is"},
		{text: "{{@}}\n", line: 1, msg: "a reference is {{@name}}"},
		{text: "{{@9x}}\n", line: 1, msg: "a reference is"},
		{text: "{{lsn??}}\n", line: 1, msg: "unknown placeholder"},
		{text: "at {{lsn}\n", line: 1, msg: "unclosed placeholder \"{{lsn}\""},
		{text: "\n\nat {{lsn\n", line: 3, msg: "unclosed placeholder"},
		{text: " a | {{lsn | b\n", line: 1, msg: "unclosed placeholder"},
		{text: "{{lsn:a}}\n{{lsn:b}}\n{{int:a}}\n", line: 3, msg: `"a" is already captured on line 1`},
		{text: "a\r\nb\r\n{{bad}}\r\n", line: 3, msg: "unknown placeholder"},
	}
	for _, tt := range tests {
		err := Validate(tt.text)
		if tt.line == 0 {
			if err != nil {
				t.Errorf("Validate(%q) = %v, want nil", tt.text, err)
			}
			continue
		}
		var le *LineError
		if !errors.As(err, &le) {
			t.Errorf("Validate(%q) = %v, want a *LineError", tt.text, err)
			continue
		}
		if le.Line != tt.line || !strings.Contains(le.Msg, tt.msg) {
			t.Errorf("Validate(%q) = line %d %q, want line %d containing %q", tt.text, le.Line, le.Msg, tt.line, tt.msg)
		}
		if r := Match(tt.text, tt.text, nil); r.OK || r.Err == nil || !strings.Contains(r.Diff, le.Msg) {
			t.Errorf("Match on an invalid text: %+v", r)
		}
	}
}

func TestUnknownReference(t *testing.T) {
	// {{@b}} comes before its capture: only an earlier block could define it.
	r := Match("a\n{{@b}}\n{{lsn:b}}\n", "a\n0/1\n0/1\n", Captures{"x": "1"})
	var le *LineError
	if r.OK || !errors.As(r.Err, &le) || le.Line != 2 || !strings.Contains(le.Msg, `nothing captured "b"`) {
		t.Fatalf("got %+v", r)
	}
	if r := Match("a\n{{@b}}\n{{lsn:b}}\n", "a\n0/1\n0/2\n", Captures{"b": "0/1"}); !r.OK {
		t.Fatalf("earlier block's value, then a new capture: %+v", r)
	}
}

func TestSubstitute(t *testing.T) {
	caps := Captures{"before": "0/3000060", "slot": "replica_slot"}
	got, err := Substitute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{{@before}}');\n-- {{@slot}} {{lsn}} {{@before}}", caps)
	want := "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/3000060');\n-- replica_slot {{lsn}} 0/3000060"
	if err != nil || got != want {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err = Substitute("ok\nSELECT '{{@after}}';", caps)
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 || !strings.Contains(err.Error(), `"after"`) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := Substitute("{{@Bad}}", caps); err == nil || !strings.Contains(err.Error(), "{{@Bad}}") {
		t.Fatalf("malformed name: %v", err)
	}
	if got, err := Substitute("no refs {{1,2}}", nil); err != nil || got != "no refs {{1,2}}" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDiffFormat(t *testing.T) {
	tests := []struct {
		name, expected, actual, diff string
	}{
		{"insert into empty", "", "x\n", "--- expected\n+++ actual\n@@ -0,0 +1 @@\n+x\n"},
		{"delete all", "x\ny\n", "", "--- expected\n+++ actual\n@@ -1,2 +0,0 @@\n-x\n-y\n"},
		{
			"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
			"--- expected\n+++ actual\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n",
		},
		{
			"touching contexts share a hunk", "1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n",
			"--- expected\n+++ actual\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n",
		},
		{
			"volatile values are context", "pid {{pid}}\nstate streaming\nlsn {{lsn}}\n", "pid 42\nstate catchup\nlsn 0/1\n",
			"--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n pid {{pid}}\n-state streaming\n+state catchup\n lsn {{lsn}}\n",
		},
	}
	for _, tt := range tests {
		if r := Match(tt.expected, tt.actual, nil); r.Diff != tt.diff {
			t.Errorf("%s: diff\n%s\nwant\n%s", tt.name, r.Diff, tt.diff)
		}
	}
}

func TestMask(t *testing.T) {
	exp := "pid {{pid}}\nstate streaming\nlsn {{lsn}}\n{{...}}\nend {{int}}\n"
	act := "pid 42\nstate catchup\nlsn 0/1\nnoise\nmore noise\nend 7\nextra\n"
	want := "pid {{pid}}\nstate catchup\nlsn {{lsn}}\n{{...}}\nend {{int}}\nextra\n"
	if got := Mask(exp, act, nil); got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if got := Mask("{{bad}}\n", "a\r\nb\n\n", nil); got != "a\nb\n" {
		t.Errorf("invalid expected: Mask = %q, want the actual text", got)
	}
}

// TestHuge checks that a runaway output gives a quick, bounded answer.
func TestHuge(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 10<<20; i++ {
		fmt.Fprintf(&b, "2026-11-25 18:44:%02d.%03d UTC [%d] LOG:  checkpoint %d complete\n", i%60, i%1000, i%90000, i)
	}
	huge := b.String()
	tests := []struct {
		name, expected string
		ok             bool
	}{
		{"five lines", "a\nb\nc\nd\ne\n", false},
		{"log excerpt found", "{{...}}\n{{ts}} [{{pid}}] LOG:  checkpoint {{int:n}} complete\n{{...}}\n", true},
		{"log excerpt missing", "{{...}}\nready\n{{...}}\nnever\n{{...}}\n", false},
		{"one huge line", "{{...}}x\n", false},
		{"one huge line matched", "{{ts}} [{{pid}}] LOG:  {{...}}\n", true},
	}
	for _, tt := range tests {
		actual := huge
		if strings.HasPrefix(tt.name, "one huge line") {
			actual = strings.ReplaceAll(huge, "\n", " ")
		}
		start := time.Now()
		r := Match(tt.expected, actual, nil)
		t.Logf("%s: %v", tt.name, time.Since(start))
		if r.OK != tt.ok {
			t.Fatalf("%s: OK = %v", tt.name, r.OK)
		}
		if n := strings.Count(r.Diff, "\n"); n > maxDiffLines+5 || len(r.Diff) > (maxDiffLines+5)*(maxLineBytes+50) {
			t.Errorf("%s: diff of %d lines, %d bytes", tt.name, n, len(r.Diff))
		}
		if tt.name == "five lines" && !strings.Contains(r.Diff, "more diff lines cut") {
			t.Errorf("%s: no cut note in\n%s", tt.name, r.Diff)
		}
	}
}

func TestReferencesAndCaptureNames(t *testing.T) {
	text := "a {{lsn:before}} b {{@start}} {{int}} {{ts?:when}} {{@before}}"
	if got := strings.Join(References(text), ","); got != "start,before" {
		t.Errorf("References = %q", got)
	}
	if got := strings.Join(CaptureNames(text), ","); got != "before,when" {
		t.Errorf("CaptureNames = %q", got)
	}
}

// TestMaskNeverWritesVolatileValues checks that text taken from an actual
// output has its LSNs, WAL file names and timestamps replaced, whether the
// line is new or replaces a changed one.
func TestMaskNeverWritesVolatileValues(t *testing.T) {
	exp := "state streaming\nlsn {{lsn}} at {{ts}}\n"
	act := "state catchup at 0/3000148\nlsn 0/3000148 at 2026-11-25 18:44:32.541012+00\nfile 000000010000000000000003 since 2026-11-25 18:44:33+00\n"
	got := Mask(exp, act, nil)
	want := "state catchup at {{lsn}}\nlsn {{lsn}} at {{ts}}\nfile {{walfile}} since {{ts}}\n"
	if got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if r := Match(got, act, nil); !r.OK {
		t.Errorf("masked text does not match:\n%s", r.Diff)
	}
}
