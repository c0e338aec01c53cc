// Package coursefs reads the files of a course — chapters, stand files —
// so that the builder never reads anything but the course's own regular
// files. Every read of a course file goes through ReadFile: a symbolic link
// is followed only when its target is inside the course folder (the folder
// holding content/ and stand/), and anything that is not a regular file (a
// named pipe, a socket, a device, a directory) is refused without being
// read, so that a link to /proc/self/environ or /etc/passwd cannot publish
// the builder's environment or the host's files, and a named pipe cannot
// hang the build.
package coursefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Error says why a file of the course is refused. Path is the path as
// given to ReadFile; the message never includes the file's content.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }

// ReadFile returns the content and the file information of the regular
// file at path (absolute, or relative to the working directory), which must
// lie inside the folder root once every symbolic link in either is
// resolved. It returns an *Error when the resolved file is outside root or
// is not a regular file, and the error of the file system (fs.ErrNotExist
// for a missing file or a dangling link) otherwise. The file information
// is the resolved file's, so a link's target decides the mode.
//
// The target is opened beneath root through an os.Root, without following
// any further link, and in non-blocking mode, then checked again on the
// open file: a file swapped for a link or a named pipe between the checks
// is refused, not read, and opening a named pipe never waits for a writer.
func ReadFile(root, path string) ([]byte, fs.FileInfo, error) {
	realRoot, err := resolve(root)
	if err != nil {
		return nil, nil, err
	}
	real, err := resolve(path)
	if err != nil {
		return nil, nil, err
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil, nil, &Error{Path: path, Reason: fmt.Sprintf("resolves to %s, outside the course folder %s; the builder reads only the course's own files", real, realRoot)}
	}
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	// Lstat first, so that a device or a pipe is never even opened.
	fi, err := r.Lstat(rel)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	f, err := r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi2, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi2.Mode().IsRegular() || !os.SameFile(fi, fi2) {
		return nil, nil, &Error{Path: path, Reason: "changed while it was being read; build again"}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, err
	}
	return data, fi2, nil
}

// resolve returns the absolute path of p with every symbolic link
// resolved.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
			// Name the path as given, not the link target that is missing.
			return "", &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		}
		return "", err
	}
	return real, nil
}

func notRegular(path string, m fs.FileMode) *Error {
	kind := "not a regular file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		kind = "a device"
	case m&fs.ModeSymlink != 0:
		kind = "a symbolic link"
	}
	return &Error{Path: path, Reason: "is " + kind + ", not a regular file; the builder reads only regular files"}
}

// ReadRegular returns the content of the regular file at path, wherever it
// is: for the builder's own files given on the command line (the record, a
// JUnit report to be replaced), which need not lie inside the course. Like
// ReadFile, it refuses anything that is not a regular file once links are
// resolved, without reading it, so a named pipe never blocks; a missing
// file is fs.ErrNotExist.
func ReadRegular(path string) ([]byte, error) {
	real, err := resolve(path)
	if err != nil {
		return nil, err
	}
	data, _, err := ReadFile(filepath.Dir(real), real)
	var ce *Error
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return data, err
}
