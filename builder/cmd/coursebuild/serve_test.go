package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"replcourse/builder/internal/browsertest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"replcourse/builder/build"
	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
	"replcourse/builder/record"
	"replcourse/builder/run"
)

const serveChapter = "---\ntitle: Preview\n---\n\nThe first version of the prose.\n\n" +
	"```sh {node=primary}\necho ready\n```\n\n```output\nready\n```\n"

// recordedCourse writes a one-chapter course on the stand of the fixture
// course "replication" and a current record for it, so that builds need
// no Docker.
func recordedCourse(t *testing.T) build.Config {
	t.Helper()
	root := coursetest.Write(t, coursetest.Part(t, "replication", "course.yaml", "stand/"))
	os.MkdirAll(filepath.Join(root, "content"), 0o755)
	os.WriteFile(filepath.Join(root, "content", "01-preview.md"), []byte(serveChapter), 0o644)
	cfg := build.Config{Root: root, Public: filepath.Join(root, "public"), Record: filepath.Join(root, defaultRecord)}
	c, err := build.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	blocks := run.Blocks(c, 0)
	res := &run.Results{Blocks: map[*course.Block]*course.Result{blocks[0]: {Output: "ready\n", Attempts: 1}}}
	env, err := build.RecordEnv(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := record.New(env, blocks, res, record.Verified{At: time.Now(), Server: "PostgreSQL 17.6 (recorded)", Image: "postgres:17 0123456789ab"}).Write(cfg.Record); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// lockedLog is the preview's log, read while the server writes it.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingAt = regexp.MustCompile(`serve: http://(127\.0\.0\.1:\d+)/`)

// startPreview runs the preview command on port 0 and returns its address.
func startPreview(t *testing.T, cfg build.Config) (string, *lockedLog) {
	t.Helper()
	log := &lockedLog{}
	cfg.Log = log
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- preview(ctx, cfg, 0) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingAt.FindStringSubmatch(log.String()); m != nil {
			return m[1], log
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the preview did not start:\n%s", log.String())
	return "", nil
}

// TestPreviewReloadsOnProseEdit runs the real preview on a temporary
// course with a current record and no Docker: editing the prose rebuilds
// from the record and sends a reload event, and the page has the new text.
func TestPreviewReloadsOnProseEdit(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	cfg := recordedCourse(t)
	addr, log := startPreview(t, cfg)
	resp, err := http.Get("http://" + addr + "/__events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Scan() // event: hello
	edit := time.Now()
	os.WriteFile(filepath.Join(cfg.Root, "content", "01-preview.md"), []byte(strings.Replace(serveChapter, "first version", "second version", 1)), 0o644)
	for {
		page := get(t, "http://"+addr+"/01-preview.html")
		if strings.Contains(page, "second version") {
			break
		}
		if !lines.Scan() {
			t.Fatalf("the event stream ended:\n%s", log.String())
		}
		if time.Since(edit) > 10*time.Second {
			t.Fatalf("no rebuild within 10s:\n%s", log.String())
		}
	}
	t.Logf("edit to new page: %s\n%s", time.Since(edit), log.String())
	if !strings.Contains(log.String(), "is current") || strings.Contains(log.String(), "Docker is not reachable") {
		t.Errorf("the preview did not build from the record:\n%s", log.String())
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// TestPreviewReloadsBrowser opens a page in Chromium, with the page's own
// Content-Security-Policy in force, edits the chapter, and waits for the
// page to reload by itself with the new text.
func TestPreviewReloadsBrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	cfg := recordedCourse(t)
	addr, log := startPreview(t, cfg)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-gpu", true))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("http://"+addr+"/01-preview.html")); err != nil {
		t.Fatal(err)
	}
	// A mark that only survives as long as the page is not reloaded.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cfg.Root, "content", "01-preview.md"), []byte(strings.Replace(serveChapter, "first version", "second version", 1)), 0o644)
	deadline := time.Now().Add(20 * time.Second)
	for {
		text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(window.notReloaded ? "old:" : "new:") + document.body.innerText`))
		if err == nil && strings.HasPrefix(text, "new:") && strings.Contains(text, "second version") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page did not reload (%q, %v):\n%s", text, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
