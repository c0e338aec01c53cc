package render

// Render-only throughput on a synthetic course of 1,000 chapters shaped
// like the real ones. Run with `make bench-render`:
//
//	BenchmarkRender1000    a first build: every block highlighted
//	BenchmarkRerender1000  a rebuild through the same Cache: no block changed
//
// Each reports ms/page (wall time per chapter page; the index, print.html
// and the search index are part of the time), cpu-ms/page (user and
// system time: steadier on a shared machine), the peak of live heap
// objects during the timed builds, and the process's peak RSS.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/load"
)

const benchChapters = 1000

// words are the prose's vocabulary.
var words = strings.Fields(`the primary streams its write-ahead log to a replica which replays every record
in order so that both servers hold the same data a replication slot keeps the segments until
the standby confirms them lag grows when the replica falls behind and shrinks when it catches up
promotion turns the standby into a primary of its own on a new timeline`)

// benchChapter writes one chapter: about 600 words of prose, 8 headings,
// 12 sql or sh blocks, each followed by an output of 5 to 20 lines.
func benchChapter(n int, r *rand.Rand) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: Chapter %d of the synthetic course\n---\n\n", n)
	block := 0
	for h := range 8 {
		fmt.Fprintf(&b, "## Section %d.%d about %s\n\n", n, h+1, words[r.IntN(len(words))])
		for p := range 2 {
			for range 37 + p {
				b.WriteString(words[r.IntN(len(words))] + " ")
			}
			b.WriteString("\n\n")
			if block < 12 && (p == 0 || h%2 == 0) {
				benchBlock(&b, n, block, r)
				block++
			}
		}
	}
	return b.String()
}

func benchBlock(b *strings.Builder, n, i int, r *rand.Rand) {
	if i%3 == 2 {
		fmt.Fprintf(b, "```sh {node=replica}\npg_controldata -D /var/lib/postgresql/data | grep -E 'state|timeline' # %d.%d\n```\n\n", n, i)
	} else {
		fmt.Fprintf(b, "```sql {node=primary}\nSELECT slot_name, active, restart_lsn, wal_status\nFROM pg_replication_slots\nWHERE slot_name = 'slot_%d_%d'\nORDER BY slot_name;\n```\n\n", n, i)
	}
	b.WriteString("```output\n slot_name | active | restart_lsn | wal_status\n-----------+--------+-------------+------------\n")
	rows := 5 + r.IntN(16) - 3
	for j := range rows {
		fmt.Fprintf(b, " slot_%d_%d | t      | 0/%X     | reserved\n", n, j, 0x3000000+r.IntN(1<<20))
	}
	fmt.Fprintf(b, "(%d rows)\n```\n\n", rows)
}

// benchSite writes and loads the synthetic course, with every block's
// output as its result.
func benchSite(b *testing.B) *Site {
	b.Helper()
	dir := b.TempDir()
	content, stand := filepath.Join(dir, "content"), filepath.Join(dir, "stand")
	for _, d := range []string{content, stand} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= benchChapters; n++ {
		name := filepath.Join(content, fmt.Sprintf("%04d-chapter-%d.md", n, n))
		if err := os.WriteFile(name, []byte(benchChapter(n, r)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	c, err := load.Dir(content, stand)
	if err != nil {
		b.Fatal(err)
	}
	s := &Site{Course: c, Results: map[*course.Block]*course.Result{}, Verified: Verified{Server: "PostgreSQL 17", BuiltAt: time.Now()}}
	for _, blk := range c.Blocks() {
		s.Results[blk] = &course.Result{Output: blk.Expected}
	}
	return s
}

// peakHeap samples the live heap while the benchmark runs; stop returns
// the highest value seen, in bytes.
func peakHeap() (stop func() uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan uint64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-ctx.Done():
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { cancel(); return <-done }
}

func rusage() syscall.Rusage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // zeros on failure: the metrics read 0
	return ru
}

// cpuTime is the process's user and system time so far: on a shared
// machine it varies less than the wall time.
func cpuTime(ru syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchWrite times Write of s, b.N times, and reports the figures.
func benchWrite(b *testing.B, s *Site) Stats {
	public := filepath.Join(b.TempDir(), "public")
	runtime.GC()
	stop := peakHeap()
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime(rusage())
	var st Stats
	for range b.N {
		var err error
		if st, err = Write(context.Background(), s, public); err != nil {
			b.Fatal(err)
		}
	}
	elapsed, ru := time.Since(start), rusage()
	b.StopTimer()
	peak := stop()
	pages := float64(b.N * benchChapters)
	b.ReportMetric(float64(elapsed.Microseconds())/1000/pages, "ms/page")
	b.ReportMetric(float64((cpuTime(ru)-cpu).Microseconds())/1000/pages, "cpu-ms/page")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB") // Maxrss is in KiB on Linux
	b.ReportMetric(float64(st.SearchIndexBytes)/(1<<20), "index-MiB")
	return st
}

func BenchmarkRender1000(b *testing.B) {
	s := benchSite(b)
	st := benchWrite(b, s)
	if st.CacheHits != 0 || st.Highlighted < benchChapters*12 {
		b.Errorf("a first build highlighted %d blocks, %d from a cache: want all %d", st.Highlighted, st.CacheHits, benchChapters*12)
	}
}

func BenchmarkRerender1000(b *testing.B) {
	s := benchSite(b)
	s.Cache = NewCache()
	if _, err := Write(context.Background(), s, filepath.Join(b.TempDir(), "public")); err != nil {
		b.Fatal(err)
	}
	st := benchWrite(b, s)
	if st.Highlighted != 0 {
		b.Errorf("a rebuild with no block changed highlighted %d blocks", st.Highlighted)
	}
}
