package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// swapIn puts the directory next in place of dst. On error dst is as it
// was before the call.
func swapIn(next, dst string) error {
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
