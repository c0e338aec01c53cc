// Package build wires the stages together: load the chapters, check them,
// bring up a fresh stand, run and verify every block, render the site.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"replcourse/builder/check"
	"replcourse/builder/composefile"
	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/load"
	"replcourse/builder/progress"
	"replcourse/builder/psql"
	"replcourse/builder/record"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// Config locates the course and says how to report.
type Config struct {
	Root string // the course's folder: course.yaml, content/, stand/, public/ below it
	// Course is the course's configuration (course.yaml); nil: read from
	// Root by the first function that needs it (see withCourse).
	Course  *config.Config
	Public  string // output directory; default Root/public
	Until   int    // stop after this chapter number (0: all)
	Verbose bool   // print every block's output
	Log     io.Writer
	Timings *Timings // when set, filled with where the time went

	// Record is the file of verified results (see package record). When
	// set, a build whose blocks, stand files and builder match the record
	// renders from it without Docker, and a verified run rewrites it. ""
	// means no record: every build runs the course.
	Record string
	// Fresh ignores the record and runs the course (writing a new record).
	Fresh bool
	// Matrix is the version matrix's record (record.Matrix), shown on the
	// site's PostgreSQL versions page when the course declares versions;
	// "" for none. A build never writes it: `coursebuild matrix` does.
	Matrix string
	// Version is the PostgreSQL major version update runs the course on
	// (course.yaml's versions:), rewriting only that version's
	// alternative expected outputs; 0 or the main version: the main one.
	Version int
	// Live draws a status line on Log, which is a terminal of Width columns.
	Live  bool
	Width int
	// RenderCache keeps highlighted code between the builds of one process.
	RenderCache *render.Cache
}

func (c Config) path(parts ...string) string {
	return filepath.Join(append([]string{c.Root}, parts...)...)
}

// withCourse returns c with Course read from Root's course.yaml, unless it
// is set already; a mistake in the file is a *course.Error.
func (c Config) withCourse() (Config, error) {
	if c.Course != nil {
		return c, nil
	}
	cc, err := config.Load(c.Root)
	if err != nil {
		return c, err
	}
	c.Course = cc
	return c, nil
}

// sources are the folders that hold the course's sources, as paths: the
// chapters, the stand, and the theme (compiled into the builder, watched
// by the preview). c.Course is set.
func (c Config) sources() map[string]string {
	return map[string]string{
		c.Course.Content + "/": c.Course.ContentDir(),
		c.Course.Stand + "/":   c.Course.StandDir(),
		"theme/":               c.path("theme"),
	}
}

// publicDir is the output directory: Public, or Root/public.
func (c Config) publicDir() string {
	if c.Public == "" {
		return c.path("public")
	}
	return c.Public
}

// OutputError is an output path the builder refuses to write: a -public
// directory or -record file that is, holds or lies in the course's
// sources, or that the builder did not make. The command exits with
// status 2.
type OutputError struct {
	Flag string // -public or -record
	Path string // as given
	Msg  string
}

func (e *OutputError) Error() string { return e.Flag + " " + e.Path + ": " + e.Msg }

// CheckOutputs refuses, before anything runs, the outputs a build must
// not write, each with an *OutputError:
//
//   - a public directory that is the root, content/, stand/ or theme/ (the
//     folders course.yaml names for the first two), an
//     ancestor of any of them or of the record, or lies inside one of
//     those three folders; or that exists and is neither empty nor a site
//     the builder made (render.Replaceable), since the build replaces it
//     whole;
//   - a record that lies inside content/, stand/, theme/ or the public
//     directory, or that exists and is not a record (record.IsRecord):
//     it is written over after a verified run.
//
// Paths are compared after resolving symbolic links.
func CheckOutputs(cfg Config) error {
	cfg, err := cfg.withCourse()
	if err != nil {
		return err
	}
	root := canonical(cfg.Root)
	public := canonical(cfg.publicDir())
	refuse := func(flag, path, format string, args ...any) error {
		return &OutputError{Flag: flag, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	if within(root, public) {
		return refuse("-public", cfg.publicDir(), "is or contains the course's root %s; refusing to replace it", cfg.Root)
	}
	for name, dir := range cfg.sources() {
		if src := canonical(dir); within(public, src) || within(src, public) {
			return refuse("-public", cfg.publicDir(), "is, contains or lies in the course's sources (%s); refusing to write the site there", name)
		}
	}
	if cfg.Record != "" && within(canonical(cfg.Record), public) {
		return refuse("-public", cfg.publicDir(), "contains the record %s, which replacing the site would delete", cfg.Record)
	}
	if err := render.Replaceable(cfg.publicDir()); err != nil {
		var re *render.RefusedError
		if errors.As(err, &re) {
			return refuse("-public", cfg.publicDir(), "%s", strings.TrimPrefix(re.Error(), re.Dir+": "))
		}
		return err
	}
	if cfg.Record == "" {
		return nil
	}
	if err := CheckOutputFile(cfg, "-record", cfg.Record); err != nil {
		return err
	}
	if err := record.IsRecord(cfg.Record); err != nil {
		return refuse("-record", cfg.Record, "%v; refusing to write over it (give a record file, a new path, or none)", err)
	}
	return nil
}

// CheckOutputFile refuses, with an *OutputError for flag, a file the
// builder writes (the record, a JUnit report) at path when path lies in
// the course's sources — content/, stand/ (the folders course.yaml names)
// or theme/ — where it would become part of the course (a file in stand/
// is in the record's key, so every later build would run again), or in
// the public directory, which a build replaces. Paths are compared after
// resolving symbolic links. What may be written over at path is the
// caller's to check.
func CheckOutputFile(cfg Config, flag, path string) error {
	cfg, err := cfg.withCourse()
	if err != nil {
		return err
	}
	p := canonical(path)
	for name, dir := range cfg.sources() {
		if within(p, canonical(dir)) {
			return &OutputError{Flag: flag, Path: path, Msg: fmt.Sprintf("lies in the course's sources (%s); the builder's files are kept beside them, never among them", name)}
		}
	}
	if within(p, canonical(cfg.publicDir())) {
		return &OutputError{Flag: flag, Path: path, Msg: "lies in the public directory, which every build replaces"}
	}
	return nil
}

// canonical is path made absolute, with the symbolic links of its
// longest existing prefix resolved.
func canonical(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest)
		}
		if filepath.Dir(dir) == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// within reports whether path is dir or lies below it; both are canonical.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Load reads and checks the course; every content error comes from here:
// course.yaml, the chapters, then the compose file and the chapters
// against it (composefile.Model.Check: every node a service, every host
// step's services and profiles real).
func Load(cfg Config) (*course.Course, error) {
	c, _, err := loadCourse(cfg)
	return c, err
}

// loadCourse is Load that also returns the stand's compose model.
func loadCourse(cfg Config) (*course.Course, *composefile.Model, error) {
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, nil, err
	}
	cc := cfg.Course
	if err := cc.CheckFolders(); err != nil {
		return nil, nil, err
	}
	c, err := load.Dir(cc.ContentDir(), cc.StandDir())
	if err != nil {
		return nil, nil, err
	}
	c.Title, c.Description = cc.Title, cc.Description
	if err := Validate(c); err != nil {
		return nil, nil, err
	}
	// The stand's files are checked as a run and the record's key read
	// them, so that check finds what build would refuse.
	if _, err := record.StandFiles(cc.StandDir()); err != nil {
		return nil, nil, err
	}
	m, err := composefile.Load(context.Background(), cfg.Root, cc.ComposeFile())
	if err != nil {
		return nil, nil, err
	}
	if err := m.Check(c); err != nil {
		return nil, nil, err
	}
	return c, m, checkVersions(cc, c, m)
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
			for _, a := range b.Alternatives {
				if err := check.Validate(a.Text); err != nil {
					return positioned(a.Pos, err)
				}
				if err := refsDefined(a.Text, defined, a.Pos); err != nil {
					return err
				}
			}
			for _, name := range check.CaptureNames(b.Expected) {
				defined[name] = true
			}
		}
	}
	return nil
}

func expectedError(b *course.Block, err error) error {
	return positioned(b.ExpectedPos, err)
}

// positioned places an error check.Validate reports for the expected
// output whose fence is at pos.
func positioned(pos course.Pos, err error) error {
	if le, ok := err.(*check.LineError); ok {
		return course.Errorf(course.Pos{File: pos.File, Line: pos.Line + le.Line}, "%s", le.Msg)
	}
	return course.Errorf(pos, "%v", err)
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

// Outcome is what a build covered, for reports.
type Outcome struct {
	Course  *course.Course
	Blocks  []*course.Block // the blocks the build covers, in order
	Results map[*course.Block]*course.Result
	// FromRecord says the results come from the record: nothing ran.
	FromRecord bool
	Verified   render.Verified
}

// Site runs the whole verified build: image, fresh stand, every block,
// then public/. The stand is removed before it returns, whatever happened.
func Site(ctx context.Context, cfg Config) error {
	_, err := Build(ctx, cfg)
	return err
}

// Build is Site that also returns what the build covered (with the error,
// as far as it got). With a current record it renders from the record and
// leaves Docker alone; otherwise it runs the course and records the result.
func Build(ctx context.Context, cfg Config) (*Outcome, error) {
	tm := cfg.Timings
	if tm == nil {
		tm = &Timings{}
	}
	start := time.Now()
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, err
	}
	if err := CheckOutputs(cfg); err != nil {
		return nil, err
	}
	c, m, err := loadCourse(cfg)
	if err != nil {
		return nil, err
	}
	tm.Load = time.Since(start)
	out := &Outcome{Course: c, Blocks: run.Blocks(c, cfg.Until)}
	rc, err := openCache(cfg, m, out.Blocks)
	if err != nil {
		return out, err
	}
	var res *run.Results
	if rc.hit() {
		res = rc.results()
		out.FromRecord, out.Verified = true, rc.verified()
	} else {
		res, out.Verified, err = verify(ctx, cfg, c, m, tm, rc.prior())
	}
	if res != nil {
		out.Results = res.Blocks
	}
	if err != nil {
		return out, err
	}
	// An interrupt that arrived while the last block ran must not let a
	// new site replace the last good one.
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if !out.FromRecord {
		if err := rc.save(res, out.Verified); err != nil {
			return out, err
		}
	}
	return out, publish(ctx, cfg, c, res, out, MatrixView(cfg, c, m, cfg.Matrix), tm, start)
}

// verify runs the course on a fresh stand of the compose model m.
func verify(ctx context.Context, cfg Config, c *course.Course, m *composefile.Model, tm *Timings, prior []time.Duration) (res *run.Results, v render.Verified, err error) {
	err = onStand(ctx, cfg, m, tm, prior, func(st *stand.Stand, pr *progress.Printer) error {
		t0 := time.Now()
		var rerr error
		res, rerr = run.Run(ctx, st, c, run.Options{Until: cfg.Until, OnBlock: tm.observe(pr.OnBlock)})
		tm.Run = time.Since(t0)
		v.Server = st.Server()
		return rerr
	}, &v)
	return res, v, err
}

// onStand checks the stand's files, makes sure of the compose file's
// images, brings up a fresh stand of the compose model m, calls f with it
// and a progress printer, and removes the stand before it returns,
// whatever happened. v gets the images and the time.
//
// Every file under the stand folder is read through coursefs first, as
// the record's key reads them (record.StandFiles), also when the build
// keeps no record: a link out of the course or a named pipe is a content
// error before any container starts, never mounted into one.
func onStand(ctx context.Context, cfg Config, m *composefile.Model, tm *Timings, prior []time.Duration, f func(*stand.Stand, *progress.Printer) error, v *render.Verified) (err error) {
	if cfg, err = cfg.withCourse(); err != nil {
		return err
	}
	if _, err := record.StandFiles(cfg.Course.StandDir()); err != nil {
		return err
	}
	log, pr := progressFor(cfg, prior)
	defer pr.Close()
	t0 := time.Now()
	imgs, label, err := versionImages(ctx, cfg.Course, m, cfg.Version, log)
	if err != nil {
		return err
	}
	tm.Image = time.Since(t0)
	st, err := stand.New(ctx, stand.Config{ComposeFile: cfg.Course.ComposeFile(), Model: m, Images: imgs, Log: log, Course: cfg.Course.Root})
	if err != nil {
		return err
	}
	defer func() {
		t0 := time.Now()
		if cerr := st.Close(); cerr != nil && err == nil {
			err = &stand.EnvError{Msg: cerr.Error()}
		}
		tm.Teardown = time.Since(t0)
	}()
	fmt.Fprintf(log, "stand %s on image %s\n", st.Project(), label)
	err = f(st, pr)
	v.Image, v.BuiltAt = label, time.Now().UTC()
	return err
}

// publish renders the site from the results into public/.
func publish(ctx context.Context, cfg Config, c *course.Course, res *run.Results, out *Outcome, mx *render.Matrix, tm *Timings, start time.Time) error {
	public := cfg.publicDir()
	site := &render.Site{
		Course:   trim(c, cfg.Until),
		Results:  res.Blocks,
		Series:   res.Series,
		Verified: out.Verified,
		Expand:   func(s string) (string, error) { return check.Substitute(s, res.Vars) },
		Cache:    cfg.RenderCache,
		Matrix:   mx,
	}
	t0 := time.Now()
	rs, err := render.Write(ctx, site, public)
	tm.Render = time.Since(t0)
	tm.Total = time.Since(start)
	if re := (*render.RefusedError)(nil); errors.As(err, &re) {
		// Something other than a site appeared there during the build.
		return &OutputError{Flag: "-public", Path: public, Msg: strings.TrimPrefix(re.Error(), re.Dir+": ")}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "search index: %d KiB\n", (rs.SearchIndexBytes+1023)/1024)
	how := "verified"
	if out.FromRecord {
		how = "taken from the record"
	}
	fmt.Fprintf(cfg.Log, "%s: %s in %s; site written to %s\n", Counts(c, cfg.Until), how, time.Since(start).Round(time.Millisecond), public)
	return nil
}

// Counts says how many chapters and blocks a course has up to chapter
// until (0: all), and how many of those blocks run (run.Blocks: the sql
// and sh blocks without norun, and the diagrams), as check and build both
// print it: "11 chapters, 150 blocks, 142 run".
func Counts(c *course.Course, until int) string {
	chapters, blocks := 0, 0
	for _, ch := range trim(c, until).Chapters {
		chapters++
		blocks += len(ch.Blocks)
	}
	return fmt.Sprintf("%s, %s, %d run", plural(chapters, "chapter"), plural(blocks, "block"), len(run.Blocks(c, until)))
}

// imagesLabel names the images a stand ran, in the order of the compose
// file's references (stand.Image.Label each), comma-separated.
func imagesLabel(m *composefile.Model, imgs map[string]stand.Image) string {
	var labels []string
	for _, ref := range m.Images() {
		if img, ok := imgs[ref]; ok {
			labels = append(labels, img.Label())
		}
	}
	return strings.Join(labels, ", ")
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

// progressFor returns the writer for the run's log and the progress
// printer: one line per chapter, or a live status line on a terminal.
func progressFor(cfg Config, prior []time.Duration) (io.Writer, *progress.Printer) {
	pr := progress.New(cfg.Log, progress.Options{Live: cfg.Live, Width: cfg.Width, Verbose: cfg.Verbose, Prior: prior})
	if cfg.Live {
		return pr, pr
	}
	return cfg.Log, pr
}

// Images makes sure the engine holds an image for every image reference
// of the course's compose file (stand.EnsureImages: present, pulled, or
// made by course.yaml's fallback recipe), and returns them in the compose
// file's order of references. It reads course.yaml and the compose file,
// not the chapters.
func Images(ctx context.Context, cfg Config, log io.Writer) ([]stand.Image, error) {
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, err
	}
	m, err := composefile.Load(ctx, cfg.Root, cfg.Course.ComposeFile())
	if err != nil {
		return nil, err
	}
	imgs, err := stand.EnsureImages(ctx, cfg.Course, m, log)
	if err != nil {
		return nil, err
	}
	out := make([]stand.Image, 0, len(imgs))
	for _, ref := range m.Images() {
		out = append(out, imgs[ref])
	}
	return out, nil
}
