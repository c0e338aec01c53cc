package render

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"
)

func TestPrintRewriter(t *testing.T) {
	r := printRewriter{prefix: "ch1", self: "01-a.html", anchors: map[string]string{"01-a.html": "ch1", "02-b.html": "ch2"}}
	body := `<h2 id="a">A &amp; B</h2>` +
		`<p><a href="#a">x</a> <a href="02-b.html#c">y</a> <a href="02-b.html">z</a> <a href="index.html">i</a> <a href="https://e.org/#q">e</a></p>` +
		`<svg class="chart" viewBox="0 0 10 10" aria-labelledby="s-t s-d"><title id="s-t">T</title></svg>` +
		`<pre class="chroma"><code><span class="s">&#34;id=&#34;x&#34; &lt;h2&gt;</span></code></pre><h3 id="b">B</h3><h6>six</h6>`
	want := `<h3 id="ch1-a">A &amp; B</h3>` +
		`<p><a href="#ch1-a">x</a> <a href="#ch2-c">y</a> <a href="#ch2">z</a> <a href="index.html">i</a> <a href="https://e.org/#q">e</a></p>` +
		`<svg class="chart" viewBox="0 0 10 10" aria-labelledby="ch1-s-t ch1-s-d"><title id="ch1-s-t">T</title></svg>` +
		`<pre class="chroma"><code><span class="s">&#34;id=&#34;x&#34; &lt;h2&gt;</span></code></pre><h4 id="ch1-b">B</h4><h6>six</h6>`
	got, err := r.rewrite(body)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("rewrite:\n got %s\nwant %s", got, want)
	}
}

func TestPrintPage(t *testing.T) {
	_, files := writeSite(t, testSite(t))
	p := files["print.html"]
	if n := strings.Count(p, "<h1"); n != 1 {
		t.Errorf("print.html has %d h1", n)
	}
	for _, want := range []string{
		`<article class="print-chapter" id="ch1">`, `<article class="print-chapter" id="ch3">`,
		`<h2 class="chapter-title">The replica &amp; its lag</h2>`,
		`<h3 id="ch1-start-the-stand">`, `<h4 id="ch1-a-failing-query">`, `id="ch2-block-`,
		`<a class="chapter-link" href="#ch2">`,
		"&lt;script&gt;alert(1)&lt;/script&gt;", // outputs stay escaped
		"output — verified ",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("print.html lacks %s", want)
		}
	}
	if strings.Contains(p, "<script>alert") {
		t.Error("an output's script reached print.html unescaped")
	}
}

// tokenized is rewrite done with x/net/html's tokenizer: slower, but it
// reads any HTML. The fast scanner must agree with it on every chapter.
func (r printRewriter) tokenized(body string) (string, error) {
	z := nethtml.NewTokenizer(strings.NewReader(body))
	var out strings.Builder
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return out.String(), nil
			}
			return "", z.Err()
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			raw := string(z.Raw())
			name, _ := z.TagName()
			out.WriteString(r.startTag(shiftHeading(raw, name)))
		case nethtml.EndTagToken:
			raw := string(z.Raw())
			name, _ := z.TagName()
			out.WriteString(shiftHeading(raw, name))
		default:
			out.Write(z.Raw())
		}
	}
}

func TestPrintScannerAgreesWithTokenizer(t *testing.T) {
	for name, s := range map[string]*Site{"test course": testSite(t), "fixture course": fixtureSite(t)} {
		w, err := newWriter(context.Background(), s, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for i, ch := range s.Course.Chapters {
			p, err := w.renderChapter(ch, w.chapterLink(i))
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.printBody(p.link, p.body)
			if err != nil {
				t.Fatal(err)
			}
			r := printRewriter{prefix: w.anchors[p.Href], self: p.Href, anchors: w.anchors}
			want, err := r.tokenized(p.body)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s, %s: the scanner and the tokenizer disagree", name, p.Href)
			}
		}
	}
}
