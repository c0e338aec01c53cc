// Command coursebench measures the builder on this machine and records the
// figures under bench/: a full verified build of the course from a fresh
// stand with its breakdown, the builder's own overhead, the per-block cost
// of SQL and shell blocks, and SQL through the builder's session against a
// psql process per block.
//
//	coursebench [-root DIR] [-n 200] [-out bench/]
//	coursebench -soak N     N full verified builds: pass count and wall times
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"replcourse/builder/build"
	"replcourse/builder/course"
)

func main() {
	root := flag.String("root", ".", "repository root")
	n := flag.Int("n", 200, "blocks per per-block measurement")
	out := flag.String("out", "bench", "directory for the results file")
	soakN := flag.Int("soak", 0, "run this many full verified builds and report pass count and wall times")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *soakN > 0 {
		err = soak(ctx, *root, *soakN)
	} else {
		err = bench(ctx, *root, *n, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "coursebench:", err)
		os.Exit(1)
	}
}

func bench(ctx context.Context, root string, n int, outDir string) error {
	var r strings.Builder
	header(&r)
	var tm build.Timings
	public, err := os.MkdirTemp("", "coursebench-public-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(public)
	// The course is copied so that the record and the prose edit below
	// touch neither the repository's record nor its chapters.
	work, err := copyCourse(root)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	rec := filepath.Join(work, "record.json")
	fmt.Fprintln(os.Stderr, "full verified build …")
	cfg := build.Config{Root: work, Public: public, Log: io.Discard, Timings: &tm, Record: rec, Fresh: true}
	if err := build.Site(ctx, cfg); err != nil {
		return err
	}
	fullBuild(&r, &tm)
	fmt.Fprintln(os.Stderr, "prose-edit rebuild …")
	if err := proseEdit(ctx, &r, work, public, rec); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "per-block costs …")
	if err := perBlock(ctx, &r, root, n); err != nil {
		return err
	}
	peakRSS(&r)
	fmt.Print(r.String())
	return save(outDir, r.String())
}

func header(r *strings.Builder) {
	fmt.Fprintf(r, "# Builder benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(r, "- machine: %s, %d cores, %s\n", cpuModel(), runtime.NumCPU(), memTotal())
	fmt.Fprintf(r, "- %s, %s/%s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func fullBuild(r *strings.Builder, tm *build.Timings) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }
	fmt.Fprintf(r, "## Full verified build (fresh stand, image present)\n\n| stage | time |\n|---|---|\n")
	fmt.Fprintf(r, "| load and check chapters | %s |\n| image check | %s |\n", ms(tm.Load), ms(tm.Image))
	var hosts time.Duration
	for _, b := range tm.Blocks {
		if b.Block.Node == course.Host {
			hosts += b.Duration
		}
	}
	fmt.Fprintf(r, "| container starts and stops (host blocks) | %s |\n", ms(hosts))
	for _, c := range tm.Chapters {
		fmt.Fprintf(r, "| chapter %s | %s |\n", filepath.Base(c.File), ms(c.Wall))
	}
	fmt.Fprintf(r, "| render | %s |\n| teardown | %s |\n| **total** | **%s** |\n\n", ms(tm.Render), ms(tm.Teardown), ms(tm.Total))
	exec := tm.Executed()
	over := tm.Total - exec
	fmt.Fprintf(r, "Executed blocks (host steps, and the retries and waits of eventually blocks, included): %d, %s. "+
		"Builder overhead (everything else: loading, image check, sessions, comparison, rendering, teardown): %s = %.1f %% of the total.\n\n",
		len(tm.Blocks), ms(exec), ms(over), 100*float64(over)/float64(tm.Total))
	slowest(r, tm)
}

// slowest lists the blocks that took longest, where waits show up.
func slowest(r *strings.Builder, tm *build.Timings) {
	bs := append([]build.BlockTime(nil), tm.Blocks...)
	for i := range bs {
		for j := i + 1; j < len(bs); j++ {
			if bs[j].Duration > bs[i].Duration {
				bs[i], bs[j] = bs[j], bs[i]
			}
		}
	}
	fmt.Fprintf(r, "Slowest blocks:\n\n| block | node | time | attempts |\n|---|---|---|---|\n")
	for _, b := range bs[:min(8, len(bs))] {
		fmt.Fprintf(r, "| %s:%d `%s` | %s | %.0f ms | %d |\n", filepath.Base(b.Block.Pos.File), b.Block.Pos.Line, strings.ReplaceAll(b.Block.Command(), "|", "\\|"),
			b.Block.Node, float64(b.Duration)/1e6, b.Attempts)
	}
	r.WriteString("\n")
}

func peakRSS(r *strings.Builder) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		fmt.Fprintf(r, "Peak RSS of the builder process: %.1f MB\n", float64(ru.Maxrss)/1024)
	}
}

func save(dir, report string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(dir, time.Now().UTC().Format("2006-01-02T1504")+".md")
	fmt.Fprintln(os.Stderr, "written to", name)
	return os.WriteFile(name, []byte(report), 0o644)
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int
			fmt.Sscan(v, &kb)
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown memory"
}

// proseEdit changes one sentence of the first chapter and rebuilds: the
// results must come from the record, with no stand.
func proseEdit(ctx context.Context, r *strings.Builder, work, public, rec string) error {
	chapters, err := filepath.Glob(filepath.Join(work, "content", "*.md"))
	if err != nil || len(chapters) == 0 {
		return fmt.Errorf("no chapters in %s", work)
	}
	f, err := os.OpenFile(chapters[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\nOne more sentence of prose.\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	start := time.Now()
	out, err := build.Build(ctx, build.Config{Root: work, Public: public, Log: io.Discard, Record: rec})
	d := time.Since(start)
	if err != nil {
		return err
	}
	if !out.FromRecord {
		return fmt.Errorf("a prose edit re-ran the course instead of using the record")
	}
	fmt.Fprintf(r, "## Prose-edit rebuild (from the record, no Docker)\n\n%.0f ms for the whole course.\n\n", ms(d))
	return nil
}

// copyCourse copies content/ and stand/ into a new temporary root.
func copyCourse(root string) (string, error) {
	dst, err := os.MkdirTemp("", "coursebench-course-")
	if err != nil {
		return "", err
	}
	for _, dir := range []string{"content", "stand"} {
		if err := os.CopyFS(filepath.Join(dst, dir), os.DirFS(filepath.Join(root, dir))); err != nil {
			os.RemoveAll(dst)
			return "", err
		}
	}
	return dst, nil
}
