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
	Query string // returns one number
	Label string // what the number is, for the chart's axis
	Pos   Pos
}

// Point is one sample: time since the probe started, and the value.
type Point struct {
	T time.Duration
	V float64
}

// Mark is the moment a sampled block started.
type Mark struct {
	T     time.Duration
	Block *Block
}

// Series is what a probe recorded in this build.
type Series struct {
	Probe  *Probe
	Points []Point
	Marks  []Mark
	Errors int // samples that failed (e.g. while a node restarted)
}
