// Package record keeps the results of the last verified run of the course,
// keyed by everything that decides them, so that a build whose blocks,
// stand files and builder are unchanged renders the site from the record
// without starting (or even contacting) Docker.
//
// The key is a chain: each executed block's key hashes the key of the block
// before it and what decides the block's execution and comparison — its
// language, node, user, fails/eventually/timeout, the sampled probe, its
// code and its expected output. The chain starts from the environment: the
// builder's execution code (builder.ExecutionID), the images the stand may
// run and every file under stand/. Prose, titles, headings, display blocks
// and line numbers are not in it, so editing them keeps the record valid.
// Because it is a chain, a record of the whole course also serves a build
// limited with -until to a prefix, and the first block whose key differs
// is the first one that changed.
package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"replcourse/builder"
	"replcourse/builder/atomic"
	"replcourse/builder/course"
	"replcourse/builder/coursefs"
)

// Record is the results of one verified run, as stored.
type Record struct {
	Format     int               `json:"format"`
	Builder    string            `json:"builder"` // builder.ExecutionID of the run
	Images     []string          `json:"images"`  // the image refs the stand could use, in order
	Stand      map[string]string `json:"stand"`   // stand/ file → hash of its mode and content
	VerifiedAt time.Time         `json:"verified_at"`
	Server     string            `json:"server"` // SELECT version() on the stand
	Image      string            `json:"image"`  // the image the run used: ref and short id
	Blocks     []Block           `json:"blocks"`
	Series     []Series          `json:"series,omitempty"`
}

// Block is one executed block's result. Chapter and Line say where it was
// when recorded, for messages only: blocks are matched by their place in
// the run and their Key.
type Block struct {
	Chapter  string            `json:"chapter"`
	Line     int               `json:"line"`
	Key      string            `json:"key"`
	Output   string            `json:"output"`
	Exit     int               `json:"exit,omitempty"`
	Failed   bool              `json:"failed,omitempty"`
	Duration time.Duration     `json:"duration_ns"`
	Elapsed  time.Duration     `json:"elapsed_ns"`
	Attempts int               `json:"attempts"`
	Captures map[string]string `json:"captures,omitempty"`
}

// Series is what one probe sampled; marks name blocks by their index in
// the run. Each point holds its time, then one value per column.
type Series struct {
	Chapter string      `json:"chapter"`
	Probe   string      `json:"probe"`
	Columns []string    `json:"columns"` // the query's column names
	Points  [][]float64 `json:"points"`  // [ns since the probe started, value of each column…]
	Marks   [][2]int64  `json:"marks"`   // [ns since the probe started, block index]
	Errors  int         `json:"errors,omitempty"`
	// FirstError is the first failed sample's message, so that a build
	// from the record can say why a probe took no good sample.
	FirstError string `json:"first_error,omitempty"`
	// Nulls are the values a sample did not have, as [point index, column
	// index] in order: a NULL, or every column of a failed sample. Their
	// value in Points is 0; the chart leaves a gap there.
	Nulls [][2]int `json:"nulls,omitempty"`
}

// Env is what the results depend on besides the blocks.
type Env struct {
	Builder string
	Images  []string
	Stand   map[string]string
}

// CurrentEnv is the environment of this builder on the stand directory.
func CurrentEnv(standDir string, images []string) (Env, error) {
	files, err := StandFiles(standDir)
	if err != nil {
		return Env{}, err
	}
	return Env{Builder: builder.ExecutionID(), Images: images, Stand: files}, nil
}

// StandFiles hashes every file under dir (mode and content), by
// slash-separated path relative to dir. A symbolic link is keyed by the
// file it resolves to, so changing the target changes the key. Every file
// is read through coursefs within the course folder (dir's parent): a link
// out of the course, or anything that is not a regular file (a named pipe,
// a socket, a device, a link to a directory), is a *course.Error naming
// it, never skipped and never read.
func StandFiles(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, info, err := coursefs.ReadFile(filepath.Dir(dir), path)
		var ce *coursefs.Error
		switch {
		case errors.As(err, &ce):
			return course.Errorf(course.Pos{File: path}, "%s (every file under stand/ is part of the record's key)", ce.Reason)
		case errors.Is(err, fs.ErrNotExist) && d.Type()&fs.ModeSymlink != 0:
			return course.Errorf(course.Pos{File: path}, "is a symbolic link to a missing file")
		case err != nil:
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		sum := sha256.Sum256(append([]byte(info.Mode().Perm().String()+"\n"), data...))
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	return out, err
}

// Keys returns the chain of keys of blocks under env.
func Keys(env Env, blocks []*course.Block) []string {
	return chain(env, blocks, describe)
}

// chain hashes env, then each block with desc, each key covering the one
// before it.
func chain(env Env, blocks []*course.Block, desc func(h interface{ Write([]byte) (int, error) }, b *course.Block)) []string {
	h := sha256.New()
	field(h, fmt.Sprint(builder.RecordFormat), env.Builder, strings.Join(env.Images, "\n"))
	for _, name := range sortedKeys(env.Stand) {
		field(h, name, env.Stand[name])
	}
	prev := hex.EncodeToString(h.Sum(nil))
	keys := make([]string, len(blocks))
	for i, b := range blocks {
		h := sha256.New()
		field(h, prev)
		desc(h, b)
		prev = hex.EncodeToString(h.Sum(nil))
		keys[i] = prev
	}
	return keys
}

// describe writes what decides a block's execution and comparison.
func describe(h interface{ Write([]byte) (int, error) }, b *course.Block) {
	_, nocompare := b.Attrs["nocompare"]
	field(h, b.Lang, b.Node, b.User, fmt.Sprint(b.Fails), b.Eventually.String(), b.Timeout.String(),
		fmt.Sprint(nocompare), b.Code, fmt.Sprint(b.HasExpected), b.Expected)
	if p := b.Sample; p != nil {
		field(h, "sample", p.Name, p.Node, p.Every.String(), p.Query)
	}
}

// field writes length-prefixed strings, so that no two lists of fields
// hash alike.
func field(h interface{ Write([]byte) (int, error) }, fs ...string) {
	for _, f := range fs {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Read loads a record; a missing file is (nil, nil).
func Read(path string) (*Record, error) {
	var r Record
	if found, err := readJSON(path, &r); !found || err != nil {
		return nil, err
	}
	return &r, nil
}

// readJSON decodes the regular file at path into v, strictly (unknown
// fields are errors). found is false, with no error, for a missing file.
func readJSON(path string, v any) (found bool, err error) {
	data, err := coursefs.ReadRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return false, fmt.Errorf("%s: %v", path, err)
	}
	return true, nil
}

// jsonFields reads the file at path that the builder is about to write
// over, what names what it should hold in messages: fields is nil when
// the file is missing or blank (free to write), else its top-level JSON
// fields; an error says why it is not such a file.
func jsonFields(path, what string) (fields map[string]json.RawMessage, err error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, errors.New("is a directory, not " + what)
	case !fi.Mode().IsRegular():
		return nil, errors.New("is not a regular file, so not " + what)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("is not %s (not a JSON object: %v)", what, err)
	}
	return fields, nil
}

// Write stores r atomically, as indented JSON that diffs well.
func (r *Record) Write(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomic.WriteFile(path, append(data, '\n'), 0o644)
}
