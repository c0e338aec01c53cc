// Command coursebuild verifies the course on a fresh Docker stand and writes
// the static site.
//
//	coursebuild [-root DIR] [-public DIR] [-until N] [-v]   verify and write public/
//	coursebuild check                                      check the chapters only (no Docker)
//	coursebuild image                                      make sure the PostgreSQL image exists
//
// Exit codes: 0 verified, 1 a block failed verification, 2 content or usage
// error, 3 environment (Docker, image), 130 interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"replcourse/builder/build"
	"replcourse/builder/course"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("coursebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg build.Config
	fs.StringVar(&cfg.Root, "root", ".", "repository root (holds content/, stand/, theme/)")
	fs.StringVar(&cfg.Public, "public", "", "output directory (default ROOT/public)")
	fs.IntVar(&cfg.Until, "until", 0, "run up to and including this chapter number")
	fs.BoolVar(&cfg.Verbose, "v", false, "print every block's output as it runs")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.Log = stdout
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd := fs.Arg(0); cmd {
	case "", "build":
		err = build.Site(ctx, cfg)
	case "check":
		var c *course.Course
		if c, err = build.Load(cfg); err == nil {
			fmt.Fprintf(stdout, "%d chapters, %d blocks: content is well formed\n", len(c.Chapters), len(c.Blocks()))
		}
	case "image":
		var img stand.Image
		if img, err = stand.EnsureImage(ctx, stand.DefaultSource(cfg.Root), stdout); err == nil {
			fmt.Fprintf(stdout, "image %s (%s)\n", img.Ref, img.ID)
		}
	default:
		fmt.Fprintf(stderr, "coursebuild: unknown command %q (build, check, image)\n", cmd)
		return 2
	}
	return report(ctx, err, stderr)
}

// report prints err in one place and maps it to the exit code.
func report(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var (
		ce *course.Error
		be *run.BlockError
		ee *stand.EnvError
	)
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "coursebuild: interrupted; the stand was removed and public/ left as it was")
		return 130
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, ce.Error())
		return 2
	case errors.As(err, &be):
		fmt.Fprintln(stderr, be.Error())
		return 1
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "coursebuild:", ee.Error())
		return 3
	default:
		fmt.Fprintln(stderr, "coursebuild:", err)
		return 1
	}
}
