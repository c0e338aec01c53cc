// Package course holds the plain values every stage shares: a course of
// chapters, the fenced blocks in them, and positions for error messages.
package course

import (
	"fmt"
	"strings"
	"time"
)

// Host is the node of host blocks: lifecycle steps performed through the
// Docker API, never commands run on the host. Every other node is a
// service of the course's compose file (composefile.Model.Nodes).
const Host = "host"

// The replication course's services, named by the topology diagram.
const (
	Primary    = "primary"
	Replica    = "replica"
	Subscriber = "subscriber"
)

// Pos is a position in a chapter file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Error is an error at a position in a chapter. Context, when present, holds
// the offending line with its neighbours, as shown under the message.
type Error struct {
	Pos     Pos
	Msg     string
	Context string
}

func (e *Error) Error() string {
	return e.Pos.String() + ": " + e.Msg
}

// Errorf returns an *Error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Course is the whole course in reading order. Title and Description
// come from the course's configuration (package config).
type Course struct {
	Title       string
	Description string // "" when the course gives none
	Chapters    []*Chapter
}

// Blocks returns every block of the course in document order.
func (c *Course) Blocks() []*Block {
	var all []*Block
	for _, ch := range c.Chapters {
		all = append(all, ch.Blocks...)
	}
	return all
}

// Chapter is one content/NN-slug.md file.
type Chapter struct {
	File   string // path as given to the loader, used in messages
	Slug   string // file name without NN- and .md
	Number int    // NN
	Title  string
	Source []byte // the whole file as read, front matter included
	// Body is Source as parsed: a leading byte order mark dropped, CR LF
	// and lone CR line endings turned into LF, and the front matter
	// blanked out (spaces, its line ends kept), so line numbers are the
	// file's. Its offsets are Source's when the file has LF endings and no
	// byte order mark.
	Body   []byte
	Blocks []*Block
	Probes map[string]*Probe // declared in the front matter
}

// Block is a fenced code block the build cares about: executable blocks
// (sql, sh), their expected output, and blocks that show a stand file.
type Block struct {
	Chapter *Chapter
	Pos     Pos    // line of the opening fence
	Lang    string // sql, sh, or a display language
	Node    string // empty for display-only blocks
	Attrs   map[string]string
	Code    string

	// Expected is the text of the output block that follows, with its
	// position; HasExpected is false when the block says nocompare.
	HasExpected bool
	Expected    string
	ExpectedPos Pos
	// ExpectedSpan is the byte range of the expected text in Source (the
	// file's bytes, CRs included), so an update can rewrite exactly those
	// bytes.
	ExpectedSpan [2]int

	Run        bool          // executed in the build
	Fails      bool          // declared to fail (error or non-zero exit expected)
	Eventually time.Duration // re-run until it matches, at most this long
	Timeout    time.Duration
	User       string // shell blocks: user inside the container
	File       string // display block showing a stand file (path under stand/)
	Sample     *Probe // probe sampled while this block runs
	Chart      *Probe // a ```chart block: where the probe's samples are drawn
}

// Command returns the block's code as a one-line summary for messages.
func (b *Block) Command() string {
	s := strings.TrimSpace(b.Code)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// ID is a stable anchor for the block within its chapter page.
func (b *Block) ID() string {
	return fmt.Sprintf("block-%d", b.Pos.Line)
}

// Result is what one executed block produced in this build.
type Result struct {
	Output   string            // exactly what the node printed (psql text for SQL)
	Exit     int               // shell exit status; 0 for SQL and host blocks
	Failed   bool              // an SQL error or a non-zero exit
	Duration time.Duration     // wall time of the last attempt
	Elapsed  time.Duration     // wall time of all attempts and the waits between them
	Attempts int               // runs until it matched (eventually blocks)
	Captures map[string]string // values captured by {{kind:name}} placeholders
}
