package render

import (
	"context"
	"errors"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
)

const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; base-uri 'none'; form-action 'none'">`

var pageNames = []string{"index.html", "01-setup.html", "02-replica.html", "03-failover.html"}

func TestWriteFiles(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	for _, name := range append(pageNames, "assets/site.css", "assets/site.js", "assets/chroma.css", "assets/favicon.svg") {
		if _, ok := files[name]; !ok {
			t.Errorf("missing %s", name)
		}
	}
	for _, p := range linkProblems(files) {
		t.Error(p)
	}
	if n := strings.Count(files["index.html"], "<a "); n < 10 {
		t.Errorf("index.html has only %d links: is the checker seeing the contents?", n)
	}
}

func TestPagesAreSelfContained(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`)
	scriptTag := regexp.MustCompile(`<script[^>]*>`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	for name, src := range files {
		if strings.HasSuffix(name, ".css") && regexp.MustCompile(`(?i)url\(\s*['"]?(https?:)?//`).MatchString(src) {
			t.Errorf("%s loads from the network", name)
		}
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		if !strings.Contains(src, csp) {
			t.Errorf("%s: no Content-Security-Policy meta", name)
		}
		if inlineScript.MatchString(src) {
			t.Errorf("%s: inline script", name)
		}
		for _, tag := range scriptTag.FindAllString(src, -1) {
			if !strings.Contains(tag, ` src="assets/`) {
				t.Errorf("%s: script without a local src: %s", name, tag)
			}
		}
		if handler.MatchString(src) {
			t.Errorf("%s: inline event handler: %s", name, handler.FindString(src))
		}
		if strings.Contains(src, " style=") || strings.Contains(src, "<style") {
			t.Errorf("%s: inline style (blocked by the CSP)", name)
		}
	}
}

func TestChapterNavigation(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	for _, tc := range []struct {
		page, prev, next string
	}{
		{"01-setup.html", "", "02-replica.html"},
		{"02-replica.html", "01-setup.html", "03-failover.html"},
		{"03-failover.html", "02-replica.html", ""},
	} {
		src := files[tc.page]
		if tc.prev != "" && !strings.Contains(src, `rel="prev" href="`+tc.prev+`"`) {
			t.Errorf("%s: no prev link to %s", tc.page, tc.prev)
		}
		if tc.next != "" && !strings.Contains(src, `rel="next" href="`+tc.next+`"`) {
			t.Errorf("%s: no next link to %s", tc.page, tc.next)
		}
		if tc.prev == "" && strings.Contains(src, `rel="prev"`) || tc.next == "" && strings.Contains(src, `rel="next"`) {
			t.Errorf("%s: pager links past the ends of the course", tc.page)
		}
		if !strings.Contains(src, `href="index.html"`) {
			t.Errorf("%s: no link back to the index", tc.page)
		}
	}
	index := files["index.html"]
	for _, want := range []string{
		`<h1>Streaming Replication and Failover</h1>`,
		`<p class="description">A two-node cluster &amp; its failover.</p>`,
		`href="01-setup.html">`,
		`href="01-setup.html#start-the-stand">Start the stand</a>`,
		`href="01-setup.html#check-the-primary-2">Check the primary</a>`,
		`href="02-replica.html#watch-the-replica">Watch the replica</a>`,
		`The replica &amp; its lag`,
		`href="03-failover.html#promote-the-replica">`,
	} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if strings.Contains(index, "a-failing-query") {
		t.Error("index.html lists h3 sections; it should list h2 only")
	}
	ch1 := files["01-setup.html"]
	for _, want := range []string{
		`<h2 id="start-the-stand">`, `<h3 id="a-failing-query">`, `<h2 id="check-the-primary-2">`,
		`<a href="#a-failing-query">A failing query</a>`, // h3 in the in-page contents
	} {
		if !strings.Contains(ch1, want) {
			t.Errorf("01-setup.html lacks %s", want)
		}
	}
}

func TestRealOutputsReplaceExpected(t *testing.T) {
	s := testSite(t)
	_, files := writeSite(t, s)
	all := strings.Join([]string{files["01-setup.html"], files["02-replica.html"], files["03-failover.html"]}, "")
	for b, r := range s.Results {
		text := strings.TrimRight(r.Output, "\n")
		if text != "" && !strings.Contains(all, html.EscapeString(text)) {
			t.Errorf("real output of %s is not on its page:\n%s", b.Pos, text)
		}
	}
	for _, absent := range []string{"{{", "}}", `relation "missing"`} {
		if strings.Contains(all, absent) {
			t.Errorf("pages contain %q (placeholders or unescaped text)", absent)
		}
	}
	if got := strings.Count(all, "output — verified "); got != 5 {
		t.Errorf("%d verified output panels, want 5", got)
	}
}

func TestOutputsAreEscaped(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	ch2 := files["02-replica.html"]
	if strings.Contains(ch2, "<script>alert(1)</script>") {
		t.Fatal("an output's <script> reached the page unescaped")
	}
	if !strings.Contains(ch2, "<samp>             x\n---------------------------\n &lt;script&gt;alert(1)&lt;/script&gt;\n(1 row)</samp>") {
		t.Error("escaped output not found verbatim")
	}
	if !strings.Contains(files["01-setup.html"], "&lt;b&gt;not bold&lt;/b&gt;") {
		t.Error("display block text not escaped")
	}
}

func TestBlockLabels(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	ch1, ch2 := files["01-setup.html"], files["02-replica.html"]
	for page, wants := range map[string][]string{
		ch1: {
			`<span class="path">stand/compose.yaml</span>`,
			`<span class="node node-host">host</span>`,
			`<span class="node node-c1">primary</span>`,
			`output not compared: compose prints progress, not data`,
			`<p class="output-empty">(docker compose printed nothing)</p>`,
			`error, as expected`,
			`<figure class="block display"`,
		},
		ch2: {
			`<span class="node node-c2">replica</span>`,
			`<span class="node node-c3">subscriber</span>`,
			`<span class="note">as postgres</span>`,
			`<figure class="block norun node-c2"`,
			`not run: needs a second terminal`,
			`output not compared: the time differs on every run`,
			`matched after 3 attempts`,
			`<span class="path">stand/postgresql.conf</span>`,
			`wal_level`,
		},
	} {
		for _, want := range wants {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	}
	if strings.Count(ch2, `class="output `) != 3 {
		t.Error("a block that does not run has an output panel, or a run block lacks one")
	}
}

func TestExpandInProseAndCode(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	if !strings.Contains(files["01-setup.html"], "The primary starts at LSN 0/3000148.") {
		t.Error("prose reference not expanded")
	}
	// Chroma splits code into tokens; the value sits inside one string token.
	if !strings.Contains(files["02-replica.html"], "0/3000148") {
		t.Error("code reference not expanded")
	}
}

func TestFooter(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	want := `Outputs verified against PostgreSQL 17.5 (Debian 17.5-1) on x86_64-pc-linux-gnu, 64-bit (replcourse/postgres:17) on <time datetime="2025-03-04T10:11:12Z">2025-03-04</time>`
	for _, name := range pageNames {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s: footer missing", name)
		}
	}
}

func TestMissingResultKeepsLastGoodSite(t *testing.T) {
	s := testSite(t)
	public, before := writeSite(t, s)
	last := s.Course.Chapters[len(s.Course.Chapters)-1].Blocks[0]
	delete(s.Results, last)
	s.Verified.Image = "a different image" // would change every page if written

	_, err := Write(context.Background(), s, public)
	if err == nil {
		t.Fatal("Write succeeded without a result for an executed block")
	}
	if want := "no result for block at " + last.Pos.String(); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	after := readSite(t, public)
	if len(after) != len(before) {
		t.Errorf("public/ has %d files after the failed build, had %d", len(after), len(before))
	}
	for name, data := range before {
		if after[name] != data {
			t.Errorf("%s changed by a failed build", name)
		}
	}
	assertOnly(t, filepath.Dir(public), "public")
}

// assertOnly fails if dir holds anything but names (temporary directories
// left behind, say).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func TestWriteReplacesPreviousSite(t *testing.T) {
	public := filepath.Join(t.TempDir(), "out", "public") // parent does not exist yet
	if _, err := Write(context.Background(), testSite(t), public); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(public, "stale.html")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), testSite(t), public); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("a file of the previous site survived the swap")
	}
	if fi, err := os.Stat(public); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("public/ mode: %v %v", fi.Mode(), err)
	}
	assertOnly(t, filepath.Dir(public), "public")
}

func TestRenameAside(t *testing.T) {
	// The fallback used where paths cannot be exchanged atomically.
	parent := t.TempDir()
	next, dst := filepath.Join(parent, "next"), filepath.Join(parent, "public")
	for dir, file := range map[string]string{next: "new.html", dst: "old.html"} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := renameAside(next, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "new.html")); err != nil {
		t.Error(err)
	}
	assertOnly(t, parent, "public")
}

func TestExpandErrorNamesFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, chapter, want string
	}{
		{"prose", "---\ntitle: T\n---\n\nSee {{@nope}}.\n", "01-t.md:5: unknown reference {{@nope}}"},
		{"code", "---\ntitle: T\n---\n\n```sql {node=primary nocompare=\"x\"}\nSELECT 1;\nSELECT '{{@nope}}';\n```\n", "01-t.md:7: unknown reference {{@nope}}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadFiles(t, []txtar.File{{Name: "content/01-t.md", Data: []byte(tc.chapter)}})
			s := &Site{Course: c, Results: map[*course.Block]*course.Result{}, Expand: expander(nil)}
			for _, b := range c.Blocks() {
				s.Results[b] = &course.Result{Output: "x\n"}
			}
			public := filepath.Join(t.TempDir(), "public")
			_, err := Write(context.Background(), s, public)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if _, err := os.Stat(public); !os.IsNotExist(err) {
				t.Error("a failed first build created public/")
			}
		})
	}
}

// TestCancelledWriteKeepsTheLastSite: an interrupt that arrives while the
// pages are written must not swap them in.
func TestCancelledWriteKeepsTheLastSite(t *testing.T) {
	public := filepath.Join(t.TempDir(), "public")
	if err := os.MkdirAll(public, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(public, "index.html"), []byte("last good"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Write(ctx, testSite(t), public); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(public, "index.html")); string(got) != "last good" {
		t.Error("public/ was replaced")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(public), ".public.new-*"))
	if len(left) > 0 {
		t.Errorf("temporary directories left: %v", left)
	}
}
