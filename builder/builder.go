// Package builder names the builder's own code, for the record of verified
// results: a record made by one builder is only reused by a builder that
// executes and compares blocks the same way.
package builder

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"runtime/debug"
	"slices"
	"strings"
)

// RecordFormat is bumped by hand when the record's layout or meaning
// changes in a way its source hash would not show.
const RecordFormat = 2

// sources are the packages whose code decides what a block does and
// whether its output matches: loading, the course's configuration and
// compose model (images, readiness, connections), running, the stand,
// psql's formatting and the comparison, and what a diagram block asks the
// servers and how it reads their answers (topology/state.go). Rendering
// is left out on purpose — the diagram's drawing included: a change to
// the pages re-renders them from the record, it need not re-run the
// course.
//
//go:embed check/*.go composefile/*.go config/*.go course/*.go load/*.go psql/*.go run/*.go stand/*.go topology/state.go
var sources embed.FS

// executionModules are the dependencies that take part in execution.
func executionModules() []string {
	return []string{
		"github.com/jackc/pgx/v5",
		"github.com/moby/moby/client",
		"github.com/docker/compose/v5",
		"github.com/compose-spec/compose-go/v2",
		"github.com/docker/cli",
	}
}

// ExecutionID hashes the execution packages' sources (tests excluded), the
// versions of the modules they use and RecordFormat. It depends on the
// code only: rebuilding, a dirty work tree or another checkout of the same
// code give the same ID, unlike VCS stamps or the binary's own hash.
func ExecutionID() string {
	h := sha256.New()
	fmt.Fprintf(h, "record format %d\n", RecordFormat)
	err := fs.WalkDir(sources, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := sources.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(data))
		h.Write(data)
		return err
	})
	if err != nil { // cannot happen: the files are embedded
		panic(err)
	}
	for _, m := range moduleVersions() {
		fmt.Fprintln(h, m)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// moduleVersions lists "path version" for the modules that take part in
// execution, as linked into this binary.
func moduleVersions() []string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	modules := executionModules()
	var out []string
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		if slices.Contains(modules, d.Path) {
			out = append(out, d.Path+" "+d.Version)
		}
	}
	slices.Sort(out)
	return out
}
