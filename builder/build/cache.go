package build

import (
	"fmt"
	"strings"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/record"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// cache decides whether a build can take its results from the record, and
// records a verified run. Deciding needs no Docker: the image is named by
// its refs and its recipe (stand/image/, part of the stand files).
type cache struct {
	cfg    Config
	blocks []*course.Block
	env    record.Env
	rec    *record.Record // the record read, stale or not; nil if none
	res    *run.Results   // the recorded results, checked; nil unless rec is current
}

func openCache(cfg Config, blocks []*course.Block) (*cache, error) {
	rc := &cache{cfg: cfg, blocks: blocks}
	if cfg.Record == "" {
		return rc, nil
	}
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, err
	}
	rc.cfg = cfg
	src := stand.DefaultSource(cfg.Root)
	env, err := record.CurrentEnv(cfg.Course.StandDir(), []string{src.Official, src.Local})
	if err != nil {
		return nil, err
	}
	rc.env = env
	if rc.rec, err = record.Read(cfg.Record); err != nil {
		fmt.Fprintf(cfg.Log, "record: cannot read it (%v); running the course from a fresh stand\n", err)
		return rc, nil
	}
	if cfg.Fresh {
		fmt.Fprintf(cfg.Log, "record: -fresh; running the course from a fresh stand\n")
		return rc, nil
	}
	// Use checks every recorded result as a run would have, so a record
	// edited by hand is stale, never shown as verified.
	res, why := rc.rec.Use(env, blocks)
	switch {
	case why == "":
		rc.res = res
		fmt.Fprintf(cfg.Log, "record: %s is current (verified %s against %s); nothing that runs changed, so Docker is not needed\n",
			cfg.Record, rc.rec.VerifiedAt.Format(time.RFC3339), rc.rec.Image)
	case rc.rec == nil:
		fmt.Fprintf(cfg.Log, "record: none at %s yet; running the course from a fresh stand\n", cfg.Record)
	default:
		fmt.Fprintf(cfg.Log, "record: %s is stale; running the course from a fresh stand:\n  %s\n", cfg.Record, strings.ReplaceAll(why, "\n", "\n  "))
	}
	return rc, nil
}

func (rc *cache) hit() bool { return rc.res != nil }

func (rc *cache) results() *run.Results { return rc.res }

func (rc *cache) verified() render.Verified {
	return render.Verified{Server: rc.rec.Server, Image: rc.rec.Image, BuiltAt: rc.rec.VerifiedAt}
}

// prior is the last record's time per block, stale or not, for the
// progress estimate.
func (rc *cache) prior() []time.Duration { return rc.rec.Timings() }

// save records a verified run.
func (rc *cache) save(res *run.Results, v render.Verified) error {
	if rc.cfg.Record == "" {
		return nil
	}
	r := record.New(rc.env, rc.blocks, res, record.Verified{At: v.BuiltAt, Server: v.Server, Image: v.Image})
	if err := r.Write(rc.cfg.Record); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	fmt.Fprintf(rc.cfg.Log, "record: %s written (%d blocks)\n", rc.cfg.Record, len(r.Blocks))
	return nil
}
