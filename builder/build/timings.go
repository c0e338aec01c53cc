package build

import (
	"time"

	"replcourse/builder/course"
)

// Timings records where a build's time went, for benchmarks and reports.
type Timings struct {
	Load, Image, Run, Render, Teardown, Total time.Duration

	Chapters []ChapterTime // within Run
	Blocks   []BlockTime   // within Run
}

// ChapterTime is the wall time of one chapter's blocks, overhead included.
type ChapterTime struct {
	File string
	Wall time.Duration
}

// BlockTime is one executed block and its wall time, retries of an
// eventually block and the waits between them included.
type BlockTime struct {
	Block    *course.Block
	Duration time.Duration
	Attempts int
}

// Executed is the time spent inside executed blocks.
func (t *Timings) Executed() time.Duration {
	var d time.Duration
	for _, b := range t.Blocks {
		d += b.Duration
	}
	return d
}

// observe wraps a run.Options OnBlock callback so that it also records
// per-chapter and per-block times.
func (t *Timings) observe(next func(i, n int, b *course.Block, r *course.Result)) func(i, n int, b *course.Block, r *course.Result) {
	var chStart time.Time
	var current *course.Chapter
	return func(i, n int, b *course.Block, r *course.Result) {
		now := time.Now()
		if r == nil && b.Chapter != current {
			if current != nil {
				t.Chapters = append(t.Chapters, ChapterTime{File: current.File, Wall: now.Sub(chStart)})
			}
			current, chStart = b.Chapter, now
		}
		if r != nil {
			t.Blocks = append(t.Blocks, BlockTime{Block: b, Duration: r.Elapsed, Attempts: r.Attempts})
			if i == n-1 {
				t.Chapters = append(t.Chapters, ChapterTime{File: current.File, Wall: now.Sub(chStart)})
			}
		}
		if next != nil {
			next(i, n, b, r)
		}
	}
}
