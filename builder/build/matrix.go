package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/record"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// MatrixOptions says which versions the matrix runs and how.
type MatrixOptions struct {
	// Versions are the PostgreSQL major versions to run, each one of the
	// course's (course.yaml versions:); none: all of them.
	Versions []int
	// Parallel is how many versions run at a time, each on its own stand
	// (1 when 0).
	Parallel int
	// File is the matrix record to update (record.Matrix), "" for none:
	// the runs of these versions replace the ones it holds, the other
	// versions' stay.
	File string
}

// MatrixOutcome is what a matrix run found.
type MatrixOutcome struct {
	Main   int
	Runs   []record.MatrixRun // one per version run, ascending
	Blocks []*course.Block    // the blocks of the course, in order
	Wall   time.Duration
}

// MainError is the main version's run failing in the matrix: the block
// (file:line) and why. The command exits 1 with it; the other versions
// never make the matrix fail.
type MainError struct {
	Version int
	First   *record.MatrixBlock
	Count   int
	Msg     string // set when the run itself stopped (stand, image)
}

func (e *MainError) Error() string {
	if e.First == nil {
		return fmt.Sprintf("matrix: the main version, PostgreSQL %d, did not verify: %s", e.Version, e.Msg)
	}
	return fmt.Sprintf("%s:%d: matrix: the main version, PostgreSQL %d, did not verify: %d blocks are not the same, the first %s:\n%s",
		e.First.Chapter, e.First.Line, e.Version, e.Count, e.First.Status, strings.TrimRight(e.First.Diff+e.First.Error, "\n"))
}

// versionModel is m with every service whose image is the main version's
// reference (versions.Ref(main)) running version v's instead.
func versionModel(m *composefile.Model, vs config.Versions, v int) *composefile.Model {
	out := *m
	out.Services = make([]*composefile.Service, len(m.Services))
	for i, s := range m.Services {
		c := *s
		if c.Image == vs.Ref(vs.Main) {
			c.Image = vs.Ref(v)
		}
		out.Services[i] = &c
	}
	return &out
}

// checkVersions checks what the chapters say about versions against the
// course's versions: an alternative's version must be one of the others,
// since= at most the main version, and the compose file must run the
// main version's image; each error at its line.
func checkVersions(cc *config.Config, c *course.Course, m *composefile.Model) error {
	vs := cc.Versions
	for _, ch := range c.Chapters {
		for _, b := range ch.Blocks {
			for _, a := range b.Alternatives {
				switch {
				case !vs.Declared():
					return course.Errorf(a.Pos, "output {pg=%d}: the course declares no versions (course.yaml: versions: {main: N, others: [...]})", a.Version)
				case a.Version == vs.Main:
					return course.Errorf(a.Pos, "output {pg=%d}: %d is the main version, whose expected output is the block's ```output block itself", a.Version, a.Version)
				case !vs.Has(a.Version):
					return course.Errorf(a.Pos, "output {pg=%d}: %d is not one of the course's versions (%s in course.yaml)", a.Version, a.Version, versionList(vs.All()))
				}
			}
			if b.Since != 0 {
				switch {
				case !vs.Declared():
					return course.Errorf(b.Pos, "since=%d: the course declares no versions (course.yaml: versions: {main: N, others: [...]})", b.Since)
				case b.Since > vs.Main:
					return course.Errorf(b.Pos, "since=%d is after the main version %d, which runs every block", b.Since, vs.Main)
				}
			}
		}
	}
	if vs.Declared() && !slices.Contains(m.Images(), vs.Ref(vs.Main)) {
		return course.Errorf(course.Pos{File: cc.Path(config.File)}, "versions: no service of the compose file runs %s (the main version's image); the matrix runs those services on %s for version N", vs.Ref(vs.Main), vs.Image+":N")
	}
	return nil
}

func versionList(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// Matrix runs the whole course once per version, each on a fresh stand of
// its own, going past every failing block (run.Options.Past) and never
// touching the chapters, and reports each block's status per version
// (same, differs, fails, skipped) on cfg.Log with a summary line per
// version. It updates the matrix record opt.File when set. The error is
// nil when the main version verifies (or did not run), whatever the other
// versions say; a *MainError when it does not; a content, environment or
// interrupt error as build has them. A version whose image cannot be had
// is reported as unavailable.
func Matrix(ctx context.Context, cfg Config, opt MatrixOptions) (*MatrixOutcome, error) {
	start := time.Now()
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, err
	}
	c, m, err := loadCourse(cfg)
	if err != nil {
		return nil, err
	}
	cc := cfg.Course
	vs := cc.Versions
	if cfg.Until != 0 {
		return nil, usageErrorf("-until: the matrix runs the whole course (its record is keyed by every block)")
	}
	if !vs.Declared() {
		return nil, course.Errorf(course.Pos{File: cc.Path(config.File), Line: 1}, "the course declares no versions: add versions: {main: 17, others: [15, 18]} to run the matrix")
	}
	versions := opt.Versions
	if len(versions) == 0 {
		versions = vs.All()
	}
	for _, v := range versions {
		if !vs.Has(v) {
			return nil, usageErrorf("-pg %d: not one of the course's versions (%s in course.yaml)", v, versionList(vs.All()))
		}
	}
	if opt.File != "" {
		if err := record.IsMatrix(opt.File); err != nil {
			return nil, &OutputError{Flag: "-matrix", Path: opt.File, Msg: fmt.Sprintf("%v; refusing to write over it", err)}
		}
	}
	if _, err := record.StandFiles(cc.StandDir()); err != nil {
		return nil, err
	}
	out := &MatrixOutcome{Main: vs.Main, Blocks: run.Blocks(c, 0)}
	runs := make([]record.MatrixRun, len(versions))
	errs := make([]error, len(versions))
	par := max(opt.Parallel, 1)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	logw := &lockedWriter{w: cfg.Log}
	for i, v := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			log := &prefixWriter{w: logw, prefix: fmt.Sprintf("[pg %d] ", v)}
			runs[i], errs[i] = matrixRun(ctx, cfg, c, m, v, log)
			if errs[i] == nil {
				fmt.Fprintf(log, "%s\n", summaryLine(&runs[i], vs.Main))
			}
			log.Flush()
		}()
		if par == 1 {
			wg.Wait()
		}
	}
	wg.Wait()
	out.Wall = time.Since(start)
	for i := range runs {
		if errs[i] == nil {
			out.Runs = append(out.Runs, runs[i])
		}
	}
	for _, err := range errs {
		if err != nil {
			// An interrupt, or an error before a version could run: the
			// versions that finished are kept in the record all the same.
			if len(out.Runs) > 0 && opt.File != "" {
				if werr := saveMatrix(cfg, opt.File, vs.Main, out.Runs); werr != nil {
					fmt.Fprintf(cfg.Log, "matrix: %v\n", werr)
				}
			}
			return out, err
		}
	}
	Report(cfg.Log, out)
	if opt.File != "" {
		if err := saveMatrix(cfg, opt.File, vs.Main, runs); err != nil {
			return out, err
		}
	}
	for _, r := range runs {
		if r.Version != vs.Main {
			continue
		}
		if r.Unavailable != "" || r.Error != "" {
			return out, &MainError{Version: r.Version, Msg: r.Unavailable + r.Error}
		}
		me := &MainError{Version: r.Version}
		for i := range r.Blocks {
			if r.Blocks[i].Status != record.StatusSame {
				if me.First == nil {
					me.First = &r.Blocks[i]
				}
				me.Count++
			}
		}
		if me.First != nil {
			return out, me
		}
	}
	return out, nil
}

// saveMatrix puts runs into the matrix record file, in place of the
// runs of the same versions it holds.
func saveMatrix(cfg Config, file string, main int, runs []record.MatrixRun) error {
	mx, err := record.ReadMatrix(file)
	if err != nil {
		fmt.Fprintf(cfg.Log, "matrix: %v; writing a new one\n", err)
		mx = nil
	}
	if mx == nil {
		mx = &record.Matrix{}
	}
	mx.Main = main
	for _, r := range runs {
		mx.Put(r)
	}
	if err := mx.Write(file); err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	fmt.Fprintf(cfg.Log, "matrix: %s written (%s)\n", file, versionList(runVersions(runs)))
	return nil
}

// usageErrorf is a usage mistake (exit 2) found here: a course.Error with
// no position would print a colon, so it is an OutputError-like value.
func usageErrorf(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// UsageError is a mistake on the command line found by the build (a
// version the course does not have): exit code 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// matrixRun runs the course on version v. Environment errors making the
// version's image ready make it unavailable, not an error; an interrupt
// is returned.
func matrixRun(ctx context.Context, cfg Config, c *course.Course, m *composefile.Model, v int, log io.Writer) (record.MatrixRun, error) {
	t0 := time.Now()
	cc := cfg.Course
	vs := cc.Versions
	mv := versionModel(m, vs, v)
	r := record.MatrixRun{Version: v, RanAt: t0.UTC()}
	env, err := matrixEnv(cc, mv)
	if err != nil {
		return r, err
	}
	r.Builder, r.Images, r.Stand = env.Builder, env.Images, env.Stand
	blocks := run.Blocks(c, 0)
	keys := record.VersionKeys(env, blocks, v)
	byRef, label, err := versionImages(ctx, cc, m, v, log)
	var ee *stand.EnvError
	if errors.As(err, &ee) {
		r.Unavailable = ee.Msg
		r.Elapsed = time.Since(t0)
		return r, nil
	}
	if err != nil {
		return r, err
	}
	st, err := stand.New(ctx, stand.Config{ComposeFile: cc.ComposeFile(), Model: m, Images: byRef, Log: log, Course: cc.Root})
	if err != nil {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.Error = err.Error()
		r.Elapsed = time.Since(t0)
		return r, nil
	}
	r.Image = label
	fmt.Fprintf(log, "stand %s on image %s\n", st.Project(), r.Image)
	res, rerr := run.Run(ctx, st, c, run.Options{Version: v, Past: true, OnBlock: chapterLines(log)})
	r.Server = st.Server()
	if cerr := st.Close(); cerr != nil && rerr == nil {
		rerr = &stand.EnvError{Msg: cerr.Error()}
	}
	r.Elapsed = time.Since(t0)
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if rerr != nil {
		r.Error = rerr.Error()
	}
	r.Blocks = matrixBlocks(blocks, keys, v, res)
	return r, nil
}

// versionImages makes the images of PostgreSQL major version v ready
// (stand.EnsureImages on the version's model: present, pulled, else made
// by course.yaml's fallback recipe for that reference) and returns them
// keyed by the compose file's references as written, which is what the
// stand runs: every service of the main version's image gets version v's.
// v = 0, or a course without versions, is the compose file as written.
// label names the images for the log, the record and the pages.
func versionImages(ctx context.Context, cc *config.Config, m *composefile.Model, v int, log io.Writer) (map[string]stand.Image, string, error) {
	vs := cc.Versions
	if v == 0 || !vs.Declared() {
		imgs, err := stand.EnsureImages(ctx, cc, m, log)
		if err != nil {
			return nil, "", err
		}
		return imgs, imagesLabel(m, imgs), nil
	}
	mv := versionModel(m, vs, v)
	imgs, err := stand.EnsureImages(ctx, cc, mv, log)
	if err != nil {
		return nil, "", err
	}
	byRef := map[string]stand.Image{}
	for _, ref := range m.Images() {
		if ref == vs.Ref(vs.Main) {
			byRef[ref] = imgs[vs.Ref(v)]
		} else {
			byRef[ref] = imgs[ref]
		}
	}
	return byRef, imagesLabel(mv, imgs), nil
}

// matrixEnv is the record environment of a run on the version model mv.
func matrixEnv(cc *config.Config, mv *composefile.Model) (record.Env, error) {
	images, err := imageKeys(cc, mv)
	if err != nil {
		return record.Env{}, err
	}
	return record.CurrentEnv(cc.StandDir(), images)
}

// matrixBlocks turns a Past run's results into each block's status on v.
// A run cut short by an error leaves the blocks after it out.
func matrixBlocks(blocks []*course.Block, keys []string, v int, res *run.Results) []record.MatrixBlock {
	if res == nil {
		return nil
	}
	failed := map[*course.Block]*run.BlockError{}
	for _, f := range res.Failures {
		failed[f.Block] = f
	}
	out := make([]record.MatrixBlock, 0, len(blocks))
	for i, b := range blocks {
		mb := record.MatrixBlock{Chapter: b.Pos.File, Line: b.Pos.Line, Key: keys[i], Status: record.StatusSame}
		if a := b.Alternative(v); a != nil {
			mb.Against = v
		}
		switch f := failed[b]; {
		case slices.Contains(res.Skipped, b):
			mb.Status, mb.Error = record.StatusSkipped, fmt.Sprintf("since %d: %s", b.Since, b.SinceWhy)
		case f != nil && f.Kind == run.KindMismatch:
			mb.Status, mb.Diff, mb.Output = record.StatusDiffers, f.Diff, f.Output
		case f != nil:
			mb.Status, mb.Error, mb.Output = record.StatusFails, f.Msg, f.Output
		case res.Blocks[b] == nil:
			return out // the run stopped before this block
		case mb.Against != 0:
			mb.Output = res.Blocks[b].Output // shown under the block, confirmed
		}
		out = append(out, mb)
	}
	return out
}

// summaryLine is one version's line of the report.
func summaryLine(r *record.MatrixRun, main int) string {
	name := fmt.Sprintf("PostgreSQL %d", r.Version)
	if r.Version == main {
		name += " (main)"
	}
	if r.Unavailable != "" {
		return fmt.Sprintf("%s: unavailable: %s", name, r.Unavailable)
	}
	n := r.Summary()
	s := fmt.Sprintf("%s: %d same, %d differ, %d fail, %d skipped (%s)", name,
		n[record.StatusSame], n[record.StatusDiffers], n[record.StatusFails], n[record.StatusSkipped], r.Elapsed.Round(time.Second))
	if r.Error != "" {
		s += "; stopped: " + firstLine(r.Error)
	}
	return s
}

// Report writes the matrix's report: every block that is not the same on
// some version, with its diff or error per version, then a summary line
// per version.
func Report(w io.Writer, o *MatrixOutcome) {
	fmt.Fprintf(w, "\nPostgreSQL version matrix: %d blocks × %s (%s)\n", len(o.Blocks), versionList(runVersions(o.Runs)), o.Wall.Round(time.Second))
	for i, b := range o.Blocks {
		var lines []string
		for _, r := range o.Runs {
			if i >= len(r.Blocks) || r.Blocks[i].Status == record.StatusSame {
				continue
			}
			mb := r.Blocks[i]
			head := fmt.Sprintf("  PostgreSQL %d: %s", r.Version, mb.Status)
			if mb.Against != 0 {
				head += fmt.Sprintf(" (against its pg=%d output)", mb.Against)
			}
			lines = append(lines, head)
			if t := strings.TrimRight(mb.Diff+mb.Error, "\n"); t != "" {
				lines = append(lines, indentLines(t, "    "))
			}
			if out := strings.TrimRight(mb.Output, "\n"); mb.Status == record.StatusFails && out != "" {
				lines = append(lines, "    output:", indentLines(headLines(out, 12), "      "))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(w, "%s: %s on %s: %s\n%s\n", b.Pos, b.Lang, b.Node, b.Command(), strings.Join(lines, "\n"))
		}
	}
	for i := range o.Runs {
		fmt.Fprintln(w, summaryLine(&o.Runs[i], o.Main))
	}
}

func runVersions(runs []record.MatrixRun) []int {
	var vs []int
	for _, r := range runs {
		vs = append(vs, r.Version)
	}
	return vs
}

func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// headLines is the first n lines of s, with a note of how many more.
func headLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n[%d more lines]", len(lines)-n)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// chapterLines prints one line per chapter as a run reaches it.
func chapterLines(w io.Writer) func(i, n int, b *course.Block, r *course.Result) {
	var current *course.Chapter
	return func(i, n int, b *course.Block, r *course.Result) {
		if r == nil && b.Chapter != current {
			current = b.Chapter
			fmt.Fprintf(w, "%s (block %d/%d)\n", b.Chapter.File, i+1, n)
		}
	}
}

// MatrixView reads the matrix record at file for the site: each version's
// run with, for a stale one, why (record.MatrixRun.Stale, decided without
// Docker). A missing record is a nil view; an unreadable one is reported
// on log and left out.
func MatrixView(cfg Config, c *course.Course, m *composefile.Model, file string) *render.Matrix {
	if file == "" || !cfg.Course.Versions.Declared() {
		return nil
	}
	mx, err := record.ReadMatrix(file)
	if err != nil {
		fmt.Fprintf(cfg.Log, "matrix: cannot read %s (%v); the versions page says so\n", file, err)
		return &render.Matrix{Main: cfg.Course.Versions.Main, Problem: err.Error()}
	}
	blocks := run.Blocks(c, 0)
	view := &render.Matrix{Main: cfg.Course.Versions.Main, Blocks: blocks}
	if mx == nil {
		return view
	}
	for _, r := range mx.Versions {
		mv := versionModel(m, cfg.Course.Versions, r.Version)
		why := "the version is no longer one of the course's versions"
		if cfg.Course.Versions.Has(r.Version) {
			if env, err := matrixEnv(cfg.Course, mv); err != nil {
				why = err.Error()
			} else {
				why = r.Stale(env, blocks)
			}
		}
		view.Runs = append(view.Runs, render.MatrixRun{Run: r, Stale: why})
	}
	return view
}

// lockedWriter serializes writes of whole lines from versions run at the
// same time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter writes each complete line with prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    bytes.Buffer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf.Write(b)
	for {
		i := bytes.IndexByte(p.buf.Bytes(), '\n')
		if i < 0 {
			return len(b), nil
		}
		line := p.buf.Next(i + 1)
		if _, err := p.w.Write(append([]byte(p.prefix), line...)); err != nil {
			return len(b), err
		}
	}
}

// Flush writes a last line without its newline.
func (p *prefixWriter) Flush() {
	if p.buf.Len() > 0 {
		p.w.Write(append([]byte(p.prefix), append(p.buf.Bytes(), '\n')...))
		p.buf.Reset()
	}
}

// MergeMatrix merges the matrix records files (one per CI job, say) into
// the matrix record into: each version's run replaces the one into holds,
// the later file's winning when two hold the same version. Nothing runs.
func MergeMatrix(cfg Config, files []string, into string) error {
	cfg, err := cfg.withCourse()
	if err != nil {
		return err
	}
	if err := record.IsMatrix(into); err != nil {
		return &OutputError{Flag: "-matrix", Path: into, Msg: fmt.Sprintf("%v; refusing to write over it", err)}
	}
	mx, err := record.ReadMatrix(into)
	if err != nil {
		return err
	}
	if mx == nil {
		mx = &record.Matrix{}
	}
	mx.Main = cfg.Course.Versions.Main
	for _, f := range files {
		m, err := record.ReadMatrix(f)
		if err != nil {
			return err
		}
		if m == nil {
			return &UsageError{Msg: fmt.Sprintf("-from %s: no such file", f)}
		}
		for _, r := range m.Versions {
			mx.Put(r)
			fmt.Fprintf(cfg.Log, "matrix: PostgreSQL %d from %s\n", r.Version, f)
		}
	}
	if err := mx.Write(into); err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	fmt.Fprintf(cfg.Log, "matrix: %s written (%d versions)\n", into, len(mx.Versions))
	return nil
}
