package course

import "time"

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
// column of the probe's query, in the order of Series.Columns.
type Point struct {
	T time.Duration
	V []float64
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
	Points  []Point
	Marks   []Mark
	Errors  int // samples that failed (e.g. while a node restarted)
}
