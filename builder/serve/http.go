package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// waitFor bounds one /__wait request; the page then asks again, so that no
// proxy or browser gives up on a request that never ends.
const waitFor = 25 * time.Second

// reloadJS runs in the served pages only. It loads /__wait as a script
// (allowed by script-src 'self', unlike fetch or EventSource under
// default-src 'none'); the answer reloads the page or asks to wait again.
const reloadJS = `// Live reload of the preview server; never part of the published site.
(function () {
  var gen = new URL(document.currentScript.src).searchParams.get("gen");
  var delay = 0;
  function wait() {
    var s = document.createElement("script");
    s.src = "/__wait?gen=" + encodeURIComponent(gen) + "&t=" + Date.now();
    s.onload = function () { s.remove(); };
    s.onerror = function () {
      s.remove();
      delay = Math.min(delay * 2 || 500, 5000);
      setTimeout(wait, delay);
    };
    document.head.appendChild(s);
  }
  window.__replcoursePreview = { again: function () { delay = 0; wait(); } };
  if (document.readyState === "complete") { wait(); } else { window.addEventListener("load", wait); }
})();
`

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__reload.js", func(w http.ResponseWriter, r *http.Request) {
		noStore(w, "text/javascript; charset=utf-8")
		w.Write([]byte(reloadJS))
	})
	mux.HandleFunc("GET /__wait", s.wait)
	mux.HandleFunc("GET /__events", s.events)
	mux.HandleFunc("GET /", s.file)
	return mux
}

func noStore(w http.ResponseWriter, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
}

// wait answers, as a script, once the build generation differs from the
// page's: reload, or after waitFor, wait again.
func (s *Server) wait(w http.ResponseWriter, r *http.Request) {
	noStore(w, "text/javascript; charset=utf-8")
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	for {
		gen, wake, _ := s.hub.state()
		if gen != r.URL.Query().Get("gen") {
			fmt.Fprint(w, "location.reload();\n")
			return
		}
		select {
		case <-wake:
			if s.hub.isClosed() {
				return
			}
		case <-timer.C:
			fmt.Fprint(w, "window.__replcoursePreview.again();\n")
			return
		case <-r.Context().Done():
			return
		}
	}
}

// events streams one "reload" event per finished build, as server-sent
// events, for tools and tests.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	noStore(w, "text/event-stream")
	gen, wake, _ := s.hub.state()
	fmt.Fprintf(w, "event: hello\ndata: %s\n\n", gen)
	flusher.Flush()
	for {
		select {
		case <-wake:
		case <-r.Context().Done():
			return
		}
		if s.hub.isClosed() {
			return
		}
		var err error
		gen, wake, err = s.hub.state()
		msg := map[string]any{"gen": gen, "ok": err == nil}
		if err != nil {
			msg["error"] = err.Error()
		}
		data, _ := json.Marshal(msg)
		fmt.Fprintf(w, "event: reload\ndata: %s\n\n", data)
		flusher.Flush()
	}
}

// file serves the last successful build from Public; HTML gets the reload
// script, or the error page while the last build failed.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	full := filepath.Join(s.opt.Public, filepath.FromSlash(name))
	if fi, err := os.Stat(full); err == nil && fi.IsDir() {
		http.Redirect(w, r, path.Join(name)+"/", http.StatusMovedPermanently)
		return
	}
	if !strings.HasSuffix(name, ".html") {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, full)
		return
	}
	gen, _, buildErr := s.hub.state()
	if buildErr != nil {
		s.page(w, http.StatusInternalServerError, gen, "The last build failed", buildErr.Error())
		return
	}
	data, err := os.ReadFile(full)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !s.hub.built():
		s.page(w, http.StatusServiceUnavailable, gen, "Building…", "The first build is running; this page reloads when it is done.")
		return
	case errors.Is(err, fs.ErrNotExist):
		s.page(w, http.StatusNotFound, gen, "Not found", name+" is not part of the site.")
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	noStore(w, "text/html; charset=utf-8")
	w.Write(inject(data, gen))
}

// inject adds the reload script to a page, before </head>.
func inject(page []byte, gen string) []byte {
	tag := []byte(fmt.Sprintf(`<script src="/__reload.js?gen=%s" defer></script>`, gen))
	if i := bytes.Index(page, []byte("</head>")); i >= 0 {
		return append(append(append([]byte{}, page[:i]...), tag...), page[i:]...)
	}
	return append(append([]byte{}, page...), tag...)
}

// page is the server's own page (error, building, not found), which
// reloads like the others.
func (s *Server) page(w http.ResponseWriter, status int, gen, title, body string) {
	noStore(w, "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%s — preview</title>
<link rel="stylesheet" href="/assets/site.css"><script src="/__reload.js?gen=%s" defer></script></head>
<body><main><h1>%s</h1><pre>%s</pre><p>Edit the chapter or stand file and save: the preview rebuilds and this page reloads.</p></main></body></html>
`, html.EscapeString(title), gen, html.EscapeString(title), html.EscapeString(body))
}
