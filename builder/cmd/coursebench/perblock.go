package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/load"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// perBlock measures what one block costs the builder, end to end through
// the runner (session, formatting, comparison), on a stand with only the
// course's first PostgreSQL service (outside any profile, publishing its
// PostgreSQL port): SQL blocks, shell blocks, and — for comparison — the
// same SQL run as a psql process per block, as a naive runner would.
func perBlock(ctx context.Context, r *strings.Builder, root string, n int) (err error) {
	cc, err := config.Load(root)
	if err != nil {
		return err
	}
	m, err := composefile.Load(ctx, root, cc.ComposeFile())
	if err != nil {
		return err
	}
	node := ""
	for _, svc := range m.Services {
		if _, ok := svc.Published(svc.Postgres.Port); ok && len(svc.Profiles) == 0 {
			node = svc.Name
			break
		}
	}
	if node == "" {
		return fmt.Errorf("%s: no service outside a profile publishes its PostgreSQL port", m.File)
	}
	imgs, err := stand.EnsureImages(ctx, cc, m, io.Discard)
	if err != nil {
		return err
	}
	st, err := stand.New(ctx, stand.Config{ComposeFile: cc.ComposeFile(), Model: m, Images: imgs, Course: cc.Root})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := st.Host(ctx, course.HostStep{Verb: "up", Services: []string{node}}, io.Discard); err != nil {
		return err
	}
	on := "{node=" + node + "}"
	sql, err := timeBlocks(ctx, st, cc.StandDir(), n, "```sql "+on+"\nSELECT 1 AS one;\n```\n\n```output\n one \n-----\n   1\n(1 row)\n```\n")
	if err != nil {
		return err
	}
	sh, err := timeBlocks(ctx, st, cc.StandDir(), n/4, "```sh "+on+"\necho ok\n```\n\n```output\nok\n```\n")
	if err != nil {
		return err
	}
	psql, err := timeBlocks(ctx, st, cc.StandDir(), n/4, "```sh "+on+"\npsql -X -c 'SELECT 1 AS one;'\n```\n\n```output\n one \n-----\n   1\n(1 row)\n```\n")
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
func timeBlocks(ctx context.Context, st run.Stand, standDir string, n int, block string) (time.Duration, error) {
	src := "---\ntitle: bench\n---\n\n" + strings.Repeat(block+"\n", n)
	ch, err := load.Chapter("bench.md", []byte(src), standDir)
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
