// Package render turns a loaded and verified course into the static site:
// an index page, one page per chapter, and the theme's assets. Every
// executed block is shown with the output it really printed in this build,
// never with the expected output written in the chapter.
package render

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"replcourse/builder/course"
	"replcourse/theme"
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
	// LSN) in prose and in code; nil means identity. An error is reported
	// with the chapter file and line.
	Expand func(text string) (string, error)
}

// Write renders the whole site into a new temporary directory beside
// publicDir (same parent, so the final rename is atomic) and swaps it in
// only when everything was written. On any error publicDir is left exactly
// as it was: readers keep the last good site.
func Write(s *Site, publicDir string) error {
	if s == nil || s.Course == nil {
		return errors.New("render: no course to render")
	}
	dst := filepath.Clean(publicDir)
	if fi, err := os.Lstat(dst); err == nil && !fi.IsDir() {
		return fmt.Errorf("render: %s exists and is not a directory", dst)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("render: %w", err)
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".new-")
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := writeAll(s, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := swapIn(tmp, dst); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("render: replacing %s: %w", dst, err)
	}
	return nil
}

// writeAll writes every file of the site into dir.
func writeAll(s *Site, dir string) error {
	// MkdirTemp makes the directory private; the site is meant to be served.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	w, err := newWriter(s, dir)
	if err != nil {
		return err
	}
	if err := w.assets(); err != nil {
		return err
	}
	var chapters []indexChapter
	for i, ch := range s.Course.Chapters {
		ic, err := w.chapterPage(i)
		if err != nil {
			return fmt.Errorf("render %s: %w", ch.File, err)
		}
		chapters = append(chapters, ic)
	}
	return w.indexPage(chapters)
}

// writer holds what one Write needs across pages. It lives for one call,
// so nothing is shared between builds.
type writer struct {
	site    *Site
	dir     string
	expand  func(string) (string, error)
	hl      *highlighter
	titles  []string // chapter titles after Expand, in course order
	index   *template.Template
	chapter *template.Template
}

func newWriter(s *Site, dir string) (*writer, error) {
	w := &writer{site: s, dir: dir, expand: s.Expand, hl: newHighlighter()}
	if w.expand == nil {
		w.expand = func(t string) (string, error) { return t, nil }
	}
	var err error
	if w.index, err = theme.Page("index.html"); err != nil {
		return nil, fmt.Errorf("render: theme: %w", err)
	}
	if w.chapter, err = theme.Page("chapter.html"); err != nil {
		return nil, fmt.Errorf("render: theme: %w", err)
	}
	// Titles are needed before any page is written: each page links its
	// neighbours by title.
	for _, ch := range s.Course.Chapters {
		t, err := w.expand(ch.Title)
		if err != nil {
			return nil, course.Errorf(course.Pos{File: ch.File, Line: 2}, "title: %v", err)
		}
		w.titles = append(w.titles, t)
	}
	return w, nil
}

// pageName is the file of chapter ch, relative to the site root.
func pageName(ch *course.Chapter) string {
	return fmt.Sprintf("%02d-%s.html", ch.Number, ch.Slug)
}

func (w *writer) writeFile(name string, data []byte) error {
	path := filepath.Join(w.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// assets copies the theme's static files into assets/ and adds the
// highlighting stylesheet generated from the theme's chroma styles.
func (w *writer) assets() error {
	static := theme.Static()
	err := fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		return w.writeFile("assets/"+path, data)
	})
	if err != nil {
		return fmt.Errorf("render: theme assets: %w", err)
	}
	css, err := w.hl.css(theme.LightStyle, theme.DarkStyle)
	if err != nil {
		return fmt.Errorf("render: highlighting styles: %w", err)
	}
	return w.writeFile(theme.ChromaCSS, css)
}
