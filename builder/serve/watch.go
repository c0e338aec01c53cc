package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher reports changed files under some directories, recursively
// (fsnotify watches one directory at a time), and changes to some single
// files (watched through their folder, since an editor's save often
// replaces the file: only the named files count there).
type watcher struct {
	fw *fsnotify.Watcher
	// trees are the directories watched for every change; files the
	// single files watched, fileDirs their folders.
	trees, files, fileDirs map[string]bool
}

func newWatcher(paths []string) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("serve: watching files: %w", err)
	}
	w := &watcher{fw: fw, trees: map[string]bool{}, files: map[string]bool{}, fileDirs: map[string]bool{}}
	for _, d := range paths {
		fi, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a course without a theme/ of its own, say
		}
		if err == nil && !fi.IsDir() {
			dir := filepath.Dir(d)
			w.files[filepath.Clean(d)] = true
			if err := fw.Add(dir); err != nil {
				fw.Close()
				return nil, fmt.Errorf("serve: watching %s: %w", d, err)
			}
			w.fileDirs[dir] = true
			continue
		}
		if err := w.addTree(d); err != nil {
			fw.Close()
			return nil, err
		}
	}
	return w, nil
}

func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if p != dir && ignored(p) {
			return filepath.SkipDir
		}
		if err := w.fw.Add(p); err != nil {
			return fmt.Errorf("serve: watching %s: %w", p, err)
		}
		w.trees[p] = true
		return nil
	})
}

// ignored names an editor's or the builder's temporary files: hidden ones
// (.file.swp, the atomic writes' .name.tmp-*), backups (name~) and vim's
// write test (4913).
func ignored(p string) bool {
	base := filepath.Base(p)
	return strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") || base == "4913" ||
		strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, ".swx")
}

// run sends the files changed in each burst of events, once the files
// have been quiet for quiet; a batch not yet taken is merged with the next.
func (w *watcher) run(ctx context.Context, quiet time.Duration, out chan []string, log io.Writer) {
	defer w.fw.Close()
	timer := time.NewTimer(quiet)
	timer.Stop()
	var batch []string
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if ignored(ev.Name) || ev.Op == fsnotify.Chmod {
				continue
			}
			if dir := filepath.Dir(ev.Name); w.fileDirs[dir] && !w.trees[dir] && !w.files[ev.Name] {
				continue // a sibling of a watched file
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					w.addTree(ev.Name)
				}
			}
			batch = append(batch, ev.Name)
			timer.Reset(quiet)
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			fmt.Fprintf(log, "serve: watching files: %v\n", err)
		case <-timer.C:
			send(ctx, out, dedupe(batch))
			batch = nil
		}
	}
}

// send hands a batch to the builder, merging it with one not yet taken.
func send(ctx context.Context, out chan []string, batch []string) {
	for {
		select {
		case out <- batch:
			return
		case prev := <-out:
			batch = dedupe(append(prev, batch...))
		case <-ctx.Done():
			return
		}
	}
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
