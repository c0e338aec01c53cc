package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"replcourse/builder/atomic"
	"replcourse/builder/course"
)

// MatrixFormat is the format number of the version matrix's record; it
// is bumped by hand when its layout or meaning changes.
const MatrixFormat = 1

// Matrix is the record of the version matrix (`coursebuild matrix`,
// verified/matrix.json beside the record): for each PostgreSQL major
// version it ran, each block's status. It is keyed per version like the
// record (VersionKeys), so a prose-only rebuild shows it without Docker,
// and a stale version is shown as out of date, never as current.
type Matrix struct {
	Format   int         `json:"format"`
	Main     int         `json:"main"`     // the course's main version when the matrix last ran
	Versions []MatrixRun `json:"versions"` // ascending by Version
}

// MatrixRun is one version's run of the whole course, on its own stand.
type MatrixRun struct {
	Version int               `json:"version"`
	Builder string            `json:"builder"` // builder.ExecutionID of the run
	Images  []string          `json:"images"`  // the image keys the stand could use for this version
	Stand   map[string]string `json:"stand"`
	RanAt   time.Time         `json:"ran_at"`
	Elapsed time.Duration     `json:"elapsed_ns"` // the run's wall time, stand up to stand removed
	Server  string            `json:"server,omitempty"`
	Image   string            `json:"image,omitempty"`
	// Unavailable says why the version did not run at all (no image could
	// be had, say); Blocks is then empty.
	Unavailable string `json:"unavailable,omitempty"`
	// Error is what stopped the run before its last block, when something
	// did (the stand could not start, say); the blocks before it are kept.
	Error  string        `json:"error,omitempty"`
	Blocks []MatrixBlock `json:"blocks"`
}

// The statuses of a block on a version.
const (
	StatusSame    = "same"    // matched its expected output on that version
	StatusDiffers = "differs" // ran, and its output differs (Diff)
	StatusFails   = "fails"   // failed otherwise, or could not run (Error)
	StatusSkipped = "skipped" // marked since= a later version
)

// MatrixBlock is one block's status on one version. Chapter and Line say
// where it was when the matrix ran, for messages; blocks are matched by
// their place in the run and their Key.
type MatrixBlock struct {
	Chapter string `json:"chapter"`
	Line    int    `json:"line"`
	Key     string `json:"key"`
	Status  string `json:"status"`
	// Against is the version whose alternative expected output the block
	// was compared against; 0 for the block's own expected output.
	Against int    `json:"against,omitempty"`
	Output  string `json:"output,omitempty"` // what it printed, for differs and fails
	Diff    string `json:"diff,omitempty"`   // expected/actual unified diff, for differs
	Error   string `json:"error,omitempty"`  // why it fails, or why it was skipped
}

// VersionKeys is Keys for a run on PostgreSQL major version v: the same
// chain, each block's key also covering its alternative expected output
// for v and its since=, which decide the block's result on v. env holds
// the images for v.
func VersionKeys(env Env, blocks []*course.Block, v int) []string {
	return chain(env, blocks, func(h interface{ Write([]byte) (int, error) }, b *course.Block) {
		describe(h, b)
		if a := b.Alternative(v); a != nil {
			field(h, "pg", fmt.Sprint(v), a.Text)
		}
		if b.Since != 0 {
			field(h, "since", fmt.Sprint(b.Since))
		}
	})
}

// Run returns the run of version v, or nil.
func (m *Matrix) Run(v int) *MatrixRun {
	if m == nil {
		return nil
	}
	for i := range m.Versions {
		if m.Versions[i].Version == v {
			return &m.Versions[i]
		}
	}
	return nil
}

// Put stores r in m, in place of an earlier run of the same version.
func (m *Matrix) Put(r MatrixRun) {
	m.Versions = slices.DeleteFunc(m.Versions, func(x MatrixRun) bool { return x.Version == r.Version })
	m.Versions = append(m.Versions, r)
	slices.SortFunc(m.Versions, func(a, b MatrixRun) int { return a.Version - b.Version })
}

// Stale says why r no longer stands for a run of blocks on its version
// under env (the environment for that version: VersionKeys), in one line
// per reason; "" when it does.
func (r *MatrixRun) Stale(env Env, blocks []*course.Block) string {
	var why []string
	if r.Builder != env.Builder {
		why = append(why, "the builder's execution code changed")
	}
	if !slices.Equal(r.Images, env.Images) {
		why = append(why, fmt.Sprintf("the images changed (%s, was %s)", strings.Join(env.Images, ", "), strings.Join(r.Images, ", ")))
	}
	why = append(why, standChanges(r.Stand, env.Stand)...)
	if err := r.checkRan(); r.Unavailable == "" && err != nil {
		why = append(why, fmt.Sprintf("the matrix says what no run writes: %v", err))
	}
	if len(why) > 0 || r.Unavailable != "" {
		return strings.Join(why, "\n")
	}
	keys := VersionKeys(env, blocks, r.Version)
	for i, b := range blocks {
		if i >= len(r.Blocks) {
			if r.Error != "" {
				return "" // the run stopped there; what it says stays current
			}
			return fmt.Sprintf("%s: the matrix stops before this block", b.Pos)
		}
		if r.Blocks[i].Key != keys[i] {
			return fmt.Sprintf("%s: this block (%s) changed, or one was added or removed here", b.Pos, what(b))
		}
	}
	if len(r.Blocks) > len(blocks) {
		return fmt.Sprintf("the matrix covers %d blocks, the course %d", len(r.Blocks), len(blocks))
	}
	return ""
}

// Summary counts r's blocks by status.
func (r *MatrixRun) Summary() map[string]int {
	n := map[string]int{}
	for _, b := range r.Blocks {
		n[b.Status]++
	}
	return n
}

// ReadMatrix loads a matrix record; a missing file is (nil, nil).
func ReadMatrix(path string) (*Matrix, error) {
	var m Matrix
	if found, err := readJSON(path, &m); !found || err != nil {
		return nil, err
	}
	if m.Format != MatrixFormat {
		return nil, fmt.Errorf("%s: matrix format %d, this builder reads %d", path, m.Format, MatrixFormat)
	}
	for _, r := range m.Versions {
		for _, b := range r.Blocks {
			switch b.Status {
			case StatusSame, StatusDiffers, StatusFails, StatusSkipped:
			default:
				return nil, fmt.Errorf("%s: version %d, %s:%d: unknown status %q", path, r.Version, b.Chapter, b.Line, b.Status)
			}
		}
	}
	return &m, nil
}

// IsMatrix returns nil when path may be written with a matrix record: it
// does not exist, is empty, or holds one; else why not.
func IsMatrix(path string) error {
	const what = "a matrix record"
	fields, err := jsonFields(path, what)
	if err != nil || fields == nil {
		return err
	}
	if fields["format"] == nil || fields["versions"] == nil {
		return errors.New("is not " + what + " (no \"format\" and \"versions\")")
	}
	return nil
}

// Write stores m atomically, as indented JSON.
func (m *Matrix) Write(path string) error {
	m.Format = MatrixFormat
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomic.WriteFile(path, append(data, '\n'), 0o644)
}

// checkRan holds what the versions page shows of a run — when it ran and
// against which server — to what a run writes: ran_at not in the future,
// and the server, when one answered, SELECT version() of a server of the
// run's major version (see checkVerified for the record's rules).
func (r *MatrixRun) checkRan() error {
	switch {
	case r.RanAt.IsZero():
		return errors.New("no ran_at")
	case r.RanAt.After(now().Add(clockSkew)):
		return fmt.Errorf("ran_at %s is in the future", r.RanAt.Format(time.RFC3339))
	case r.Server == "":
		return nil
	}
	if err := checkServer(r.Server, nil, false, nil); err != nil {
		return err
	}
	if v := serverVersion.FindStringSubmatch(r.Server)[1]; major(v) != fmt.Sprint(r.Version) {
		return fmt.Errorf("server PostgreSQL %s on the run of version %d", v, r.Version)
	}
	return nil
}
