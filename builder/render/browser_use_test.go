package render

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"replcourse/builder/course"
)

type searchHit struct {
	Href    string `json:"href"`
	Title   string `json:"title"`
	Snippet string `json:"snippet"`
	Marks   int    `json:"marks"`
}

const searchHitsJS = `[...document.querySelectorAll("#search-results a")].map(a => ({
  href: a.getAttribute("href"), title: a.querySelector(".sr-title").textContent,
  snippet: a.querySelector(".sr-snippet").textContent, marks: a.querySelectorAll("mark").length}))`

// searchFor types query into the search box of the loaded page and
// returns the results shown.
func searchFor(t *testing.T, ctx context.Context, query string) []searchHit {
	t.Helper()
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#search-input")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("search-input").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#search-input"), query),
		chromedp.WaitVisible(chromedp.CSS("#search-status")),
	)
	return eval[[]searchHit](t, ctx, searchHitsJS)
}

// searchTarget picks the section with the longest title outside the
// first chapter: its title, as a query, must find it first.
func searchTarget(t *testing.T, idx searchIndexData) searchSection {
	var best searchSection
	for _, s := range idx.Sections {
		if s.Chapter > 0 && strings.Contains(s.Href, "#") && len(s.Title) > len(best.Title) {
			best = s
		}
	}
	if best.Href == "" {
		t.Fatal("no section to search for")
	}
	return best
}

// textOnlyWord is a word of some section's text that no section title
// holds, so only a search of the text can find it.
func textOnlyWord(idx searchIndexData) string {
	var titles strings.Builder
	for _, s := range idx.Sections {
		titles.WriteString(strings.ToLower(s.Title) + " ")
	}
	for _, sec := range idx.Sections {
		for _, w := range regexp.MustCompile(`[A-Za-z_]{9,}`).FindAllString(sec.Text, -1) {
			if !strings.Contains(titles.String(), strings.ToLower(w)) {
				return w
			}
		}
	}
	return ""
}

func testSearch(t *testing.T, browser context.Context, s *browserSite) {
	idx := readSearchIndex(t, s.files)
	target := searchTarget(t, idx)
	ctx, m := tab(t, browser)
	do(t, ctx, chromedp.Navigate(s.url("index.html")))

	hits := searchFor(t, ctx, target.Title)
	if len(hits) == 0 || hits[0].Href != target.Href || hits[0].Marks == 0 {
		t.Fatalf("searching %q: results %+v, want %s first, with the match marked", target.Title, hits, target.Href)
	}
	for _, sc := range []string{"light", "dark"} {
		do(t, ctx, scheme(sc))
		if img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			s.save(t, "search-"+sc+".png", img)
		}
	}
	do(t, ctx, scheme("light"))
	// Arrow down reaches the first result; following it opens the section.
	do(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	if got := eval[string](t, ctx, `document.activeElement.getAttribute("href") || ""`); got != target.Href {
		t.Errorf("arrow down focused %q, want the first result", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#search-results li:first-child a")))
	checkArrival(t, ctx, s, target)

	word := textOnlyWord(idx)
	if word == "" {
		t.Fatal("every long word of the sections' text is in some title")
	}
	hits = searchFor(t, ctx, word)
	if len(hits) == 0 || !strings.Contains(strings.ToLower(hits[0].Snippet), strings.ToLower(word)) || hits[0].Marks == 0 {
		t.Errorf("searching the text for %q: %+v", word, hits)
	}
	hits = searchFor(t, ctx, "zzqx no such words")
	if len(hits) != 0 {
		t.Errorf("nonsense found %+v", hits)
	}
	// Enter opens the best result.
	do(t, ctx, chromedp.Navigate(s.url("index.html")),
		chromedp.Click(chromedp.CSS("#search-input")),
		chromedp.SendKeys(chromedp.CSS("#search-input"), target.Title+"\r"))
	checkArrival(t, ctx, s, target)
	m.check(t)
}

// checkArrival waits for the section's page and checks that the browser
// shows the section: the URL's fragment names its heading.
func checkArrival(t *testing.T, ctx context.Context, s *browserSite, sec searchSection) {
	t.Helper()
	page, id, _ := strings.Cut(sec.Href, "#")
	do(t, ctx, chromedp.WaitVisible(chromedp.ID(id)))
	loc := eval[string](t, ctx, `location.href`)
	if loc != s.url(page)+"#"+id {
		t.Errorf("at %s, want %s#%s", loc, s.url(page), id)
	}
	got := eval[string](t, ctx, `(document.querySelector(":target") || {}).textContent || ""`)
	if strings.TrimSpace(got) != sec.Title {
		t.Errorf("the target is %q, want the heading %q", got, sec.Title)
	}
}

// copyBlock is an executed block with an output: its copy button must
// take the code and leave the output.
func copyBlock(t *testing.T, s *browserSite) *course.Block {
	for _, b := range s.site.Course.Blocks() {
		if b.Run && strings.Count(strings.TrimSpace(b.Code), "\n") > 0 && strings.TrimSpace(s.site.Results[b].Output) != "" {
			return b
		}
	}
	t.Fatal("no executed multi-line block with an output")
	return nil
}

func grantClipboard(t *testing.T, ctx context.Context) {
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted,
		})
		if err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
}

func testCopy(t *testing.T, browser context.Context, s *browserSite) {
	b := copyBlock(t, s)
	ctx, m := tab(t, browser)
	grantClipboard(t, ctx)
	do(t, ctx, chromedp.Navigate(s.url(pageName(b.Chapter))))
	button := chromedp.CSS("#" + b.ID() + " .copy")
	do(t, ctx, chromedp.Click(button))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#`+b.ID()+` .copy").textContent !== "Copy"`)); err != nil {
		t.Fatal(err)
	}
	if label := eval[string](t, ctx, `document.querySelector("#`+b.ID()+` .copy").textContent`); label != "Copied" {
		t.Errorf("the button says %q after a click, want Copied", label)
	}
	got := eval[string](t, ctx, `navigator.clipboard.readText()`)
	want := strings.TrimRight(fabricate(b.Code), "\n")
	if got != want {
		t.Errorf("copied %q, want the command %q", got, want)
	}
	if out := strings.TrimSpace(s.site.Results[b].Output); strings.Contains(got, out) {
		t.Errorf("the copy holds the output %q", out)
	}
	m.check(t)
	testCopyCaptured(t, browser, s)
}

// testCopyCaptured: the copy button of code holding a value from the
// build's run says so, before and after copying.
func testCopyCaptured(t *testing.T, browser context.Context, s *browserSite) {
	var b *course.Block
	for _, x := range s.site.Course.Blocks() {
		if x.Run && strings.Contains(x.Code, "{{@") {
			b = x
			break
		}
	}
	if b == nil {
		t.Fatal("the fixture course has no code with a captured value")
	}
	ctx, m := tab(t, browser)
	grantClipboard(t, ctx)
	do(t, ctx, chromedp.Navigate(s.url(pageName(b.Chapter))))
	sel := "#" + b.ID() + " .copy"
	if label := eval[string](t, ctx, `document.querySelector("`+sel+`").getAttribute("aria-label")`); !strings.Contains(label, "values from this build's run") {
		t.Errorf("the copy button's label %q does not say the code holds values from the build's run", label)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(sel)))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("`+sel+`").textContent !== "Copy"`)); err != nil {
		t.Fatal(err)
	}
	if label := eval[string](t, ctx, `document.querySelector("`+sel+`").textContent`); label != "Copied: change the marked values" {
		t.Errorf("the button says %q after a click", label)
	}
	m.check(t)
}

// noJSFacts is what a page must still offer without JavaScript.
type noJSFacts struct {
	SearchShown bool `json:"searchShown"`
	Copy        int  `json:"copy"`
	TOCLinks    int  `json:"toc"`
	Pager       int  `json:"pager"`
}

func testNoJS(t *testing.T, browser context.Context, s *browserSite) {
	ctx, m := tab(t, browser)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range s.pages() {
		do(t, ctx, chromedp.Navigate(s.url(p)))
		checkPage(t, ctx, s, p, "light", false)
		f := eval[noJSFacts](t, ctx, `({
  searchShown: getComputedStyle(document.querySelector("form.search")).display !== "none",
  copy: document.querySelectorAll(".copy").length,
  toc: document.querySelectorAll(".toc a, .chapters a").length,
  pager: document.querySelectorAll(".pager a").length})`)
		if f.SearchShown || f.Copy != 0 {
			t.Errorf("%s without JavaScript: search shown %v, %d copy buttons", p, f.SearchShown, f.Copy)
		}
		if f.TOCLinks == 0 || (p != "index.html" && p != "print.html" && f.Pager != 2) {
			t.Errorf("%s without JavaScript: %d contents links, %d pager links", p, f.TOCLinks, f.Pager)
		}
	}
	// Links and anchors work: the first entry of a chapter's contents.
	first := s.pages()[1]
	do(t, ctx, chromedp.Navigate(s.url(first)), chromedp.Click(chromedp.CSS(".toc li a")))
	if loc := eval[string](t, ctx, `location.hash`); loc == "" {
		t.Errorf("following the contents of %s did not reach a section", first)
	}
	if ran := eval[bool](t, ctx, `!document.querySelector("form.search").hidden`); ran {
		t.Error("page scripts ran although JavaScript was off")
	}
	shot(t, ctx, s, "nojs-"+base(first)+".png")
	m.check(t)
}

type printFacts struct {
	Hidden      []string `json:"hidden"`
	Chapters    int      `json:"chapters"`
	PageBreaks  int      `json:"breaks"`
	Pre         int      `json:"pre"`
	Wrapping    int      `json:"wrapping"`
	Outputs     int      `json:"outputs"`
	OutputsSeen int      `json:"outputsSeen"`
	H1          int      `json:"h1"`
	Charts      int      `json:"charts"`
	ChartsWide  int      `json:"chartsWide"` // charts showing their wide drawing, and only it
	Captured    int      `json:"captured"`
	Marked      int      `json:"marked"` // values from the build's run still marked on paper
}

const printFactsJS = `(() => {
  const all = s => [...document.querySelectorAll(s)];
  const shown = e => getComputedStyle(e).display !== "none" && e.getBoundingClientRect().height > 0;
  return {
    hidden: [".site-head", ".copy", ".anchor", ".search", ".skip"].filter(s => all(s).length && all(s).every(e => !shown(e))),
    chapters: all(".print-chapter").length,
    breaks: all(".print-chapter").filter(e => getComputedStyle(e).breakBefore === "page").length,
    pre: all("figure.block pre").length,
    wrapping: all("figure.block pre").filter(e => getComputedStyle(e).whiteSpace === "pre-wrap").length,
    outputs: all(".output").length,
    outputsSeen: all(".output").filter(shown).length,
    h1: all("h1").length,
    charts: all("figure.chart-figure").length,
    chartsWide: all("figure.chart-figure").filter(f => [...f.querySelectorAll("svg")].filter(shown).map(e => e.getAttribute("class")).join() === "chart chart-wide").length,
    captured: all(".captured").length,
    marked: all(".captured").filter(e => getComputedStyle(e).borderBottomStyle === "dotted").length,
  };
})()`

func testPrint(t *testing.T, browser context.Context, s *browserSite) {
	ctx, m := tab(t, browser)
	do(t, ctx, chromedp.Navigate(s.url("print.html")))
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	f := eval[printFacts](t, ctx, printFactsJS)
	n := len(s.site.Course.Chapters)
	// In print media at the width of A4 paper: the top of print.html, and
	// the start of a chapter with code and outputs.
	do(t, ctx, chromedp.EmulateViewport(794, 1123))
	if img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		s.save(t, "print-preview.png", img)
	}
	if img, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#"+printAnchor(s.site.Course.Chapters[len(s.site.Course.Chapters)/2].Number)))); err == nil {
		s.save(t, "print-chapter.png", img)
	}
	if len(f.Hidden) != 5 {
		t.Errorf("in print, only %v of the header, copy buttons, anchors, search and skip link are hidden", f.Hidden)
	}
	if f.Chapters != n || f.PageBreaks != n || f.H1 != 1 {
		t.Errorf("%d chapters (want %d), %d start a page, %d h1", f.Chapters, n, f.PageBreaks, f.H1)
	}
	if f.Pre == 0 || f.Wrapping != f.Pre || f.Outputs == 0 || f.OutputsSeen != f.Outputs {
		t.Errorf("in print: %d of %d code panels wrap, %d of %d outputs shown", f.Wrapping, f.Pre, f.OutputsSeen, f.Outputs)
	}
	if f.Charts == 0 || f.ChartsWide != f.Charts {
		t.Errorf("in print, %d of %d charts show their wide drawing alone", f.ChartsWide, f.Charts)
	}
	if f.Captured == 0 || f.Marked != f.Captured {
		t.Errorf("in print, %d of %d values from the build's run are marked", f.Marked, f.Captured)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatal(err)
	}
	s.save(t, "print.pdf", pdf)
	if pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1)); !bytes.HasPrefix(pdf, []byte("%PDF")) || pages < n+1 {
		t.Errorf("the printed course has %d pages for %d chapters", pages, n)
	}
	m.check(t)
}

type focusFacts struct {
	Tag     string  `json:"tag"`
	Class   string  `json:"class"`
	Outline string  `json:"outline"`
	Width   float64 `json:"width"`
	Left    float64 `json:"left"`
}

const focusJS = `(() => {
  const e = document.activeElement, cs = getComputedStyle(e);
  return {tag: e.tagName, class: e.className, outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth), left: e.getBoundingClientRect().left};
})()`

// testFocus tabs through the first controls of a chapter page: the skip
// link comes into view, then the site's title; each control focused shows
// an outline.
func testFocus(t *testing.T, browser context.Context, s *browserSite) {
	ctx, m := tab(t, browser)
	do(t, ctx, chromedp.Navigate(s.url(s.pages()[1])))
	for i, want := range []string{"skip", "site-title", "", "", "", ""} {
		do(t, ctx, chromedp.KeyEvent("\t"))
		f := eval[focusFacts](t, ctx, focusJS)
		if want != "" && !strings.Contains(f.Class, want) {
			t.Errorf("tab %d focused <%s class=%q>, want .%s", i+1, f.Tag, f.Class, want)
		}
		if f.Outline == "none" || f.Width < 1 || f.Left < 0 {
			t.Errorf("tab %d: <%s class=%q> focused with outline %s %.0fpx at x=%.0f", i+1, f.Tag, f.Class, f.Outline, f.Width, f.Left)
		}
	}
	m.check(t)
}
