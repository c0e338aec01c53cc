package course

import (
	"fmt"
	"slices"
	"time"
)

// Probe is a query sampled in the background while some blocks run, such
// as the replication lag during a burst of writes. A chapter declares its
// probes in the front matter; blocks say sample=NAME; a ```chart {probe=NAME}
// block shows the samples.
type Probe struct {
	Name  string
	Node  string
	Every time.Duration
	// Query returns one row of numbers: each column is one line of the
	// chart, named by the column's name (one column: one line, no names).
	Query string
	Label string // what the numbers are, for the chart's axis
	Pos   Pos
}

// Point is one sample: time since the probe started, and one value per
// column of the probe's query, in the order of Series.Columns. A column
// with no value in this sample (NULL, or the whole sample failed) has
// Null set and V 0: its line has a gap there.
type Point struct {
	T time.Duration
	V []float64
	// Null[i] says column i has no value; nil when every column has one,
	// else as long as V.
	Null []bool
}

// Has reports whether column i has a value in p.
func (p Point) Has(i int) bool { return i >= len(p.Null) || !p.Null[i] }

// Good reports whether some column has a value in p.
func (p Point) Good() bool {
	for i := range p.V {
		if p.Has(i) {
			return true
		}
	}
	return false
}

// Mark is the moment a sampled block started.
type Mark struct {
	T     time.Duration
	Block *Block
}

// Series is what a probe recorded in this build.
type Series struct {
	Probe *Probe
	// Columns are the names of the query's columns, as the server returned
	// them with the first sample that succeeded; every point holds one
	// value per column. Empty when no sample succeeded.
	Columns []string
	// Points are the samples in time order; a sample that failed once
	// the columns are known is a point with every column Null, so that
	// the lines have a gap there.
	Points []Point
	Marks  []Mark
	Errors int // samples that failed (e.g. while a node restarted)
	// FirstError is the message of the first sample that failed, as the
	// server or the connection gave it (e.g. `ERROR: relation "t" does
	// not exist (SQLSTATE 42P01)`); empty when none failed.
	FirstError string
}

// Failed is the error of a probe that took no good sample over its whole
// span — every sample failed, or gave only NULLs: a chart of it would be
// empty while its query never worked. It names the probe, how many
// samples failed and the first one's error; nil when some sample gave a
// value, or when none was taken at all (no sampled block ran).
func (s *Series) Failed() error {
	if slices.ContainsFunc(s.Points, Point.Good) || (s.Errors == 0 && len(s.Points) == 0) {
		return nil
	}
	if s.Errors == 0 {
		return fmt.Errorf("probe %s (%s): every column of its query was NULL in all %d samples on %s: no line to draw",
			s.Probe.Name, s.Probe.Pos, len(s.Points), s.Probe.Node)
	}
	first := s.FirstError
	if first == "" {
		first = "(no message recorded)"
	}
	return fmt.Errorf("probe %s (%s): none of its samples on %s gave a value; %d failed, the first with: %s",
		s.Probe.Name, s.Probe.Pos, s.Probe.Node, s.Errors, first)
}
