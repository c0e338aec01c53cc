package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"replcourse/builder/build"
	"replcourse/builder/config"
	"replcourse/builder/render"
	"replcourse/builder/serve"
)

// preview runs the preview server until ctx ends (Ctrl-C).
func preview(ctx context.Context, cfg build.Config, port int) error {
	if cfg.Public == "" {
		cfg.Public = filepath.Join(cfg.Root, "public")
	}
	cfg.RenderCache = render.NewCache()
	cfg.Live = false // the log scrolls between builds: plain lines read better
	// The folders to watch are course.yaml's, and course.yaml itself;
	// each build reads the file afresh (cfg.Course stays nil), so a
	// change to it (a title, the compose file, an image's fallback)
	// rebuilds like any other source. A change to its folders' keys
	// takes a restart of the preview to watch the new folders.
	cc, err := config.Load(cfg.Root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "coursebuild-serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p := &previewBuilder{cfg: cfg, tmp: tmp}
	srv, err := serve.Start(ctx, serve.Options{
		Addr:   "127.0.0.1:" + strconv.Itoa(port),
		Public: cfg.Public,
		Watch:  []string{cc.ContentDir(), cc.StandDir(), filepath.Join(cfg.Root, "theme"), filepath.Join(cfg.Root, config.File)},
		Build:  p.build,
		Log:    cfg.Log,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "serve: http://%s/ — rebuilds on changes to %s, %s/, %s/ and theme/; Ctrl-C stops\n", srv.Addr(), config.File, cc.Content, cc.Stand)
	return srv.Wait()
}

// previewBuilder builds for the server. Builds run in this process, from the
// record when nothing that runs changed. The theme, though, is compiled
// into the builder: after a change under theme/ it rebuilds the builder
// (go build) and runs that binary's build command from then on.
type previewBuilder struct {
	cfg build.Config
	tmp string
	bin string // a rebuilt builder, once the theme changed
}

func (p *previewBuilder) build(ctx context.Context, changed []string) error {
	if p.themeChanged(changed) {
		if err := p.rebuild(ctx); err != nil {
			return err
		}
	}
	if p.bin == "" {
		return build.Site(ctx, p.cfg)
	}
	return p.external(ctx)
}

func (p *previewBuilder) themeChanged(changed []string) bool {
	theme := filepath.Join(p.cfg.Root, "theme") + string(filepath.Separator)
	for _, c := range changed {
		if strings.HasPrefix(c, theme) {
			return true
		}
	}
	return false
}

// rebuild compiles the builder from the root's sources, theme included.
func (p *previewBuilder) rebuild(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(p.cfg.Root, "go.mod")); err != nil {
		return errors.New("the theme changed, but the root has no go.mod to rebuild the builder from: restart the preview")
	}
	bin := filepath.Join(p.tmp, "coursebuild")
	fmt.Fprintln(p.cfg.Log, "serve: the theme changed; rebuilding the builder")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./builder/cmd/coursebuild")
	cmd.Dir = p.cfg.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	p.bin = bin
	return nil
}

// external runs the rebuilt builder's build command. A cancelled build
// gets SIGTERM, so that it removes its stand like an interrupted build.
func (p *previewBuilder) external(ctx context.Context) error {
	root, _ := filepath.Abs(p.cfg.Root)
	args := []string{"build", "-root", root, "-public", p.cfg.Public, "-until", strconv.Itoa(p.cfg.Until)}
	if p.cfg.Record == "" {
		args = append(args, "-record", "none")
	} else {
		args = append(args, "-record", p.cfg.Record)
	}
	if p.cfg.Verbose {
		args = append(args, "-v")
	}
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	// The error goes to the server, which prints it and shows it on the
	// pages; the log goes to the terminal as it comes.
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = p.cfg.Log, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return errors.New(msg)
		}
		return err
	}
	return nil
}
