// Command coursebuild verifies the course on a fresh Docker stand and writes
// the static site.
//
//	coursebuild build [flags]     verify (or take the current record) and write public/
//	coursebuild update [flags]    run the course and rewrite the expectations that differ
//	                              (-pg N: on version N, only its output {pg=N} alternatives)
//	coursebuild matrix [flags]    run the course once per PostgreSQL version (-pg 15,17,18)
//	                              and report each block's status per version
//	                              (-from A,B: merge matrix records instead)
//	coursebuild serve [flags]     preview on 127.0.0.1 with live reload
//	coursebuild check             check the chapters, course.yaml and the compose file (no Docker)
//	coursebuild image             make sure the compose file's images exist
//	coursebuild new DIR           write a minimal course into DIR (new or empty)
//	coursebuild help              the commands and which flags apply to which (also -h)
//
// Flags may come before or after the command: -C DIR (or -root DIR, the
// course's folder), -public DIR, -until N, -v, -fresh, -record FILE,
// -junit FILE, -port N, -pg LIST, -parallel N, -matrix FILE, -from LIST.
// Flags without a command run build; no arguments at all print the usage
// (exit 2).
//
// Exit codes: 0 verified, 1 a block failed verification, 2 content or usage
// error, 3 environment (Docker, image), 130 interrupted. With
// GITHUB_ACTIONS=true every error is also printed as an ::error annotation.
package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/term"

	"replcourse/builder/build"
	"replcourse/builder/course"
	"replcourse/builder/coursefs"
	"replcourse/builder/report"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

// defaultRecord is where the record of verified results lives, relative to
// the root; it is committed (see README).
const defaultRecord = "verified/record.json"

// defaultMatrix is where the version matrix's record lives, relative to
// the root, beside the record.
const defaultMatrix = "verified/matrix.json"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line, parsed.
type options struct {
	cmd    string
	cfg    build.Config
	record string
	junit  string
	port   int
	dir    string // new: the folder to write the course into
	matrix string // -matrix as given
	pg     string // -pg as given
	// versions are -pg's versions: matrix runs them, update takes one.
	versions []int
	parallel int
	from     string // matrix -from: records to merge instead of running
}

// usage is what help, -h and a bare coursebuild print.
const usage = `usage: coursebuild COMMAND [flags]

Commands:
  build    verify the course (or take the current record) and write the site
  check    check the chapters, course.yaml, the compose file and the stand's files (no Docker)
  update   run the course and rewrite the expected outputs that differ
  serve    preview the site on 127.0.0.1 with live reload
  image    make sure the compose file's images exist
  new DIR  write a minimal course into DIR (new or empty)
  matrix   run the course once per PostgreSQL version and report each block's status
  help     print this text

Flags (before or after the command; flags without a command run build):
  -C DIR, -root DIR  the course's folder (course.yaml, content/, stand/); default .
                     (every command but new)
  -until N           run chapters 1 to N only                (build, update, serve)
  -v                 print every block's output as it runs    (build, update, serve)
  -public DIR        the site's folder; default ROOT/public   (build, serve)
  -record FILE       the record of verified results; default ROOT/verified/record.json,
                     none: no record      (build, serve; update reads its timings)
  -fresh             ignore the record: run on a fresh stand  (build)
  -junit FILE        also write a JUnit XML report of the blocks (build)
  -matrix FILE       the version matrix's record; default ROOT/verified/matrix.json,
                     none: none                               (build, serve, matrix)
  -port N            port on 127.0.0.1; default 8080          (serve)
  -pg LIST           matrix: the versions to run (15,17,18; default course.yaml's);
                     update: the one version whose output {pg=N} blocks to rewrite
  -parallel N        versions run at a time; default 1        (matrix)
  -from A,B          merge these matrix records instead of running (matrix)

Exit codes: 0 verified, 1 a block failed verification, 2 content or usage
error, 3 environment (Docker, image), 130 interrupted.
`

// Main runs the command and returns its exit code. help, -h and -help
// print the usage to stdout (exit 0); no arguments at all print it to
// stderr (exit 2), since a build is asked for by name.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	o, err := parse(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp) || err == nil && o.cmd == "help":
		fmt.Fprint(stdout, usage)
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "coursebuild:", err, "(coursebuild -h lists the commands and flags)")
		return 2
	}
	o.cfg.Log = stdout
	o.cfg.Live, o.cfg.Width = terminal(stdout)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	err = o.run(ctx, stdout)
	if os.Getenv("GITHUB_ACTIONS") == "true" && err != nil && ctx.Err() == nil {
		report.Annotate(stdout, o.cfg.Root, err)
	}
	return exitCode(ctx, err, stderr)
}

// parse reads the flags, before or after the command word.
func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{cmd: "build"}
	fs := flag.NewFlagSet("coursebuild", flag.ContinueOnError)
	// Errors are printed by Main, in one line; -h is Main's too.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.cfg.Root, "root", ".", "the course's folder (holds course.yaml, content/, stand/)")
	fs.StringVar(&o.cfg.Root, "C", ".", "the course's folder (same as -root)")
	fs.StringVar(&o.cfg.Public, "public", "", "output directory (default ROOT/public)")
	fs.IntVar(&o.cfg.Until, "until", 0, "run up to and including this chapter number")
	fs.BoolVar(&o.cfg.Verbose, "v", false, "print every block's output as it runs")
	fs.BoolVar(&o.cfg.Fresh, "fresh", false, "ignore the record: run the course from a fresh stand")
	fs.StringVar(&o.record, "record", "", "record of verified results (default ROOT/"+defaultRecord+"; \"none\": no record)")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report of the blocks to this file")
	fs.IntVar(&o.port, "port", 8080, "serve: port on 127.0.0.1")
	fs.StringVar(&o.pg, "pg", "", "matrix: the PostgreSQL major versions to run, comma-separated (default all of course.yaml's); update: the one version whose output {pg=N} alternatives to rewrite")
	fs.StringVar(&o.from, "from", "", "matrix: merge these matrix records (comma-separated) into -matrix instead of running")
	fs.IntVar(&o.parallel, "parallel", 1, "matrix: versions run at a time, each on its own stand")
	fs.StringVar(&o.matrix, "matrix", "", "the version matrix's record (default ROOT/"+defaultMatrix+"; \"none\": none)")
	named := false
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		o.cmd, args, named = args[0], args[1:], true
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if !named && fs.NArg() > 0 {
		o.cmd = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return nil, err
		}
	}
	if o.cmd == "new" && fs.NArg() > 0 {
		o.dir = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return nil, err
		}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.cfg.Until < 0 || o.port < 0 || o.port > 65535 {
		return nil, fmt.Errorf("-until and -port take a number ≥ 0")
	}
	switch o.record {
	case "":
		o.cfg.Record = filepath.Join(o.cfg.Root, defaultRecord)
	case "none":
	default:
		o.cfg.Record = o.record
	}
	switch o.matrix {
	case "":
		o.cfg.Matrix = filepath.Join(o.cfg.Root, defaultMatrix)
	case "none":
	default:
		o.cfg.Matrix = o.matrix
	}
	if o.parallel < 1 {
		return nil, fmt.Errorf("-parallel takes a number ≥ 1")
	}
	if o.pg != "" {
		for _, f := range strings.Split(o.pg, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 10 {
				return nil, fmt.Errorf("-pg %q: want PostgreSQL major versions, comma-separated (-pg 15,17,18)", o.pg)
			}
			o.versions = append(o.versions, n)
		}
		switch o.cmd {
		case "matrix":
		case "update":
			if len(o.versions) != 1 {
				return nil, fmt.Errorf("update -pg takes one version")
			}
			o.cfg.Version = o.versions[0]
		default:
			return nil, fmt.Errorf("-pg goes with matrix or update")
		}
	}
	return o, nil
}

// terminal reports whether w is an interactive terminal (for the live
// status line) and its width. CI logs are not, even when they pretend.
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("CI") != "" || os.Getenv("TERM") == "dumb" || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 80
	}
	return true, width
}

func (o *options) run(ctx context.Context, stdout io.Writer) error {
	switch o.cmd {
	case "build":
		if err := checkJUnit(o.cfg, o.junit); err != nil {
			return err
		}
		out, err := build.Build(ctx, o.cfg)
		if jerr := o.writeJUnit(out, err); jerr != nil && err == nil {
			err = jerr
		}
		return err
	case "update":
		_, err := build.Update(ctx, o.cfg)
		return err
	case "serve":
		// Every build of the preview checks its outputs too; checking
		// here refuses a bad -public or -record before the server starts.
		if err := build.CheckOutputs(o.cfg); err != nil {
			return err
		}
		return preview(ctx, o.cfg, o.port)
	case "matrix":
		if o.from != "" {
			if o.cfg.Matrix == "" {
				return usageError("matrix -from needs a -matrix record to merge into")
			}
			return build.MergeMatrix(o.cfg, strings.Split(o.from, ","), o.cfg.Matrix)
		}
		_, err := build.Matrix(ctx, o.cfg, build.MatrixOptions{Versions: o.versions, Parallel: o.parallel, File: o.cfg.Matrix})
		return err
	case "check":
		c, err := build.Load(o.cfg)
		if err == nil {
			fmt.Fprintf(stdout, "%s: content is well formed\n", build.Counts(c, 0))
		}
		return err
	case "new":
		return newCourse(o.dir, stdout)
	case "image":
		imgs, err := build.Images(ctx, o.cfg, stdout)
		for _, img := range imgs {
			fmt.Fprintf(stdout, "image %s (%s)\n", img.Label(), img.ID)
		}
		return err
	}
	return usageError(fmt.Sprintf("unknown command %q (build, check, update, serve, image, new, matrix, help; coursebuild -h says more)", o.cmd))
}

// usageError is a mistake on the command line: exit code 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// checkJUnit refuses a -junit path the report must not be written to:
// one in the course's sources or the public directory, refused as -record
// is (build.CheckOutputFile), and anything but nothing, an empty file or
// an XML file of <testsuites>, so that a mistyped path cannot replace a
// chapter.
func checkJUnit(cfg build.Config, path string) error {
	if path == "" {
		return nil
	}
	if err := build.CheckOutputFile(cfg, "-junit", path); err != nil {
		return err
	}
	data, err := coursefs.ReadRegular(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return usageError(fmt.Sprintf("-junit %s: %v", path, err))
	case len(bytes.TrimSpace(data)) == 0:
		return nil
	}
	var root struct{ XMLName xml.Name }
	if xml.NewDecoder(bytes.NewReader(data)).Decode(&root) != nil || root.XMLName.Local != "testsuites" {
		return usageError(fmt.Sprintf("-junit %s: is not a JUnit report (<testsuites>); refusing to write over it", path))
	}
	return nil
}

// writeJUnit writes the report of a build, if asked for.
func (o *options) writeJUnit(out *build.Outcome, err error) error {
	if o.junit == "" {
		return nil
	}
	r := report.Run{Root: o.cfg.Root, Err: err}
	if out != nil {
		r.Blocks, r.Results = out.Blocks, out.Results
		if out.FromRecord {
			r.Recorded = out.Verified.BuiltAt
		}
	}
	var b strings.Builder
	if jerr := report.JUnit(&b, r); jerr != nil {
		return jerr
	}
	return os.WriteFile(o.junit, []byte(b.String()), 0o644)
}

// exitCode prints err in one place and maps it to the exit code.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var (
		ce *course.Error
		be *run.BlockError
		ee *stand.EnvError
		ue usageError
		oe *build.OutputError
		bu *build.UsageError
		me *build.MainError
	)
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "coursebuild:", ue.Error())
		return 2
	case errors.As(err, &bu):
		fmt.Fprintln(stderr, "coursebuild:", bu.Error())
		return 2
	case errors.As(err, &me):
		fmt.Fprintln(stderr, me.Error())
		return 1
	case errors.As(err, &oe):
		fmt.Fprintln(stderr, "coursebuild:", oe.Error())
		return 2
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
