package render

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// clippedJS lists what a reader of the loaded page cannot reach in its
// figures (code blocks, charts, diagrams): an element drawn outside a box
// that clips it without scrolling (an <svg>, overflow hidden, the page,
// which never scrolls sideways), text in a picture drawn under minPx, and
// a picture that needs scrolling sideways at all. Code and outputs may
// scroll sideways within their block; a block that does shows it (a
// shadow at the edge: a background image on the scrolling box).
const clippedJS = `((minPx) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const name = el => (el.closest("figure").id || "figure") + " " + el.tagName.toLowerCase() +
    (el.getAttribute("class") ? "." + el.getAttribute("class").split(" ").join(".") : "") +
    (el.textContent ? " " + JSON.stringify(el.textContent.trim().slice(0, 30)) : "");
  const shown = el => el.getClientRects().length > 0;
  const scrolls = el => !(el instanceof SVGElement) && ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const clips = el => el instanceof SVGSVGElement || (!(el instanceof SVGElement) && getComputedStyle(el).overflowX !== "visible");
  for (const fig of document.querySelectorAll("main figure")) {
    if (!shown(fig)) continue;
    const picture = fig.matches(".chart-figure, .diagram-figure");
    for (const el of [fig, ...fig.querySelectorAll("*")]) {
      if (!shown(el) || el.closest("title, desc")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      let reachable = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (!clips(a)) continue;
        const ar = a.getBoundingClientRect();
        if (r.left >= ar.left - 0.5 && r.right <= ar.right + 0.5) continue;
        if (scrolls(a) && !picture) {
          reachable = true;
          if (getComputedStyle(a).backgroundImage === "none") problems.push(name(a) + ": scrolls sideways with nothing showing it");
          break;
        }
        problems.push(name(el) + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + ", clipped by " + name(a) + " at " + Math.round(ar.left) + ".." + Math.round(ar.right));
        reachable = true; // reported once
        break;
      }
      if (!reachable && (r.left < -0.5 || r.right > vw + 0.5)) {
        problems.push(name(el) + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + ", off a page " + vw + " px wide");
      }
      if (picture && el instanceof SVGTextElement) {
        const svg = el.ownerSVGElement;
        const px = parseFloat(getComputedStyle(el).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        if (px < minPx) problems.push(name(el) + ": text drawn at " + px.toFixed(1) + " px");
      }
    }
  }
  return problems;
})`

// minTextPx is the smallest text a chart or a diagram may draw on a
// screen, in CSS pixels.
const minTextPx = 10

// testNarrowFigures: at phone widths down to 320 px, and at the
// narrowest screen that gets the wide charts (641 px, just over 40rem),
// every figure of every page is whole — a chart or diagram fits, legend
// and captions included, with legible text; code and outputs scroll
// within their block, visibly.
func testNarrowFigures(t *testing.T, browser context.Context, s *browserSite) {
	for _, width := range []int64{320, 360, 400, 641} {
		ctx, m := tab(t, browser)
		do(t, ctx, scheme("light"), chromedp.EmulateViewport(width, 800, chromedp.EmulateMobile))
		for _, p := range s.pages() {
			do(t, ctx, chromedp.Navigate(s.url(p)))
			for _, problem := range eval[[]string](t, ctx, fmt.Sprintf("%s(%d)", clippedJS, minTextPx)) {
				t.Errorf("%d px, %s: %s", width, p, problem)
			}
		}
		m.check(t)
	}
}

// tocJS lists the links of the page's contents lists (a chapter's "On
// this page", the index's chapters and sections) that reach past their
// list's box, and lists that scroll sideways.
const tocJS = `(() => {
  const problems = [];
  for (const list of document.querySelectorAll(".toc, .chapters")) {
    if (list.getClientRects().length === 0) continue;
    const lr = list.getBoundingClientRect();
    if (list.scrollWidth > list.clientWidth + 1) problems.push(list.className + " scrolls sideways: " + list.scrollWidth + " > " + list.clientWidth);
    for (const a of list.querySelectorAll("a")) {
      for (const r of a.getClientRects()) {
        if (r.right > lr.right + 0.5 || r.left < lr.left - 0.5) {
          problems.push(JSON.stringify(a.textContent) + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + ", past its list at " + Math.round(lr.left) + ".." + Math.round(lr.right));
        }
      }
    }
  }
  return problems;
})()`

// testContentsWrap: a long word in a heading wraps in the contents lists
// on a wide screen (the sidebar) and a phone.
func testContentsWrap(t *testing.T, browser context.Context, s *browserSite) {
	long := false
	for _, ch := range s.site.Course.Chapters {
		long = long || strings.Contains(string(ch.Body), "max_standby_streaming_delay")
	}
	if !long {
		t.Fatal("the fixture course has no heading with a long word")
	}
	for _, width := range []int64{1280, 400} {
		ctx, m := tab(t, browser)
		do(t, ctx, chromedp.EmulateViewport(width, 900))
		for _, p := range s.pages() {
			do(t, ctx, chromedp.Navigate(s.url(p)))
			for _, problem := range eval[[]string](t, ctx, tocJS) {
				t.Errorf("%d px, %s: %s", width, p, problem)
			}
		}
		m.check(t)
	}
}
