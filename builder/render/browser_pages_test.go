package render

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"replcourse/builder/topology"
)

// pageFacts is what a test reads back from a loaded page.
type pageFacts struct {
	Background  string `json:"bg"`
	H1          int    `json:"h1"`
	Header      int    `json:"header"`
	Main        int    `json:"main"`
	Footer      int    `json:"footer"`
	Nav         int    `json:"nav"`
	SearchShown bool   `json:"searchShown"`
	CopyButtons int    `json:"copy"`
	CodeBlocks  int    `json:"code"`
	SVGs        int    `json:"svgs"`
	Untitled    int    `json:"untitled"`
	CSP         string `json:"csp"`
	ScrollsX    bool   `json:"scrollsX"`
}

const pageFactsJS = `(() => {
  const q = s => document.querySelectorAll(s).length;
  const form = document.querySelector("form.search");
  const svgs = [...document.querySelectorAll("svg")];
  return {
    bg: getComputedStyle(document.body).backgroundColor,
    h1: q("h1"), header: q("body > header"), main: q("main"), footer: q("body > footer"), nav: q("nav[aria-label], nav[aria-labelledby]"),
    searchShown: !!form && getComputedStyle(form).display !== "none",
    copy: q("figure.block .copy"), code: q("figure.block pre.chroma"),
    svgs: svgs.length,
    untitled: svgs.filter(s => !(s.querySelector(":scope > title") || "").textContent || !s.getAttribute("role")).length,
    csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || "",
    scrollsX: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
  };
})()`

// wantCSP is the policy every page must carry, as the browser reads it.
const wantCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; base-uri 'none'; form-action 'none'"

// backgrounds are --bg of each scheme, as computed styles print it: that
// the body has it proves assets/site.css loaded under the CSP.
var backgrounds = map[string]string{"light": "rgb(253, 253, 252)", "dark": "rgb(17, 20, 24)"}

// checkPage checks a loaded page: its own CSS and JS ran under the CSP,
// one h1, the landmarks, titled pictures, no sideways scrolling.
func checkPage(t *testing.T, ctx context.Context, s *browserSite, name, scheme string, js bool) pageFacts {
	t.Helper()
	f := eval[pageFacts](t, ctx, pageFactsJS)
	errorf := func(format string, args ...any) {
		t.Errorf("%s (%s): "+format, append([]any{name, scheme}, args...)...)
	}
	if f.Background != backgrounds[scheme] {
		errorf("body background %s, want %s: site.css not applied", f.Background, backgrounds[scheme])
	}
	if f.CSP != wantCSP {
		errorf("CSP %q", f.CSP)
	}
	if f.H1 != 1 || f.Header != 1 || f.Main != 1 || f.Footer != 1 || f.Nav < 1 {
		errorf("landmarks: %d h1, %d header, %d main, %d footer, %d labelled nav", f.H1, f.Header, f.Main, f.Footer, f.Nav)
	}
	if js && (!f.SearchShown || f.CopyButtons != f.CodeBlocks) {
		errorf("scripts did not run: search shown %v, %d copy buttons for %d code blocks", f.SearchShown, f.CopyButtons, f.CodeBlocks)
	}
	if want := strings.Count(s.files[name], "<svg"); f.SVGs != want || f.Untitled != 0 {
		errorf("%d svg (want %d), %d without role and title", f.SVGs, want, f.Untitled)
	}
	if f.ScrollsX {
		errorf("the page scrolls sideways")
	}
	return f
}

// shot saves a full-page screenshot as PNG.
func shot(t *testing.T, ctx context.Context, s *browserSite, name string) {
	t.Helper()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	s.save(t, name, img)
}

// closeUps saves pictures of the parts worth a close look at full size:
// the diagram, a chart, a block with its output.
func closeUps(t *testing.T, ctx context.Context, s *browserSite, page, scheme string) {
	for _, c := range []struct{ name, sel string }{
		{"diagram", "figure.diagram-figure"},
		{"chart", "figure.chart-figure"},
		{"block", "figure.block.run:has(.output-text)"},
		{"failed-block", "figure.block.run:has(.detail)"},
		{"norun-block", "figure.block.norun"},
		{"nocompare-block", "figure.block:has(.output.nocompare)"},
		{"file-block", "figure.block.file"},
	} {
		name := fmt.Sprintf("closeup-%s-%s.png", scheme, c.name)
		if s.closeUps[name] || !eval[bool](t, ctx, fmt.Sprintf("!!document.querySelector(%q)", c.sel)) {
			continue // taken already, or not on this page
		}
		s.closeUps[name] = true
		img, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(c.sel)))
		if err != nil {
			t.Errorf("%s on %s: %v", c.sel, page, err)
			continue
		}
		s.save(t, name, img)
	}
}

func base(page string) string { return strings.TrimSuffix(page, ".html") }

func testPages(t *testing.T, browser context.Context, s *browserSite) {
	for _, sc := range []string{"light", "dark"} {
		ctx, m := tab(t, browser)
		do(t, ctx, scheme(sc))
		for _, p := range s.pages() {
			do(t, ctx, chromedp.Navigate(s.url(p)))
			checkPage(t, ctx, s, p, sc, true)
			if p != "print.html" { // the whole course is one very long page: see Print
				shot(t, ctx, s, fmt.Sprintf("%s-%s.png", sc, base(p)))
			}
			closeUps(t, ctx, s, p, sc)
		}
		m.check(t)
		// The monitor saw the pages' own requests: it is watching.
		for _, want := range []string{"/assets/site.css", "/assets/chroma.css", "/assets/site.js", "/assets/search.js"} {
			if !m.requested(want) {
				t.Errorf("no request for %s seen: is the network monitor working?", want)
			}
		}
	}
}

func (m *monitor) requested(suffix string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for u := range m.files {
		if strings.HasSuffix(u, suffix) {
			return true
		}
	}
	return false
}

// phonePages are the pages looked at 375 px wide: the contents, the
// chapter with the topology diagram and the one with a chart.
func (s *browserSite) phonePages() []string {
	pages := []string{"index.html"}
	var diagram, chart bool
	for _, b := range s.site.Course.Blocks() {
		if (b.Lang == topology.Lang && !diagram) || (b.Chart != nil && !chart) {
			pages = append(pages, pageName(b.Chapter))
			diagram = diagram || b.Lang == topology.Lang
			chart = chart || b.Chart != nil
		}
	}
	return pages
}

func testPhone(t *testing.T, browser context.Context, s *browserSite) {
	for _, sc := range []string{"light", "dark"} {
		ctx, m := tab(t, browser)
		do(t, ctx, scheme(sc), chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
		for _, p := range s.phonePages() {
			do(t, ctx, chromedp.Navigate(s.url(p)))
			checkPage(t, ctx, s, p, sc, true)
			shot(t, ctx, s, fmt.Sprintf("phone-%s-%s.png", sc, base(p)))
			closeUps(t, ctx, s, p, "phone-"+sc)
		}
		m.check(t)
	}
}

// testCSP shows that the policy is enforced, not only present: an inline
// script and a request to a server are refused, while the page's own
// files (checked by checkPage on every page) are allowed.
func testCSP(t *testing.T, browser context.Context, s *browserSite) {
	ctx, m := tab(t, browser)
	do(t, ctx, chromedp.Navigate(s.url("index.html")))
	type outcome struct {
		Inline     bool     `json:"inline"`
		Violations []string `json:"violations"`
	}
	got := eval[outcome](t, ctx, `new Promise(resolve => {
  const violations = [];
  document.addEventListener("securitypolicyviolation", e => violations.push(e.effectiveDirective + " " + e.blockedURI));
  const s = document.createElement("script");
  s.textContent = "window.inlineRan = true";
  document.body.appendChild(s);
  const img = new Image();
  img.src = "http://127.0.0.1:9/x.png";
  document.body.appendChild(img);
  setTimeout(() => resolve({inline: window.inlineRan === true, violations}), 500);
})`)
	if got.Inline {
		t.Error("an inline script ran")
	}
	all := strings.Join(got.Violations, "\n")
	for _, want := range []string{"script-src-elem inline", "img-src http://127.0.0.1:9/x.png"} {
		if !strings.Contains(all, want) {
			t.Errorf("no violation %q; got:\n%s", want, all)
		}
	}
	// The monitor saw the violations as console errors, as it should, and
	// the image request stopped by the CSP before it reached the network.
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.problems {
		if !strings.Contains(p, "Content Security Policy") {
			t.Error(p)
		}
	}
	if len(m.problems) == 0 {
		t.Error("the blocked script and image left no console error: is the monitor listening?")
	}
	seen := false
	for id, u := range m.external {
		seen = seen || u == "http://127.0.0.1:9/x.png"
		if !m.blocked[id] {
			t.Errorf("request to %s was not stopped by the CSP", u)
		}
	}
	if !seen {
		t.Error("the image request was not seen: is the network monitor listening?")
	}
}
