package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/coursefs"
	"replcourse/builder/record"
	"replcourse/builder/render"
	"replcourse/builder/run"
)

// cache decides whether a build can take its results from the record, and
// records a verified run. Deciding needs no Docker: the images are named
// by their references and their fallbacks (see imageKeys).
type cache struct {
	cfg    Config
	blocks []*course.Block
	env    record.Env
	rec    *record.Record // the record read, stale or not; nil if none
	res    *run.Results   // the recorded results, checked; nil unless rec is current
}

func openCache(cfg Config, m *composefile.Model, blocks []*course.Block) (*cache, error) {
	rc := &cache{cfg: cfg, blocks: blocks}
	if cfg.Record == "" {
		return rc, nil
	}
	cfg, err := cfg.withCourse()
	if err != nil {
		return nil, err
	}
	rc.cfg = cfg
	env, err := recordEnv(cfg, m)
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

// RecordEnv is the environment a record of the course at cfg.Root is
// keyed by (record.Env): the builder, the compose file's images with
// their fallbacks (imageKeys), every file of the stand folder.
func RecordEnv(cfg Config) (record.Env, error) {
	_, m, err := loadCourse(cfg)
	if err != nil {
		return record.Env{}, err
	}
	cfg, err = cfg.withCourse()
	if err != nil {
		return record.Env{}, err
	}
	return recordEnv(cfg, m)
}

func recordEnv(cfg Config, m *composefile.Model) (record.Env, error) {
	images, err := imageKeys(cfg.Course, m)
	if err != nil {
		return record.Env{}, err
	}
	return record.CurrentEnv(cfg.Course.StandDir(), images)
}

// imageKeys names the images a run may use, for the record's key: each
// reference of the compose file, as written, in order; one with a
// fallback in course.yaml also names the fallback's tag and recipe, with
// a hash of the recipe's content ("postgres:17 else replcourse/postgres:17
// by stand/image/build.sh sha256:…"), so editing the recipe, even outside
// the stand folder, or the tag makes the record stale. The images' ids
// are not in it: deciding needs no Docker, and a newer pull under the same
// tag keeps the record (-fresh runs anyway).
func imageKeys(cc *config.Config, m *composefile.Model) ([]string, error) {
	var keys []string
	for _, ref := range m.Images() {
		fb, ok := cc.Fallback(ref)
		if !ok {
			keys = append(keys, ref)
			continue
		}
		data, _, err := coursefs.ReadFile(cc.Root, cc.Path(fb.Recipe))
		if err != nil {
			return nil, course.Errorf(course.Pos{File: cc.Path(config.File)}, "images: %q: recipe %s: %v", ref, fb.Recipe, err)
		}
		sum := sha256.Sum256(data)
		keys = append(keys, fmt.Sprintf("%s else %s by %s sha256:%s", ref, fb.Tag, fb.Recipe, hex.EncodeToString(sum[:])))
	}
	return keys, nil
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
