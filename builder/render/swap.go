package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SiteMarker is the file at the top of every site the builder writes. A
// directory is only ever replaced (and so deleted) by a build when it
// holds this file, is empty or missing, or is a site of an older builder
// (see Replaceable): never a folder of sources or anyone's files.
const SiteMarker = ".coursebuild"

// markerText is SiteMarker's content: what made the directory, for a
// person who finds it.
const markerText = "This directory is a site written by coursebuild (builder/cmd/coursebuild).\n" +
	"Every build replaces the whole directory: keep no other files in it.\n"

// RefusedError is a directory a new site may not replace.
type RefusedError struct {
	Dir string
	Why string
}

func (e *RefusedError) Error() string {
	return e.Dir + ": " + e.Why + "; refusing to replace it (remove it yourself, or choose another output directory)"
}

// Replaceable reports whether a new site may replace dir: nil when dir is
// missing, an empty directory, a site the builder wrote (it holds
// SiteMarker), or a site written before sites were marked (see
// looksBuilt); a *RefusedError otherwise (a file, a symbolic link, a
// directory holding anything else), or the error reading dir.
func Replaceable(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.IsDir():
		return &RefusedError{Dir: dir, Why: "exists and is not a directory"}
	}
	if m, err := os.Lstat(filepath.Join(dir, SiteMarker)); err == nil && m.Mode().IsRegular() {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 || looksBuilt(dir, entries) {
		return nil
	}
	names := make([]string, 0, 3)
	for _, e := range entries[:min(len(entries), 3)] {
		names = append(names, e.Name())
	}
	more := ""
	if len(entries) > 3 {
		more = fmt.Sprintf(" and %d more", len(entries)-3)
	}
	return &RefusedError{Dir: dir, Why: fmt.Sprintf("not a site written by coursebuild (no %s file; it holds %s%s)", SiteMarker, strings.Join(names, ", "), more)}
}

// looksBuilt reports whether dir, which has no SiteMarker, holds exactly
// what builders before the marker wrote: index.html (with the footer
// every page of theirs carries), an assets directory, and nothing but
// other .html files besides. Such a site is replaced once; the new one
// carries the marker.
func looksBuilt(dir string, entries []fs.DirEntry) bool {
	index, assets := false, false
	for _, e := range entries {
		switch {
		case e.Name() == "assets" && e.Type().IsDir():
			assets = true
		case e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".html"):
			index = index || e.Name() == "index.html"
		default:
			return false
		}
	}
	if !index || !assets {
		return false
	}
	f, err := os.Open(filepath.Join(dir, "index.html"))
	if err != nil {
		return false
	}
	defer f.Close()
	head, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	return bytes.Contains(head, []byte(`<footer class="site-foot">`)) && bytes.Contains(head, []byte("Outputs verified against"))
}

// swapIn marks next as the builder's (SiteMarker) and puts it in place of
// dst, which must be Replaceable. On error dst is as it was before the
// call.
func swapIn(next, dst string) error {
	if err := os.WriteFile(filepath.Join(next, SiteMarker), []byte(markerText), 0o644); err != nil {
		return err
	}
	if err := Replaceable(dst); err != nil {
		return err
	}
	if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(next, dst)
	}
	// Where the system can exchange two paths atomically, dst never goes
	// missing, even for the instant between two renames, to a server
	// reading it.
	if err := exchange(next, dst); err == nil {
		// next now holds the previous site. The new one is live already, so
		// a failure to delete the old copy is only litter, not an error.
		_ = os.RemoveAll(next)
		return nil
	}
	return renameAside(next, dst)
}

// renameAside swaps with two renames: dst goes aside, next takes its name,
// and on failure the old dst is put back.
func renameAside(next, dst string) error {
	old, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".old-")
	if err != nil {
		return err
	}
	// Only the unique name was wanted; rename needs it free.
	if err := os.Remove(old); err != nil {
		return err
	}
	if err := os.Rename(dst, old); err != nil {
		return err
	}
	if err := os.Rename(next, dst); err != nil {
		if rerr := os.Rename(old, dst); rerr != nil {
			return fmt.Errorf("%w; putting the previous site back also failed (%v): it is in %s", err, rerr, old)
		}
		return err
	}
	_ = os.RemoveAll(old)
	return nil
}
