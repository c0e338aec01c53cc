// Package report tells CI what a build found: GitHub Actions annotations,
// which put each error on the chapter line it concerns, and a JUnit XML
// report with one test case per executed block.
package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"replcourse/builder/course"
	"replcourse/builder/run"
)

// Annotate writes one ::error workflow command per error, with the file and
// line when the error has them. Paths are made relative to root, the
// repository checkout, as GitHub expects.
func Annotate(w io.Writer, root string, errs ...error) {
	for _, err := range errs {
		if err == nil {
			continue
		}
		var (
			ce *course.Error
			be *run.BlockError
		)
		switch {
		case errors.As(err, &be):
			title := "block failed"
			if be.Kind == run.KindMismatch {
				title = "output mismatch"
			}
			annotate(w, rel(root, be.Block.Pos.File), be.Block.Pos.Line, title, be.Error())
		case errors.As(err, &ce):
			annotate(w, rel(root, ce.Pos.File), ce.Pos.Line, "content error", ce.Msg)
		default:
			annotate(w, "", 0, "coursebuild", err.Error())
		}
	}
}

// Caps on what one error puts in a report, in bytes of its message before
// escaping: a block's output may be megabytes, and the build's own log
// already holds the whole error.
const (
	maxAnnotation = 16 << 10  // a workflow command's message
	maxReportText = 256 << 10 // a JUnit failure's or error's text
)

// cut returns s whole if it holds at most limit bytes, else its first
// limit bytes or fewer (whole UTF-8 sequences) and a line saying how
// much was left out.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s\n… [cut here: %d more bytes; the build's log has the whole message]", s[:n], len(s)-n)
}

// xmlText makes s fit in an XML document: a character XML 1.0 cannot hold
// (a control character other than tab, newline and carriage return, such
// as ESC or NUL; U+FFFE, U+FFFF) is written as its code point, ⟨U+001B⟩,
// and a byte that is not UTF-8 as ⟨0xFF⟩.
func xmlText(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "⟨0x%02X⟩", s[i])
		case !xmlChar(r):
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// xmlChar is the Char production of XML 1.0.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func annotate(w io.Writer, file string, line int, title, msg string) {
	msg = cut(msg, maxAnnotation)
	var props []string
	if file != "" {
		props = append(props, "file="+escapeProperty(file))
		if line > 0 {
			props = append(props, fmt.Sprintf("line=%d", line))
		}
	}
	props = append(props, "title="+escapeProperty(title))
	fmt.Fprintf(w, "::error %s::%s\n", strings.Join(props, ","), escapeData(msg))
}

// escapeData follows GitHub's rules for a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty also escapes the separators of the property list.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// rel makes path relative to root with forward slashes, if it is inside.
func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		path = r
	}
	return filepath.ToSlash(path)
}

// Run is what a build covered, for the JUnit report.
type Run struct {
	Root    string                           // paths are reported relative to it
	Blocks  []*course.Block                  // the blocks the build covers, in order
	Results map[*course.Block]*course.Result // what ran (or was taken from the record)
	Err     error                            // the build's error, if any
	// Recorded, when set, says the results come from the record of a run
	// verified at that time: no block ran in this build.
	Recorded time.Time
}

type testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     seconds     `xml:"time,attr"`
	Suites   []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       seconds     `xml:"time,attr"`
	Properties *properties `xml:"properties,omitempty"`
	Cases      []testcase  `xml:"testcase"`
}

type properties struct {
	List []property `xml:"property"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      seconds  `xml:"time,attr"`
	Failure   *problem `xml:"failure,omitempty"`
	Error     *problem `xml:"error,omitempty"`
	Skipped   *problem `xml:"skipped,omitempty"`
}

// seconds is a duration as JUnit wants it, without exponents.
type seconds float64

func (s seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: fmt.Sprintf("%.3f", float64(s))}, nil
}

type problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// JUnit writes the report: a test suite per chapter, a test case per block
// named "file:line node command", a failure with the diff for a mismatch,
// an error for a block that could not run, and skipped for the blocks not
// reached after it. An error before any block (content, Docker) is one
// test case of its own.
func JUnit(w io.Writer, r Run) error {
	var be *run.BlockError
	errors.As(r.Err, &be)
	all := testsuites{Name: "coursebuild"}
	index := map[*course.Chapter]int{}
	for _, b := range r.Blocks {
		k, ok := index[b.Chapter]
		if !ok {
			k = len(all.Suites)
			index[b.Chapter] = k
			all.Suites = append(all.Suites, newSuite(rel(r.Root, b.Chapter.File), r.Recorded))
		}
		s := &all.Suites[k]
		tc := blockCase(r, b, be)
		s.count(tc)
		s.Cases = append(s.Cases, tc)
	}
	if r.Err != nil && (be == nil || !covers(r.Blocks, be.Block)) {
		s := newSuite("coursebuild", r.Recorded)
		tc := testcase{Name: "build", Classname: "coursebuild", Error: newProblem(firstLine(r.Err.Error()), "error", r.Err.Error())}
		s.count(tc)
		s.Cases = append(s.Cases, tc)
		all.Suites = append(all.Suites, s)
	}
	for _, s := range all.Suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
		all.Time += s.Time
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func newSuite(name string, recorded time.Time) testsuite {
	s := testsuite{Name: name}
	if !recorded.IsZero() {
		s.Properties = &properties{[]property{{Name: "results", Value: "from the record verified at " + recorded.UTC().Format(time.RFC3339) + "; no block ran in this build"}}}
	}
	return s
}

func covers(blocks []*course.Block, b *course.Block) bool {
	for _, x := range blocks {
		if x == b {
			return true
		}
	}
	return false
}

// failureType is the JUnit failure type of each verdict: the block ran,
// and its result contradicts the chapter.
var failureType = map[run.Kind]string{
	run.KindMismatch:          "mismatch",
	run.KindUnexpectedError:   "unexpected-error",
	run.KindUnexpectedSuccess: "unexpected-success",
}

func blockCase(r Run, b *course.Block, be *run.BlockError) testcase {
	file := rel(r.Root, b.Pos.File)
	tc := testcase{Name: xmlText(fmt.Sprintf("%s:%d %s %s", file, b.Pos.Line, b.Node, b.Command())), Classname: xmlText(file)}
	res := r.Results[b]
	if res != nil {
		tc.Time = seconds(res.Elapsed.Seconds())
	}
	switch {
	case be != nil && be.Block == b:
		if be.Verdict() {
			tc.Failure = newProblem(be.Msg, failureType[be.Kind], be.Error())
		} else {
			tc.Error = newProblem(be.Msg, "error", be.Error())
		}
	case res == nil:
		tc.Skipped = &problem{Message: "not reached: an earlier block failed"}
	}
	return tc
}

// newProblem makes a failure or an error fit for the report: its text
// cut to maxReportText, both free of characters XML cannot hold.
func newProblem(msg, typ, text string) *problem {
	return &problem{Message: xmlText(cut(msg, maxReportText)), Type: typ, Text: xmlText(cut(text, maxReportText))}
}

func (s *testsuite) count(tc testcase) {
	s.Tests++
	s.Time += tc.Time
	switch {
	case tc.Failure != nil:
		s.Failures++
	case tc.Error != nil:
		s.Errors++
	case tc.Skipped != nil:
		s.Skipped++
	}
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
