package render

// The site in a real browser: Debian's Chromium, driven by chromedp, reads
// the real chapters (with fabricated results, no Docker) from file:// —
// the way a reader opens public/index.html — and the tests fail on any
// console error or exception and on any request that is not file://.
// Screenshots go to $TEST_ARTIFACTS (default: a temporary directory).

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"replcourse/builder/internal/browsertest"
)

// browserSite is the rendered fixture course the browser tests read.
type browserSite struct {
	dir       string // the public directory
	files     map[string]string
	site      *Site
	artifacts string
	closeUps  map[string]bool // close-up pictures taken (subtests run one at a time)
}

func (s *browserSite) url(page string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(s.dir, page))}).String()
}

// pages lists the site's HTML pages, index first.
func (s *browserSite) pages() []string {
	names := []string{"index.html"}
	for _, ch := range s.site.Course.Chapters {
		names = append(names, pageName(ch))
	}
	return append(names, "print.html")
}

// save writes a test artifact.
func (s *browserSite) save(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.artifacts, name), data, 0o644); err != nil {
		t.Error(err)
	}
}

func findChromium(t *testing.T) string {
	return browsertest.Chromium(t)
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots and the printed PDF: %s", dir)
	return dir
}

// newBrowser starts Chromium for the test. The flags keep it from calling
// home: the machines have no network, and any request it made would be
// noise next to the pages' own.
func newBrowser(t *testing.T, path string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// monitor records what a tab must never do: print an error, throw, or
// request anything but a file.
type monitor struct {
	mu       sync.Mutex
	problems []string
	files    map[string]bool              // file:// URLs requested
	external map[network.RequestID]string // any other request, by id
	blocked  map[network.RequestID]bool   // those the CSP stopped before the network
}

func (m *monitor) add(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.problems = append(m.problems, fmt.Sprintf(format, args...))
}

// listen runs in the tab's event loop: it only records.
func (m *monitor) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			m.add("console.%s: %s", ev.Type, argsText(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		m.add("exception: %s %s", ev.ExceptionDetails.Text, exceptionDescription(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			m.add("%s %s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		m.mu.Lock()
		defer m.mu.Unlock()
		if u := ev.Request.URL; strings.HasPrefix(u, "file://") {
			m.files[strings.TrimPrefix(u, "file://")] = true
		} else {
			m.external[ev.RequestID] = u
		}
	case *network.EventLoadingFailed:
		if ev.BlockedReason == network.BlockedReasonCsp {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.blocked[ev.RequestID] = true
		}
	}
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if len(a.Value) > 0 {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

func exceptionDescription(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// check fails the test with everything the monitor saw.
func (m *monitor) check(t *testing.T) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.problems {
		t.Error(p)
	}
	for id, u := range m.external {
		if m.blocked[id] {
			t.Errorf("request to %s (blocked by the CSP)", u)
		} else {
			t.Errorf("request to %s left the browser", u)
		}
	}
	m.problems, m.external = nil, map[network.RequestID]string{}
}

// tab opens a new tab watched by a fresh monitor.
func tab(t *testing.T, browser context.Context) (context.Context, *monitor) {
	m := &monitor{files: map[string]bool{}, external: map[network.RequestID]string{}, blocked: map[network.RequestID]bool{}}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithListener(m.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx, m
}

// stepTimeout bounds one action, so that a wait for something that never
// comes fails that step rather than the whole run.
const stepTimeout = 20 * time.Second

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %.80s: %v", js, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// scheme makes the tab's screen prefer a colour scheme.
func scheme(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: name}},
		})
		return err
	})
}

func TestBrowser(t *testing.T) {
	path := findChromium(t)
	s := &browserSite{site: fixtureSite(t), artifacts: artifactsDir(t), closeUps: map[string]bool{}}
	s.dir, s.files = writeSite(t, s.site)
	browser := newBrowser(t, path)

	t.Run("PagesOfflineLightAndDark", func(t *testing.T) { testPages(t, browser, s) })
	t.Run("PhoneWidth", func(t *testing.T) { testPhone(t, browser, s) })
	t.Run("NarrowFiguresAreWhole", func(t *testing.T) { testNarrowFigures(t, browser, s) })
	t.Run("ContentsWrapLongWords", func(t *testing.T) { testContentsWrap(t, browser, s) })
	t.Run("CSPAllowsOwnFilesOnly", func(t *testing.T) { testCSP(t, browser, s) })
	t.Run("Search", func(t *testing.T) { testSearch(t, browser, s) })
	t.Run("CopyCopiesTheCommandOnly", func(t *testing.T) { testCopy(t, browser, s) })
	t.Run("WithoutJavaScript", func(t *testing.T) { testNoJS(t, browser, s) })
	t.Run("Print", func(t *testing.T) { testPrint(t, browser, s) })
	t.Run("KeyboardFocusIsVisible", func(t *testing.T) { testFocus(t, browser, s) })
}
