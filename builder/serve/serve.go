// Package serve is the authors' preview: an HTTP server on the loopback
// interface that serves the site of the last successful build, rebuilds
// when a watched file changes, and reloads the pages open in a browser.
//
// The pages carry a Content-Security-Policy (default-src 'none';
// script-src 'self'), so the reload cannot be an inline script, and
// EventSource or fetch would need connect-src. Instead the server adds
// <script src="/__reload.js?gen=N"> to the HTML it serves (never to the
// files in public/). That script loads /__wait?gen=N as another script: the
// server holds the request until build N+1 is done and answers
// location.reload(), or after a while an instruction to wait again. Only
// script loads from the page's own origin are involved, which the policy
// allows. /__events streams the same news as server-sent events for tools
// (curl -N) and tests.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configures a preview server.
type Options struct {
	Addr   string   // host:port, host a loopback address; port 0 picks one
	Public string   // the site directory the builds write
	Watch  []string // directories (recursively) and files whose changes rebuild
	// Build builds the site into Public. changed lists the files that
	// changed since the last build (nil for the first). ctx is cancelled
	// when a newer change makes this build pointless; Build must then
	// clean up (the stand) and return.
	Build func(ctx context.Context, changed []string) error
	Log   io.Writer
	// Quiet is how long the watched files must stay unchanged before a
	// rebuild starts, so that an editor's save (several events) builds once.
	Quiet time.Duration
}

// Server is a running preview.
type Server struct {
	opt  Options
	ln   net.Listener
	hub  *hub
	http *http.Server
	done chan error
}

// Start listens, runs the first build and starts watching. The server runs
// until ctx is cancelled; Wait returns then.
func Start(ctx context.Context, opt Options) (*Server, error) {
	if opt.Quiet <= 0 {
		opt.Quiet = 150 * time.Millisecond
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if err := loopback(opt.Addr); err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", opt.Addr)
	if err != nil {
		return nil, err
	}
	w, err := newWatcher(opt.Watch)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{opt: opt, ln: ln, hub: newHub(), done: make(chan error, 1)}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go s.run(ctx, w)
	return s, nil
}

// loopback refuses an address other machines could reach: the preview
// serves the work tree of whoever runs it.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: address %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("serve: %s is not a loopback address; the preview only listens on 127.0.0.1", host)
	}
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Wait blocks until the server has stopped and its last build has ended.
func (s *Server) Wait() error { return <-s.done }

// run serves HTTP and rebuilds on changes until ctx is cancelled.
func (s *Server) run(ctx context.Context, w *watcher) {
	var wg sync.WaitGroup
	changes := make(chan []string, 1)
	wg.Add(2)
	go func() { defer wg.Done(); w.run(ctx, s.opt.Quiet, changes, s.opt.Log) }()
	go func() { defer wg.Done(); s.builds(ctx, changes) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s.hub.close()
	s.http.Shutdown(sctx)
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.done <- err
}

// builds runs the first build, then one per batch of changes.
func (s *Server) builds(ctx context.Context, changes <-chan []string) {
	var batch []string // nil for the first build
	for {
		next, ok := s.build(ctx, batch, changes)
		if !ok {
			return
		}
		if next != nil {
			batch = next
			continue
		}
		select {
		case <-ctx.Done():
			return
		case batch = <-changes:
		}
	}
}

// build runs one build. A change that arrives meanwhile cancels it (its
// result would be stale) and is returned, to build again at once; false
// means ctx ended.
func (s *Server) build(ctx context.Context, batch []string, changes <-chan []string) ([]string, bool) {
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	result := make(chan error, 1)
	go func() { result <- s.opt.Build(bctx, batch) }()
	select {
	case err := <-result:
		s.finished(err, time.Since(start))
		return nil, true
	case c := <-changes:
		fmt.Fprintf(s.opt.Log, "serve: %s changed during the build; starting again\n", c[0])
		cancel()
		<-result
		return append(batch, c...), true
	case <-ctx.Done():
		cancel()
		<-result
		return nil, false
	}
}

// finished tells the terminal and the open pages how a build went.
func (s *Server) finished(err error, took time.Duration) {
	if err != nil {
		fmt.Fprintf(s.opt.Log, "serve: build failed after %s; the pages show the error until a build succeeds:\n%v\n", took.Round(time.Millisecond), err)
	} else {
		fmt.Fprintf(s.opt.Log, "serve: built in %s; reloading open pages\n", took.Round(time.Millisecond))
	}
	s.hub.publish(err)
}
