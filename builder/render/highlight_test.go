package render

import (
	"strings"

	"golang.org/x/tools/txtar"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"replcourse/builder/check"
	"replcourse/builder/course"
)

func TestLexerNames(t *testing.T) {
	h := newHighlighter(nil)
	for lang, want := range map[string]string{
		"sql":        "PostgreSQL SQL dialect",
		"sh":         "Bash",
		"yaml":       "YAML",
		"conf":       "INI",
		"ini":        "INI",
		"":           lexers.Fallback.Config().Name,
		"text":       lexers.Fallback.Config().Name,
		"nosuch":     lexers.Fallback.Config().Name,
		"Dockerfile": "Docker",
	} {
		got := h.lexer(lang).Config().Name
		if got != want {
			t.Errorf("lexer(%q) = %s, want %s", lang, got, want)
		}
	}
}

func TestLexerLookupIsCached(t *testing.T) {
	h := newHighlighter(nil)
	calls := map[string]int{}
	h.get = func(name string) chroma.Lexer {
		calls[name]++
		return lexers.Get(name)
	}
	for range 3 {
		for _, lang := range []string{"sql", "sh", "bash", "nosuchlang", "text"} {
			h.lexer(lang)
		}
	}
	// sh and bash share a lexer; plain text needs no lookup.
	want := map[string]int{"postgresql": 1, "bash": 1, "nosuchlang": 1}
	if len(calls) != len(want) {
		t.Errorf("lookups %v, want %v", calls, want)
	}
	for name, n := range want {
		if calls[name] != n {
			t.Errorf("lexers.Get(%q) called %d times, want %d", name, calls[name], n)
		}
	}
}

func TestHighlightUsesClassesOnly(t *testing.T) {
	h := newHighlighter(nil)
	out := h.html("sql", "SELECT '<x>' FROM t WHERE a = 1; -- note\n")
	if !strings.HasPrefix(out, `<pre class="chroma"><code>`) {
		t.Errorf("unexpected wrapper: %.60s", out)
	}
	if strings.Contains(out, "style=") {
		t.Error("inline style in highlighted code (the CSP blocks it)")
	}
	if !strings.Contains(out, `<span class="k">SELECT</span>`) || !strings.Contains(out, "&lt;x&gt;") {
		t.Errorf("code not highlighted and escaped:\n%s", out)
	}
}

func TestHighlightCSS(t *testing.T) {
	css, err := newHighlighter(nil).css("github", "github-dark")
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	for _, want := range []string{"@media print, not all and (prefers-color-scheme: dark) {", "@media screen and (prefers-color-scheme: dark) {", ".chroma .k {"} {
		if !strings.Contains(s, want) {
			t.Errorf("chroma.css lacks %q", want)
		}
	}
	if _, err := newHighlighter(nil).css("github", "no-such-style"); err == nil {
		t.Error("unknown style accepted")
	}
}

func TestHighlightLangOfFileBlocks(t *testing.T) {
	for _, tc := range []struct {
		b    course.Block
		want string
	}{
		{course.Block{Lang: "yaml", File: "compose.yaml"}, "yaml"},
		{course.Block{File: "postgresql.conf"}, "conf"},
		{course.Block{File: "image/Dockerfile"}, "Dockerfile"},
		{course.Block{Lang: "sql"}, "sql"},
	} {
		if got := highlightLang(&tc.b); got != tc.want {
			t.Errorf("highlightLang(%+v) = %q, want %q", tc.b, got, tc.want)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Start the stand":          "start-the-stand",
		"Watch the replica":        "watch-the-replica",
		"  pg_hba.conf & friends ": "pg-hba-conf-friends",
		"Réplication logique":      "réplication-logique",
		"!!!":                      "",
		"Step 2: promote":          "step-2-promote",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
	ids := idSet{"block-12": true}
	for _, want := range []string{"a", "a-2", "a-3"} {
		if got := ids.unique("a"); got != want {
			t.Errorf("unique(a) = %q, want %q", got, want)
		}
	}
	if got := ids.unique("block-12"); got != "block-12-2" {
		t.Errorf("a heading took a block's id: %q", got)
	}
	if got := ids.unique(""); got != "section" {
		t.Errorf("empty slug gave %q", got)
	}
}

// TestHighlightMatchesChroma: code with no psql meta-command and no
// captured value comes out exactly as chroma's own HTML formatter writes
// it, so the theme's chroma.css applies as it always did.
func TestHighlightMatchesChroma(t *testing.T) {
	h := newHighlighter(nil)
	for _, tc := range []struct{ lang, code string }{
		{"sql", "SELECT '<x>' FROM t WHERE a = 1; -- note\nSELECT $$a\nb$$;\n"},
		{"sql", "SELECT 1"},
		{"sh", "psql -X -c 'SELECT 1' \\\n  | grep -e x\nfor i in 1 2; do echo \"$i\"; done\n"},
		{"yaml", "services:\n  primary:\n    image: postgres:17\n"},
		{"conf", "wal_level = replica\r\nmax_wal_senders = 10\r\n"},
		{"text", "plain & <simple>\n\n"},
		{"nosuchlang", "x\ty\n"},
	} {
		var want strings.Builder
		it, err := h.lexer(tc.lang).Tokenise(nil, tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.format.Format(&want, styles.Fallback, it); err != nil {
			t.Fatal(err)
		}
		want.WriteByte('\n')
		if got := h.html(tc.lang, tc.code); got != want.String() {
			t.Errorf("%s %q:\n got %s\nwant %s", tc.lang, tc.code, got, want.String())
		}
	}
}

// TestPsqlMetaCommandsAreNotErrors: psql's meta-commands and COPY data in
// an sql block are psql's, not SQL with errors in it. The golden HTML:
// the command a pseudo-keyword (kp), its arguments names (n), strings and
// variables, the data plain text up to psql's \. marker.
func TestPsqlMetaCommandsAreNotErrors(t *testing.T) {
	h := newHighlighter(nil)
	for _, tc := range []struct{ code, want string }{
		{`\x on` + "\n",
			`<span class="kp">\x</span> <span class="n">on</span>` + "\n"},
		{`  \dRp+ accounts_pub` + "\n",
			`  <span class="kp">\dRp+</span> <span class="n">accounts_pub</span>` + "\n"},
		{`SELECT 1 AS a \gset` + "\n",
			`<span class="k">SELECT</span> <span class="mf">1</span> <span class="k">AS</span> <span class="n">a</span> <span class="kp">\gset</span>` + "\n"},
		{`\set n 'a b' \echo :n :'n'` + "\n",
			`<span class="kp">\set</span> <span class="n">n</span> <span class="s1">&#39;a b&#39;</span> <span class="kp">\echo</span> <span class="nv">:n</span> <span class="nv">:&#39;n&#39;</span>` + "\n"},
		{`\echo rows: :n,x::int` + "\n",
			`<span class="kp">\echo</span> <span class="n">rows:</span> <span class="nv">:n</span><span class="n">,x::int</span>` + "\n"},
		{"COPY t FROM STDIN;\n1\t'x\n\\.\nSELECT 2;\n",
			`<span class="k">COPY</span> <span class="n">t</span> <span class="k">FROM</span> <span class="k">STDIN</span><span class="p">;</span>` + "\n" +
				"1\t&#39;x\n" +
				`<span class="kp">\.</span>` + "\n" +
				`<span class="k">SELECT</span> <span class="mf">2</span><span class="p">;</span>` + "\n"},
	} {
		got := h.html("sql", tc.code)
		lines := strings.Split(tc.want, "\n")
		var want strings.Builder
		want.WriteString(`<pre class="chroma"><code>`)
		for _, l := range lines[:len(lines)-1] {
			want.WriteString(`<span class="line"><span class="cl">` + l + "\n</span></span>")
		}
		want.WriteString("</code></pre>\n")
		if got != want.String() {
			t.Errorf("%q:\n got %s\nwant %s", tc.code, got, want.String())
		}
		if strings.Contains(got, `class="err"`) {
			t.Errorf("%q is drawn as an error", tc.code)
		}
	}
}

// TestSplitAtMarks: a captured value that the lexer splits over several
// tokens is marked once, around all of them, and a token holding more
// than the value is cut at the value's ends.
func TestSplitAtMarks(t *testing.T) {
	h := newHighlighter(nil)
	tokens := []chroma.Token{
		{Type: chroma.Name, Value: "x 0"}, {Type: chroma.Operator, Value: "/"}, {Type: chroma.LiteralNumber, Value: "3000148 y\n"},
		{Type: chroma.Name, Value: "0/1\n"},
	}
	var b strings.Builder
	h.write(&b, tokens, []valueMark{{start: 2, end: 11, title: `a "t"`}, {start: 14, end: 17, title: "u"}})
	want := `<pre class="chroma"><code><span class="line"><span class="cl"><span class="n">x </span>` +
		`<span class="captured" title="a &#34;t&#34;"><span class="n">0</span><span class="o">/</span><span class="m">3000148</span></span>` +
		`<span class="m"> y` + "\n" + `</span></span></span>` +
		`<span class="line"><span class="cl"><span class="captured" title="u"><span class="n">0/1</span></span><span class="n">` + "\n" + `</span></span></span>` +
		"</code></pre>\n"
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}

// TestCapturedValuesAreMarked: a value put into code for {{@name}} is
// marked, titled with where the reader finds their own, and the block's
// head says the code holds values of this build's run, linking the block
// that captured them (in print.html too); an escaped \{{@name}} is text.
func TestCapturedValuesAreMarked(t *testing.T) {
	const ch1 = "---\ntitle: A\n---\n\n## One\n\n```sql {node=pg}\nSELECT pg_current_wal_lsn();\n```\n\n```output\n pg_current_wal_lsn \n--------------------\n {{lsn:here}}\n(1 row)\n```\n"
	const ch2 = "---\ntitle: B\n---\n\n## Two\n\n```sql {node=pg}\nSELECT '{{@here}}'::pg_lsn AS here,\n  '\\{{@here}}' AS literal;\n```\n\n```output\n{{...}}\n```\n\n```sql {node=pg}\nSELECT 1;\n```\n\n```output\n{{...}}\n```\n"
	c := loadFiles(t, []txtar.File{{Name: "content/01-a.md", Data: []byte(ch1)}, {Name: "content/02-b.md", Data: []byte(ch2)}})
	blocks := c.Blocks()
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{}, Expand: func(x string) (string, error) {
		return check.Substitute(x, check.Captures{"here": "0/52C3C10"})
	}}
	for _, b := range blocks {
		s.Results[b] = &course.Result{Output: "x\n", Attempts: 1}
	}
	_, files := writeSite(t, s)
	page := files["02-b.html"]
	for _, want := range []string{
		`<span class="s1">&#39;</span><span class="captured" title="value from this build&#39;s run, captured as &#34;here&#34; — use your own, from the output of SELECT pg_current_wal_lsn(); (chapter 1)"><span class="s1">0/52C3C10</span></span><span class="s1">&#39;</span>`,
		`<span class="captured-note">holds values from this build's run, marked: use your own, from the output of <a href="01-a.html#` + blocks[0].ID() + `">SELECT pg_current_wal_lsn();</a></span>`,
		`&#39;{{@here}}&#39;`, // the escaped reference, as text
	} {
		if !strings.Contains(page, want) {
			t.Errorf("02-b.html lacks %s", want)
		}
	}
	if n := strings.Count(page, `class="captured"`); n != 1 {
		t.Errorf("%d values marked, want 1", n)
	}
	if n := strings.Count(page, `class="captured-note"`); n != 1 {
		t.Errorf("%d blocks say they hold captured values, want 1", n)
	}
	if !strings.Contains(files["print.html"], `<a href="#ch1-`+blocks[0].ID()+`">SELECT pg_current_wal_lsn();</a>`) {
		t.Error("print.html does not link the capturing block within the page")
	}
}
