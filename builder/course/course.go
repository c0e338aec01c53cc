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

	// Alternatives are the expected outputs for other PostgreSQL major
	// versions (```output {pg=N} blocks right after the expected output),
	// in the chapter's order. The main version compares against Expected;
	// version N against its alternative when there is one.
	Alternatives []Alternative
	// Since is the first PostgreSQL major version the block can run on
	// (since="N: why"), 0 when it runs on every version; SinceWhy is the
	// reason given. On an older version the block is skipped, and says so.
	Since    int
	SinceWhy string
}

// Alternative is an expected output for one PostgreSQL major version.
type Alternative struct {
	Version int
	Text    string
	Pos     Pos    // line of the ```output {pg=N} fence
	Span    [2]int // byte range of Text in the chapter's Source, as ExpectedSpan
}

// ExpectedFor returns the expected output of b on PostgreSQL major version
// v: its alternative for v when it has one (alt is then set), else
// Expected. v = 0 means the main version.
func (b *Block) ExpectedFor(v int) (text string, alt *Alternative) {
	if a := b.Alternative(v); a != nil {
		return a.Text, a
	}
	return b.Expected, nil
}

// Alternative returns b's alternative expected output for version v, or nil.
func (b *Block) Alternative(v int) *Alternative {
	for i := range b.Alternatives {
		if v != 0 && b.Alternatives[i].Version == v {
			return &b.Alternatives[i]
		}
	}
	return nil
}

// SkippedOn reports whether b does not run on PostgreSQL major version v
// (v = 0: the main version, which runs every block).
func (b *Block) SkippedOn(v int) bool { return v != 0 && b.Since > v }

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
