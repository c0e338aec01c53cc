// Package render turns a loaded and verified course into the static site:
// an index page, one page per chapter, the whole course on one printable
// page, a client-side search index, and the theme's assets. Every executed
// block is shown with the output it really printed in this build, never
// with the expected output written in the chapter.
//
// The site works opened from disk (file://) with no network: every link is
// relative, every asset is local, and the search index is a script file
// rather than fetched JSON, which browsers refuse to fetch from file://.
package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"replcourse/builder/course"
)

// Verified says what the outputs were checked against, for the footer.
type Verified struct {
	Server  string // SELECT version() on the stand
	Image   string // the image the stand ran
	BuiltAt time.Time
}

// Site is everything a build hands to the renderer.
type Site struct {
	Course   *course.Course
	Results  map[*course.Block]*course.Result // nil/missing for blocks that did not run
	Series   map[*course.Probe]*course.Series // what each probe sampled
	Verified Verified
	// Expand replaces {{@name}} references (captured real values such as an
	// LSN) in text; nil means identity. Titles are expanded whole; in
	// prose and code Expand is called with each reference alone (code
	// marks where each value lands).
	// Everywhere the result is shown as text, never read as Markdown or
	// HTML (see refValues). An error is reported with the chapter file and
	// line.
	// Chapters are rendered in parallel, so Expand must be safe for
	// concurrent use (check.Substitute over a map nobody writes is).
	Expand func(text string) (string, error)
	// Cache keeps highlighted code from one Write to the next, so a process
	// that builds repeatedly (a watch mode, the benchmarks) highlights only
	// the blocks that changed. nil highlights every block afresh.
	Cache *Cache
	// Matrix is the version matrix (the matrix record): with it the site
	// has a "PostgreSQL versions" page and notes under the blocks that
	// differ on other versions. nil: the course declares no versions.
	Matrix *Matrix
}

// Stats describes what one Write produced.
type Stats struct {
	Pages            int // HTML files written
	SearchIndexBytes int // size of assets/search-index.js
	Highlighted      int // distinct code blocks highlighted in this build
	CacheHits        int // distinct code blocks taken from Site.Cache
}

// Write renders the whole site into a new temporary directory beside
// publicDir (same parent, so the final rename is atomic) and swaps it in
// only when everything was written. On any error publicDir is left exactly
// as it was: readers keep the last good site. ctx is checked before each
// chapter, each block and each site-wide file: once it is cancelled (an
// interrupted build) Write stops, removes the temporary directory, leaves
// publicDir as it was and returns ctx.Err().
func Write(ctx context.Context, s *Site, publicDir string) (Stats, error) {
	if s == nil || s.Course == nil {
		return Stats{}, errors.New("render: no course to render")
	}
	dst := filepath.Clean(publicDir)
	if fi, err := os.Lstat(dst); err == nil && !fi.IsDir() {
		return Stats{}, fmt.Errorf("render: %s exists and is not a directory", dst)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Stats{}, fmt.Errorf("render: %w", err)
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Stats{}, fmt.Errorf("render: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".new-")
	if err != nil {
		return Stats{}, fmt.Errorf("render: %w", err)
	}
	st, err := writeAll(ctx, s, tmp)
	if cerr := ctx.Err(); cerr != nil {
		err = cerr // whatever else failed, the build was interrupted
	}
	if err != nil {
		os.RemoveAll(tmp)
		return Stats{}, err
	}
	if err := swapIn(tmp, dst); err != nil {
		os.RemoveAll(tmp)
		return Stats{}, fmt.Errorf("render: replacing %s: %w", dst, err)
	}
	return st, nil
}

// writeAll writes every file of the site into dir, stopping with
// ctx.Err() once ctx is cancelled.
func writeAll(ctx context.Context, s *Site, dir string) (Stats, error) {
	// MkdirTemp makes the directory private; the site is meant to be served.
	if err := os.Chmod(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("render: %w", err)
	}
	w, err := newWriter(ctx, s, dir)
	if err != nil {
		return Stats{}, err
	}
	if err := w.assets(); err != nil {
		return Stats{}, err
	}
	pages, err := w.chapterPages()
	if err != nil {
		return Stats{}, err
	}
	versions := func([]*renderedChapter) error { return w.versionsPage() }
	for _, step := range []func([]*renderedChapter) error{w.indexPage, w.printPage, versions} {
		if err := ctx.Err(); err != nil {
			return Stats{}, err
		}
		if err := step(pages); err != nil {
			return Stats{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	n, err := w.searchIndex(pages)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Pages: len(pages) + 2, SearchIndexBytes: n}
	if s.Matrix != nil {
		st.Pages++
	}
	st.Highlighted, st.CacheHits = w.hl.done()
	return st, nil
}
