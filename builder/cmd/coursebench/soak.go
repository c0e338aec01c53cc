package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"replcourse/builder/build"
)

// soak runs n full verified builds, each from a fresh stand, and reports
// how many passed and the spread of their wall times.
func soak(ctx context.Context, root string, n int) error {
	var times []time.Duration
	passed := 0
	for i := 1; i <= n; i++ {
		public, err := os.MkdirTemp("", "coursebench-soak-")
		if err != nil {
			return err
		}
		start := time.Now()
		err = build.Site(ctx, build.Config{Root: root, Public: public, Log: io.Discard})
		d := time.Since(start)
		os.RemoveAll(public)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			passed++
			times = append(times, d)
			fmt.Printf("build %d/%d: passed in %.1f s\n", i, n, d.Seconds())
		} else {
			fmt.Printf("build %d/%d: FAILED after %.1f s: %v\n", i, n, d.Seconds(), err)
		}
	}
	fmt.Printf("soak: %d/%d builds passed", passed, n)
	if len(times) > 0 {
		slices.Sort(times)
		fmt.Printf("; wall time min %.1f s, median %.1f s, max %.1f s",
			times[0].Seconds(), times[len(times)/2].Seconds(), times[len(times)-1].Seconds())
	}
	fmt.Println()
	if passed < n {
		return fmt.Errorf("%d of %d builds failed", n-passed, n)
	}
	return nil
}
