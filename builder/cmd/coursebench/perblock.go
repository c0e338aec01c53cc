package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/load"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// perBlock measures what one block costs the builder, end to end through
// the runner (session, formatting, comparison), on a stand with only the
// primary: SQL blocks, shell blocks, and — for comparison — the same SQL
// run as a psql process per block, as a naive runner would.
func perBlock(ctx context.Context, r *strings.Builder, root string, n int) (err error) {
	img, err := stand.EnsureImage(ctx, stand.DefaultSource(root), io.Discard)
	if err != nil {
		return err
	}
	st, err := stand.New(ctx, stand.Config{ComposeFile: filepath.Join(root, "stand", "compose.yaml"), Image: img})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := st.Host(ctx, course.HostStep{Verb: "up", Services: []string{course.Primary}}, io.Discard); err != nil {
		return err
	}
	sql, err := timeBlocks(ctx, st, root, n, "```sql {node=primary}\nSELECT 1 AS one;\n```\n\n```output\n one \n-----\n   1\n(1 row)\n```\n")
	if err != nil {
		return err
	}
	sh, err := timeBlocks(ctx, st, root, n/4, "```sh {node=primary}\necho ok\n```\n\n```output\nok\n```\n")
	if err != nil {
		return err
	}
	psql, err := timeBlocks(ctx, st, root, n/4, "```sh {node=primary}\npsql -X -c 'SELECT 1 AS one;'\n```\n\n```output\n one \n-----\n   1\n(1 row)\n```\n")
	if err != nil {
		return err
	}
	fmt.Fprintf(r, "## Per-block cost (through the runner: execute, format, compare)\n\n| block | per block |\n|---|---|\n")
	fmt.Fprintf(r, "| SQL `SELECT 1` in the node's session (%d blocks) | %.2f ms |\n", n, ms(sql))
	fmt.Fprintf(r, "| shell `echo ok` by container exec (%d blocks) | %.2f ms |\n", n/4, ms(sh))
	fmt.Fprintf(r, "| the same SQL as a `psql` process per block (%d blocks) | %.2f ms |\n\n", n/4, ms(psql))
	fmt.Fprintf(r, "A psql process per block costs %.1f× the builder's SQL path.\n\n", float64(psql)/float64(sql))
	return nil
}

// timeBlocks runs n copies of one block through the runner and returns the
// mean wall time per block.
func timeBlocks(ctx context.Context, st run.Stand, root string, n int, block string) (time.Duration, error) {
	src := "---\ntitle: bench\n---\n\n" + strings.Repeat(block+"\n", n)
	ch, err := load.Chapter("bench.md", []byte(src), filepath.Join(root, "stand"))
	if err != nil {
		return 0, err
	}
	c := &course.Course{Chapters: []*course.Chapter{ch}}
	start := time.Now()
	if _, err := run.Run(ctx, st, c, run.Options{}); err != nil {
		return 0, err
	}
	return time.Since(start) / time.Duration(n), nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
