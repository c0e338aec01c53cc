package build

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/progress"
	"replcourse/builder/record"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
	"replcourse/builder/update"
)

// Updated is what an update rewrote.
type Updated struct {
	Files   []update.File
	Ran     int               // blocks that ran
	Matched int               // of them, blocks whose expectation was right
	Stuck   []*run.BlockError // mismatches Mask could not express differently
	// NoAlternative are the blocks that differ on the version an update
	// ran on (Config.Version) and have no ```output {pg=N} block for it:
	// update -pg N rewrites alternatives only, never the main output.
	NoAlternative []*run.BlockError
	Version       int
}

// Update runs the course on a fresh stand, going past mismatches, and
// rewrites each expectation that did not match from the real output (see
// check.Mask: placeholders kept, volatile values masked), leaving every
// other byte of every chapter as it was. It still stops at a hard error —
// a timeout, a block that fails without fails=true, or one declared
// fails=true that now succeeds (update never changes attributes: that is
// the author's call) — and then rewrites what it fixed before that block.
// It writes neither public/ nor the record: the run went past mismatches,
// so it verified nothing. An interrupted update writes nothing.
func Update(ctx context.Context, cfg Config) (*Updated, error) {
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, err
	}
	c, m, err := loadCourse(cfg)
	if err != nil {
		return nil, err
	}
	vs := cfg.Course.Versions
	if cfg.Version == vs.Main {
		cfg.Version = 0
	}
	if cfg.Version != 0 && !vs.Has(cfg.Version) {
		return nil, usageErrorf("-pg %d: not one of the course's versions (%s in course.yaml)", cfg.Version, versionList(vs.All()))
	}
	tm := &Timings{}
	var res *run.Results
	var v render.Verified
	runErr := onStand(ctx, cfg, m, tm, priorTimings(cfg), func(st *stand.Stand, pr *progress.Printer) error {
		var err error
		res, err = run.Run(ctx, st, c, run.Options{Until: cfg.Until, OnBlock: pr.OnBlock, KeepGoing: true, Version: cfg.Version})
		return err
	}, &v)
	return applyUpdate(ctx, cfg, c, res, runErr)
}

// applyUpdate rewrites the expectations of the mismatches a KeepGoing run
// went past, and reports the run's own error after that.
func applyUpdate(ctx context.Context, cfg Config, c *course.Course, res *run.Results, runErr error) (*Updated, error) {
	var be *run.BlockError
	if res == nil || ctx.Err() != nil || runErr != nil && !errors.As(runErr, &be) {
		return nil, runErr // interrupted, or nothing ran (Docker, image): write nothing
	}
	u := &Updated{Ran: len(res.Blocks), Matched: len(res.Blocks) - len(res.Mismatches), Version: cfg.Version}
	var changes []update.Change
	for _, m := range res.Mismatches {
		want, alt := m.Block.ExpectedFor(cfg.Version)
		if cfg.Version != 0 && alt == nil {
			// On another version only its alternatives are rewritten;
			// the block's own output is the main version's.
			u.NoAlternative = append(u.NoAlternative, m)
			continue
		}
		if update.Same(m.Masked, want) {
			u.Stuck = append(u.Stuck, m)
			continue
		}
		changes = append(changes, update.Change{Block: m.Block, Text: m.Masked, Version: cfg.Version})
	}
	cfg, err := cfg.withCourse()
	if err != nil {
		return u, err
	}
	files, err := update.Apply(changes, cfg.Course.StandDir())
	if err != nil {
		return u, err
	}
	if err := Validate(rewritten(c, files)); err != nil {
		return u, fmt.Errorf("update: the rewritten expectations would not be valid, nothing was written: %w", err)
	}
	if err := update.Write(files); err != nil {
		var we *update.WriteError
		if errors.As(err, &we) && len(we.Replaced) > 0 {
			u.Files = replaced(files, we.Replaced) // the error names the rest
			u.summary(cfg)
		}
		return u, err
	}
	u.Files = files
	u.summary(cfg)
	if be != nil {
		fmt.Fprintf(cfg.Log, "update: stopped at %s; the expectations before it are up to date, the ones after it were not checked\n", be.Block.Pos)
		return u, runErr
	}
	if len(u.Stuck) > 0 {
		return u, u.Stuck[0]
	}
	if len(u.NoAlternative) > 0 {
		return u, u.NoAlternative[0]
	}
	return u, nil
}

// replaced are the files whose paths are in paths.
func replaced(files []update.File, paths []string) []update.File {
	var out []update.File
	for _, f := range files {
		if slices.Contains(paths, f.Path) {
			out = append(out, f)
		}
	}
	return out
}

// rewritten is c with the rewritten chapters in place of the old ones.
func rewritten(c *course.Course, files []update.File) *course.Course {
	out := *c
	out.Chapters = append([]*course.Chapter(nil), c.Chapters...)
	for _, f := range files {
		for i, ch := range out.Chapters {
			if ch.File == f.Path {
				out.Chapters[i] = f.Chapter
			}
		}
	}
	return &out
}

// summary lists the rewritten blocks, file:line each.
func (u *Updated) summary(cfg Config) {
	n := 0
	for _, f := range u.Files {
		for _, b := range f.Blocks {
			fmt.Fprintf(cfg.Log, "updated %s (%s on %s: %s)\n", b.Pos, b.Lang, b.Node, b.Command())
			n++
		}
	}
	for _, m := range u.Stuck {
		fmt.Fprintf(cfg.Log, "cannot update %s: the output differs in a way the expectation cannot be rewritten to match\n", m.Block.Pos)
	}
	for _, m := range u.NoAlternative {
		fmt.Fprintf(cfg.Log, "%s: differs on PostgreSQL %d and has no output {pg=%d} block: add one (it may be empty) right after its output block, and update -pg %d fills it\n", m.Block.Pos, u.Version, u.Version, u.Version)
	}
	if n == 0 {
		fmt.Fprintf(cfg.Log, "update: no expectation changed; %d of %d blocks that ran matched as written\n", u.Matched, u.Ran)
		return
	}
	fmt.Fprintf(cfg.Log, "update: rewrote %s in %s; %d of %d blocks that ran matched as written\n",
		plural(n, "expectation"), plural(len(u.Files), "file"), u.Matched, u.Ran)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// priorTimings are the record's block times, stale or not, for the
// progress estimate; none without a readable record.
func priorTimings(cfg Config) []time.Duration {
	if cfg.Record == "" {
		return nil
	}
	rec, err := record.Read(cfg.Record)
	if err != nil {
		return nil
	}
	return rec.Timings()
}
