package serve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// site is a fake build: it writes a one-page site from the content file,
// or fails when the file says so.
type site struct {
	content, public string
	mu              sync.Mutex
	batches         [][]string
}

func (s *site) build(ctx context.Context, changed []string) error {
	s.mu.Lock()
	s.batches = append(s.batches, changed)
	s.mu.Unlock()
	text, err := os.ReadFile(filepath.Join(s.content, "01-a.md"))
	if err != nil {
		return err
	}
	if strings.Contains(string(text), "BROKEN") {
		return errors.New("content/01-a.md:3: broken on purpose")
	}
	os.MkdirAll(filepath.Join(s.public, "assets"), 0o755)
	os.WriteFile(filepath.Join(s.public, "assets", "site.css"), []byte("body{}"), 0o644)
	page := "<!doctype html><html><head><title>A</title></head><body>" + string(text) + "</body></html>"
	return os.WriteFile(filepath.Join(s.public, "index.html"), []byte(page), 0o644)
}

func start(t *testing.T) (*Server, *site, context.CancelFunc) {
	t.Helper()
	root := t.TempDir()
	s := &site{content: filepath.Join(root, "content"), public: filepath.Join(root, "public")}
	os.MkdirAll(s.content, 0o755)
	os.WriteFile(filepath.Join(s.content, "01-a.md"), []byte("first"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Start(ctx, Options{Addr: "127.0.0.1:0", Public: s.public, Watch: []string{s.content}, Build: s.build, Quiet: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := srv.Wait(); err != nil {
			t.Error(err)
		}
	})
	return srv, s, cancel
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// events reads the server-sent events of /__events into a channel.
func events(t *testing.T, srv *Server) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+srv.Addr()+"/__events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev string
		for sc.Scan() {
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "event: "):
				ev = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ch <- ev + " " + strings.TrimPrefix(line, "data: ")
			}
		}
		close(ch)
	}()
	return ch
}

func next(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return ""
}

// TestReloadFiresOnEdit edits the content: the server rebuilds, sends a
// reload event and serves the new page with the reload script, which the
// file on disk does not have.
func TestReloadFiresOnEdit(t *testing.T) {
	srv, s, _ := start(t)
	evs := events(t, srv)
	if ev := next(t, evs); !strings.HasPrefix(ev, "hello ") {
		t.Fatalf("first event %q", ev)
	}
	eventually(t, func() bool { _, body := get(t, "http://"+srv.Addr()+"/"); return strings.Contains(body, "first") })
	os.WriteFile(filepath.Join(s.content, "01-a.md"), []byte("second"), 0o644)
	for {
		ev := next(t, evs)
		if !strings.Contains(ev, `"ok":true`) {
			t.Fatalf("event %q", ev)
		}
		if _, body := get(t, "http://"+srv.Addr()+"/index.html"); strings.Contains(body, "second") {
			if !strings.Contains(body, `<script src="/__reload.js?gen=`) || !strings.Contains(body, `defer></script></head>`) {
				t.Errorf("no reload script in the served page:\n%s", body)
			}
			break
		}
	}
	onDisk, _ := os.ReadFile(filepath.Join(s.public, "index.html"))
	if strings.Contains(string(onDisk), "__reload") {
		t.Error("the reload script was written into public/")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last := s.batches[len(s.batches)-1]; len(last) == 0 || filepath.Base(last[0]) != "01-a.md" {
		t.Errorf("build batches %v", s.batches)
	}
}

// TestFailedBuildShowsError: a failed build keeps the last good files but
// shows the error on every page, until a build succeeds again.
func TestFailedBuildShowsError(t *testing.T) {
	srv, s, _ := start(t)
	evs := events(t, srv)
	next(t, evs)
	eventually(t, func() bool { code, _ := get(t, "http://"+srv.Addr()+"/"); return code == 200 })
	os.WriteFile(filepath.Join(s.content, "01-a.md"), []byte("BROKEN"), 0o644)
	for ev := next(t, evs); !strings.Contains(ev, `"ok":false`); ev = next(t, evs) {
	}
	code, body := get(t, "http://"+srv.Addr()+"/")
	if code != 500 || !strings.Contains(body, "content/01-a.md:3: broken on purpose") || !strings.Contains(body, "/__reload.js") {
		t.Errorf("%d %s", code, body)
	}
	if code, _ := get(t, "http://"+srv.Addr()+"/assets/site.css"); code != 200 {
		t.Errorf("assets: %d", code)
	}
	os.WriteFile(filepath.Join(s.content, "01-a.md"), []byte("fixed"), 0o644)
	for ev := next(t, evs); !strings.Contains(ev, `"ok":true`); ev = next(t, evs) {
	}
	if code, body := get(t, "http://"+srv.Addr()+"/"); code != 200 || !strings.Contains(body, "fixed") {
		t.Errorf("%d %s", code, body)
	}
}

// TestWaitAnswersAsScript checks the browser's path: /__wait answers with
// location.reload() as soon as the page's generation is old.
func TestWaitAnswersAsScript(t *testing.T) {
	srv, _, _ := start(t)
	resp, err := http.Get("http://" + srv.Addr() + "/__wait?gen=old")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "location.reload();\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("%q %s", body, resp.Header.Get("Content-Type"))
	}
	if _, js := get(t, "http://"+srv.Addr()+"/__reload.js?gen=1"); !strings.Contains(js, "/__wait?gen=") {
		t.Errorf("reload script: %s", js)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	_, err := Start(context.Background(), Options{Addr: "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("got %v", err)
	}
}

// eventually polls cond for at most 10 s.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
