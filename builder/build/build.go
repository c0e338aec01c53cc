// Package build wires the stages together: load the chapters, check them,
// bring up a fresh stand, run and verify every block, render the site.
package build

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/load"
	"replcourse/builder/psql"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// Config locates the course and says how to report.
type Config struct {
	Root    string // repository root: content/, stand/, public/ below it
	Public  string // output directory; default Root/public
	Until   int    // stop after this chapter number (0: all)
	Verbose bool   // print every block's output
	Log     io.Writer
	Timings *Timings // when set, filled with where the time went
}

func (c Config) path(parts ...string) string {
	return filepath.Join(append([]string{c.Root}, parts...)...)
}

// Load reads and checks the course; every content error comes from here.
func Load(cfg Config) (*course.Course, error) {
	c, err := load.Dir(cfg.path("content"), cfg.path("stand"))
	if err != nil {
		return nil, err
	}
	return c, Validate(c)
}

// Validate checks placeholder syntax in expected outputs and that every
// {{@name}} reference in code, expectations and prose refers to a value
// captured by an earlier block.
func Validate(c *course.Course) error {
	defined := map[string]bool{}
	for _, ch := range c.Chapters {
		for _, b := range ch.Blocks {
			if err := refsDefined(b.Code, defined, b.Pos); err != nil {
				return err
			}
			if b.Run && b.Lang == "sql" {
				if err := psql.Check(b.Code); err != nil {
					return codeError(b, err)
				}
			}
			if !b.HasExpected {
				continue
			}
			if err := check.Validate(b.Expected); err != nil {
				return expectedError(b, err)
			}
			if err := refsDefined(b.Expected, defined, b.ExpectedPos); err != nil {
				return err
			}
			for _, name := range check.CaptureNames(b.Expected) {
				defined[name] = true
			}
		}
	}
	return nil
}

func expectedError(b *course.Block, err error) error {
	if le, ok := err.(*check.LineError); ok {
		return course.Errorf(course.Pos{File: b.ExpectedPos.File, Line: b.ExpectedPos.Line + le.Line}, "%s", le.Msg)
	}
	return course.Errorf(b.ExpectedPos, "%v", err)
}

// codeError positions an error psql.Check reports as "line N: …" within
// the block's code, which starts on the line after the fence.
func codeError(b *course.Block, err error) error {
	msg := err.Error()
	var n int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &n); scanErr == nil {
		_, rest, _ := strings.Cut(msg, ": ")
		return course.Errorf(course.Pos{File: b.Pos.File, Line: b.Pos.Line + n}, "%s", rest)
	}
	return course.Errorf(b.Pos, "%s", msg)
}

func refsDefined(text string, defined map[string]bool, pos course.Pos) error {
	for _, name := range check.References(text) {
		if !defined[name] {
			return course.Errorf(pos, "{{@%s}} refers to a value no earlier block captures (write {{kind:%s}} in an earlier expected output)", name, name)
		}
	}
	return nil
}

// Site runs the whole verified build: image, fresh stand, every block,
// then public/. The stand is removed before it returns, whatever happened.
func Site(ctx context.Context, cfg Config) (err error) {
	tm := cfg.Timings
	if tm == nil {
		tm = &Timings{}
	}
	start := time.Now()
	c, err := Load(cfg)
	if err != nil {
		return err
	}
	tm.Load = time.Since(start)
	t0 := time.Now()
	img, err := stand.EnsureImage(ctx, stand.DefaultSource(cfg.Root), cfg.Log)
	if err != nil {
		return err
	}
	tm.Image = time.Since(t0)
	st, err := stand.New(ctx, stand.Config{ComposeFile: cfg.path("stand", "compose.yaml"), Image: img, Log: cfg.Log})
	if err != nil {
		return err
	}
	defer func() {
		t0 := time.Now()
		if cerr := st.Close(); cerr != nil && err == nil {
			err = &stand.EnvError{Msg: cerr.Error()}
		}
		tm.Teardown = time.Since(t0)
		tm.Total = time.Since(start)
	}()
	fmt.Fprintf(cfg.Log, "stand %s on image %s\n", st.Project(), img.Ref)
	t0 = time.Now()
	res, err := run.Run(ctx, st, c, run.Options{Until: cfg.Until, OnBlock: tm.observe(progress(cfg))})
	tm.Run = time.Since(t0)
	if err != nil {
		return err
	}
	public := cfg.Public
	if public == "" {
		public = cfg.path("public")
	}
	site := &render.Site{
		Course:   trim(c, cfg.Until),
		Results:  res.Blocks,
		Series:   res.Series,
		Verified: render.Verified{Server: st.Server(), Image: imageLabel(img), BuiltAt: time.Now().UTC()},
		Expand:   func(s string) (string, error) { return check.Substitute(s, res.Vars) },
	}
	// An interrupt that arrived while the last block ran must not let a
	// new site replace the last good one.
	if err := ctx.Err(); err != nil {
		return err
	}
	t0 = time.Now()
	rs, err := render.Write(site, public)
	tm.Render = time.Since(t0)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "search index: %d KiB\n", (rs.SearchIndexBytes+1023)/1024)
	fmt.Fprintf(cfg.Log, "verified %d blocks in %s; site written to %s\n", len(res.Blocks), time.Since(start).Round(time.Millisecond), public)
	return nil
}

func imageLabel(img stand.Image) string {
	id := strings.TrimPrefix(img.ID, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return img.Ref + " " + id
}

// trim drops the chapters after until, so a focused build renders only what ran.
func trim(c *course.Course, until int) *course.Course {
	if until == 0 {
		return c
	}
	out := *c
	out.Chapters = nil
	for _, ch := range c.Chapters {
		if ch.Number <= until {
			out.Chapters = append(out.Chapters, ch)
		}
	}
	return &out
}

// progress prints one line per chapter, and each block's output with -v.
func progress(cfg Config) func(i, n int, b *course.Block, r *course.Result) {
	var current *course.Chapter
	return func(i, n int, b *course.Block, r *course.Result) {
		if r == nil {
			if b.Chapter != current {
				current = b.Chapter
				fmt.Fprintf(cfg.Log, "chapter %s (block %d/%d)\n", filepath.Base(b.Chapter.File), i+1, n)
			}
			return
		}
		if cfg.Verbose {
			fmt.Fprintf(cfg.Log, "  %s [%s] %s (%s)\n%s", b.Pos, b.Node, b.Command(), r.Duration.Round(time.Millisecond), r.Output)
		}
	}
}
