// Package update rewrites expected outputs in the chapter sources from what
// a run really printed. Only the bytes of the rewritten output blocks
// change; within one, lines that stay the same keep their exact bytes
// (trailing spaces, blank lines at the end), so a review sees only what
// the output changed.
package update

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"replcourse/builder/course"
	"replcourse/builder/load"
)

// Change is a block's new expected text (check.Mask of its real output).
type Change struct {
	Block *course.Block
	Text  string
	// Version, when not 0, makes the change rewrite the block's
	// alternative expected output for that PostgreSQL major version (its
	// ```output {pg=N} block), which must exist, instead of its output.
	Version int
}

// target is the expected text a change rewrites: its span in the
// chapter's Source, where its fence is, and its text before.
func (c Change) target() (span [2]int, pos course.Pos, old string, err error) {
	if c.Version == 0 {
		return c.Block.ExpectedSpan, c.Block.ExpectedPos, c.Block.Expected, nil
	}
	a := c.Block.Alternative(c.Version)
	if a == nil {
		return span, pos, "", fmt.Errorf("%s: the block has no output {pg=%d} block to rewrite", c.Block.Pos, c.Version)
	}
	return a.Span, a.Pos, a.Text, nil
}

// File is one rewritten chapter: the bytes it held when the update read
// it, its new bytes, the chapter read back from them, and the blocks whose
// expectation changed.
type File struct {
	Path    string
	Old     []byte
	Data    []byte
	Chapter *course.Chapter
	Blocks  []*course.Block
}

// maxPreserve bounds the line pairs compared to keep unchanged lines'
// bytes; a bigger block is written as Mask gave it.
const maxPreserve = 4_000_000

// Apply splices the changes into their chapters and reads each result back,
// so that an output which would not survive the trip (a line that closes
// the fence, say) is an error instead of a damaged chapter. standDir is
// where the chapters' file= blocks are resolved. Nothing is written.
func Apply(changes []Change, standDir string) ([]File, error) {
	byChapter := map[*course.Chapter][]Change{}
	var order []*course.Chapter
	for _, c := range changes {
		ch := c.Block.Chapter
		if _, seen := byChapter[ch]; !seen {
			order = append(order, ch)
		}
		byChapter[ch] = append(byChapter[ch], c)
	}
	var files []File
	for _, ch := range order {
		f, err := applyChapter(ch, byChapter[ch], standDir)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func applyChapter(ch *course.Chapter, changes []Change, standDir string) (File, error) {
	// Splice from the end, so earlier spans keep their offsets.
	for _, c := range changes {
		if _, _, _, err := c.target(); err != nil {
			return File{}, err
		}
	}
	start := func(c Change) int { span, _, _, _ := c.target(); return span[0] }
	slices.SortFunc(changes, func(a, b Change) int { return start(b) - start(a) })
	src := bytes.Clone(ch.Source)
	for _, c := range changes {
		span, pos, _, _ := c.target()
		var err error
		if src, err = splice(src, span, pos, c.Text); err != nil {
			return File{}, err
		}
	}
	back, err := load.Chapter(ch.File, src, standDir)
	if err != nil {
		return File{}, fmt.Errorf("%s: the rewritten chapter does not read back: %w", ch.File, err)
	}
	back.Number, back.Slug = ch.Number, ch.Slug
	f := File{Path: ch.File, Old: ch.Source, Data: src, Chapter: back}
	for i := len(changes) - 1; i >= 0; i-- {
		f.Blocks = append(f.Blocks, changes[i].Block)
	}
	return f, roundTrip(ch, back, changes)
}

// roundTrip checks that the chapter read back has the same blocks, with
// the new expectations exactly where they were meant to go.
func roundTrip(old, back *course.Chapter, changes []Change) error {
	if len(old.Blocks) != len(back.Blocks) {
		return fmt.Errorf("%s: the rewritten chapter has %d blocks instead of %d (does an output contain a fence?)", old.File, len(back.Blocks), len(old.Blocks))
	}
	type target struct {
		b *course.Block
		v int
	}
	want := map[target]string{}
	for _, c := range changes {
		want[target{c.Block, c.Version}] = c.Text
	}
	expect := func(b *course.Block, v int, was string) string {
		if t, ok := want[target{b, v}]; ok {
			return t
		}
		return was
	}
	for i, b := range old.Blocks {
		nb := back.Blocks[i]
		bad := nb.Code != b.Code || normalize(nb.Expected) != normalize(expect(b, 0, b.Expected)) || len(nb.Alternatives) != len(b.Alternatives)
		for j := 0; !bad && j < len(b.Alternatives); j++ {
			a, na := b.Alternatives[j], nb.Alternatives[j]
			bad = a.Version != na.Version || normalize(na.Text) != normalize(expect(b, a.Version, a.Text))
		}
		if bad {
			return fmt.Errorf("%s: the block of line %d does not read back as written (does an output contain a fence?)", old.File, b.Pos.Line)
		}
	}
	return nil
}

// Same reports whether two expected texts are the same up to trailing
// spaces, line ends and trailing blank lines, which never count.
func Same(a, b string) bool { return normalize(a) == normalize(b) }

func normalize(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// splice replaces the expected output at span (its fence at pos) in src
// with text. The output's lines sit between the fence lines behind the
// same prefix as its first line: the fence's indentation, and the
// markers of the blockquotes it is in ("> "), which a blank line keeps
// too, so that it stays inside them. New lines end like the fence's line
// (LF, CR LF or CR: CommonMark §2.1).
func splice(src []byte, span [2]int, pos course.Pos, text string) ([]byte, error) {
	start, end := span[0], span[1]
	if start < 0 || end < start || end > len(src) {
		return nil, fmt.Errorf("%s: expected output span %v is outside the file", pos, span)
	}
	lineStart := bytes.LastIndexAny(src[:start], "\r\n") + 1
	prefix := string(src[lineStart:start])
	if start == end {
		// An empty output: start is the closing fence's line, whose
		// container markers and indentation the new lines take.
		line := src[lineStart:]
		n := 0
		for n < len(line) && strings.IndexByte(" \t>", line[n]) >= 0 {
			n++
		}
		prefix = string(line[:n])
	}
	if strings.Trim(prefix, " \t>") != "" {
		return nil, fmt.Errorf("%s: cannot rewrite this output: its first line starts after %q, not after indentation or blockquote markers", pos, prefix)
	}
	old := string(src[lineStart:end])
	body := rewrite(rawLines(old, prefix), newLines(text), prefix, lineEnding(src, lineStart))
	out := make([]byte, 0, len(src)-len(old)+len(body))
	out = append(append(append(out, src[:lineStart]...), body...), src[end:]...)
	return out, nil
}

// lineEnding is the line ending that ends the line before offset
// lineStart: "\r\n", "\r" or "\n" (the last for the file's first line).
func lineEnding(src []byte, lineStart int) string {
	switch {
	case lineStart >= 2 && src[lineStart-1] == '\n' && src[lineStart-2] == '\r':
		return "\r\n"
	case lineStart >= 1 && src[lineStart-1] == '\r':
		return "\r"
	}
	return "\n"
}

// rawLines splits an output block's text as written into lines without
// their prefix and line end. A blank line inside a blockquote may carry
// only the markers (">"), which count as the whole prefix.
func rawLines(old, prefix string) []string {
	old = strings.ReplaceAll(strings.ReplaceAll(old, "\r\n", "\n"), "\r", "\n")
	old = strings.TrimSuffix(old, "\n")
	if old == "" {
		return nil
	}
	lines := strings.Split(old, "\n")
	bare := strings.TrimRight(prefix, " \t")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, prefix):
			lines[i] = l[len(prefix):]
		case bare != "" && strings.TrimRight(l, " \t") == bare:
			lines[i] = ""
		default:
			lines[i] = strings.TrimPrefix(l, prefix)
		}
	}
	return lines
}

func newLines(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// rewrite writes the new lines, each as written before when it is one of
// the old lines up to trailing spaces, and keeps the old block's trailing
// blank lines.
func rewrite(old, lines []string, prefix, eol string) string {
	keep := preserved(old, lines)
	// A blank line keeps the blockquote markers, without trailing spaces.
	bare := strings.TrimRight(prefix, " \t")
	if !strings.Contains(bare, ">") {
		bare = ""
	}
	var b strings.Builder
	line := func(l string) {
		if l != "" {
			b.WriteString(prefix)
		} else {
			b.WriteString(bare)
		}
		b.WriteString(l + eol)
	}
	for i, l := range lines {
		if keep[i] >= 0 {
			l = old[keep[i]]
		}
		line(l)
	}
	for k := len(old); k > 0 && strings.TrimSpace(old[k-1]) == "" && len(lines) > 0; k-- {
		line(old[k-1])
	}
	return b.String()
}

// preserved pairs new lines with equal old lines (a longest common
// subsequence up to trailing spaces): keep[i] is the old line to write for
// new line i, or -1.
func preserved(old, lines []string) []int {
	keep := make([]int, len(lines))
	for i := range keep {
		keep[i] = -1
	}
	n, m := len(old), len(lines)
	if n*m > maxPreserve {
		return keep
	}
	eq := func(i, j int) bool { return strings.TrimRight(old[i], " \t") == lines[j] }
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				d[i][j] = d[i+1][j+1] + 1
			} else {
				d[i][j] = max(d[i+1][j], d[i][j+1])
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case eq(i, j):
			keep[j] = i
			i, j = i+1, j+1
		case d[i+1][j] >= d[i][j+1]:
			i++
		default:
			j++
		}
	}
	return keep
}

// Write replaces the chapters with their new bytes, all of them or, as
// far as a file system allows, none:
//
//  1. every new content goes to a temporary file beside its chapter (a
//     full disk or an unwritable folder then changes no chapter);
//  2. every chapter must still hold the bytes the update read: one saved
//     while the update ran is never overwritten, and then none is;
//  3. each chapter is checked once more and replaced by renaming its
//     temporary file over it.
//
// Before any of that, each chapter is resolved: a chapter that is a
// symbolic link is rewritten at its target (the link stays a link; the
// loader has checked that the target lies inside the course, coursefs),
// and a chapter the author may not write — no owner write permission in
// its mode, or none for this process — is refused, with every other one
// left as it was.
//
// The error is a *WriteError, which says which chapters were replaced and
// which were left as they were. A rename that fails after another
// succeeded leaves both kinds.
func Write(files []File) error {
	targets := make([]string, len(files))
	var readOnly []string
	for i, f := range files {
		t, err := writable(f.Path)
		var ro errReadOnly
		switch {
		case errors.As(err, &ro):
			readOnly = append(readOnly, f.Path)
		case err != nil:
			return &WriteError{Path: f.Path, Err: err, Kept: paths(files)}
		}
		targets[i] = t
	}
	if len(readOnly) > 0 {
		return &WriteError{ReadOnly: readOnly, Kept: paths(files)}
	}
	temps := make([]string, len(files))
	defer func() {
		for _, t := range temps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	for i, f := range files {
		t, err := writeTemp(targets[i], f.Data)
		if err != nil {
			return &WriteError{Path: f.Path, Err: err, Kept: paths(files)}
		}
		temps[i] = t
	}
	var saved []string
	for _, f := range files {
		if err := unchanged(f); err != nil {
			saved = append(saved, f.Path)
		}
	}
	if len(saved) > 0 {
		return &WriteError{Saved: saved, Kept: paths(files)}
	}
	for i, f := range files {
		err := unchanged(f)
		var saved []string
		if err != nil {
			saved = []string{f.Path}
		} else if err = rename(temps[i], targets[i]); err == nil {
			temps[i] = ""
			continue
		}
		return &WriteError{Path: f.Path, Err: err, Saved: saved, Replaced: paths(files[:i]), Kept: paths(files[i:])}
	}
	return nil
}

// rename is os.Rename; tests replace it to make it fail.
var rename = os.Rename

// errReadOnly is a chapter the author has made read-only.
type errReadOnly struct{ mode fs.FileMode }

func (e errReadOnly) Error() string { return fmt.Sprintf("read-only (mode %04o)", e.mode.Perm()) }

// writable returns the file a chapter's path names once symbolic links
// are resolved, which must be a regular file the author may write: its
// owner write bit set (so a chapter made read-only with chmod a-w is
// refused even where the process could replace it, as root can), and
// writable by this process. A chapter that is not is errReadOnly.
func writable(path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(target)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", target)
	}
	if fi.Mode().Perm()&0o200 == 0 || unix.Access(target, unix.W_OK) != nil {
		return "", errReadOnly{fi.Mode()}
	}
	return target, nil
}

// writeTemp writes data to a new temporary file beside path, with the
// mode of path, and returns its name.
func writeTemp(path string, data []byte) (name string, err error) {
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".update-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return "", err
	}
	if err = f.Chmod(perm); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// unchanged checks that f's chapter still holds the bytes the update read.
func unchanged(f File) error {
	now, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	if !bytes.Equal(now, f.Old) {
		return errors.New("changed on disk")
	}
	return nil
}

func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

// WriteError is a Write that did not replace every chapter.
type WriteError struct {
	Path     string   // the chapter whose temporary file or rename failed, if one did
	Err      error    // what failed there
	Saved    []string // chapters that changed on disk while the update ran
	Replaced []string // chapters that hold their new bytes
	Kept     []string // chapters left as they were
	ReadOnly []string // chapters the author may not write: none was written
}

func (e *WriteError) Error() string {
	var b strings.Builder
	b.WriteString("update: ")
	switch {
	case len(e.ReadOnly) > 0:
		fmt.Fprintf(&b, "%s %s read-only, so the update did not rewrite %s", list(e.ReadOnly), isAre(e.ReadOnly), them(e.ReadOnly))
	case len(e.Saved) > 0:
		fmt.Fprintf(&b, "%s changed on disk while the update ran, so the update did not overwrite %s", list(e.Saved), them(e.Saved))
	case len(e.Replaced) == 0:
		fmt.Fprintf(&b, "cannot write the new %s: %v", e.Path, e.Err)
	default:
		fmt.Fprintf(&b, "cannot replace %s: %v", e.Path, e.Err)
	}
	if len(e.Replaced) == 0 {
		b.WriteString("; no chapter was rewritten")
	} else {
		fmt.Fprintf(&b, "; rewritten: %s; left as they were: %s", list(e.Replaced), list(e.Kept))
	}
	if len(e.Saved) > 0 {
		b.WriteString(" (run the update again on the saved chapters)")
	}
	if len(e.ReadOnly) > 0 {
		b.WriteString(" (make them writable, chmod u+w, and run the update again)")
	}
	return b.String()
}

func (e *WriteError) Unwrap() error { return e.Err }

func list(paths []string) string { return strings.Join(paths, ", ") }

func isAre(paths []string) string {
	if len(paths) == 1 {
		return "is"
	}
	return "are"
}

func them(paths []string) string {
	if len(paths) == 1 {
		return "it"
	}
	return "them"
}
