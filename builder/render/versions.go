package render

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/record"
)

// VersionsPage is the file of the "PostgreSQL versions" page, relative to
// the site root.
const VersionsPage = "versions.html"

// Matrix is the version matrix as the site shows it: the matrix record's
// runs (record.Matrix), each with whether it still stands for the course.
type Matrix struct {
	Main   int
	Blocks []*course.Block // the course's executed blocks, in run order: MatrixRun.Blocks[i] is Blocks[i]'s
	Runs   []MatrixRun     // ascending by version
	// Problem says why the matrix record could not be read, "" when it
	// was (or is missing: Runs is then empty).
	Problem string
}

// MatrixRun is one version's run and why it is out of date ("" when it is
// current: nothing that decides its results changed since it ran).
type MatrixRun struct {
	Run   record.MatrixRun
	Stale string
}

// cell returns block b's status on run r, or nil when the run has none.
func (m *Matrix) cell(r *MatrixRun, b *course.Block) *record.MatrixBlock {
	for i, x := range m.Blocks {
		if x == b {
			if i < len(r.Run.Blocks) {
				return &r.Run.Blocks[i]
			}
			return nil
		}
	}
	return nil
}

// The versions page's data, read by theme/templates/versions.html.
type versionsData struct {
	layoutData
	Main    int
	Problem string
	Runs    []versionSummary
	Rows    []versionRow
	Same    int // blocks the same on every version that ran
	Total   int
}

type versionSummary struct {
	Version                       int
	Main                          bool
	Date, DateTime                string
	Elapsed                       string
	Server, Image                 string
	Same, Differs, Fails, Skipped int
	Unavailable, Error            string
	Stale                         string // why it is out of date; "" when current
}

type versionRow struct {
	Where, Href, Node, Command string
	Cells                      []versionCell
}

type versionCell struct {
	Version int
	Status  string // same, differs, fails, skipped, or "" when not run
	Against int
	Diff    template.HTML // the diff, lines marked
	Error   string
}

func (w *writer) versionsPage() error {
	mx := w.site.Matrix
	if mx == nil {
		return nil
	}
	data := versionsData{layoutData: w.layout("versions", "PostgreSQL versions — "+w.site.Course.Title), Main: mx.Main, Problem: mx.Problem, Total: len(mx.Blocks)}
	for _, r := range mx.Runs {
		n := r.Run.Summary()
		data.Runs = append(data.Runs, versionSummary{
			Version: r.Run.Version, Main: r.Run.Version == mx.Main,
			Date: r.Run.RanAt.UTC().Format("2006-01-02"), DateTime: r.Run.RanAt.UTC().Format(time.RFC3339),
			Elapsed: r.Run.Elapsed.Round(time.Second).String(),
			Server:  r.Run.Server, Image: r.Run.Image,
			Same: n[record.StatusSame], Differs: n[record.StatusDiffers], Fails: n[record.StatusFails], Skipped: n[record.StatusSkipped],
			Unavailable: r.Run.Unavailable, Error: firstLine(r.Run.Error), Stale: firstLine(r.Stale),
		})
	}
	for _, b := range mx.Blocks {
		row := versionRow{Where: b.Pos.String(), Href: pageName(b.Chapter) + "#" + b.ID(), Node: b.Node, Command: b.Command()}
		other := false
		for i := range mx.Runs {
			c := versionCell{Version: mx.Runs[i].Run.Version}
			if mb := mx.cell(&mx.Runs[i], b); mb != nil {
				c.Status, c.Against, c.Diff, c.Error = mb.Status, mb.Against, diffHTML(mb.Diff), mb.Error
				other = other || mb.Status != record.StatusSame
			}
			row.Cells = append(row.Cells, c)
		}
		if other {
			data.Rows = append(data.Rows, row)
		} else {
			data.Same++
		}
	}
	return w.execute(VersionsPage, VersionsPage, data)
}

// diffHTML marks a unified diff's lines for the stylesheet: removed
// (expected) and added (actual) lines; the text is escaped.
func diffHTML(diff string) template.HTML {
	diff = strings.TrimRight(diff, "\n")
	if diff == "" {
		return ""
	}
	var s strings.Builder
	for _, line := range strings.Split(diff, "\n") {
		class := ""
		switch {
		case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "+++"):
			class = "diff-head"
		case strings.HasPrefix(line, "-"):
			class = "diff-del"
		case strings.HasPrefix(line, "+"):
			class = "diff-add"
		case strings.HasPrefix(line, "@@"):
			class = "diff-hunk"
		}
		if class != "" {
			fmt.Fprintf(&s, "<span class=%q>%s</span>\n", class, html.EscapeString(line))
		} else {
			s.WriteString(html.EscapeString(line) + "\n")
		}
	}
	return template.HTML(s.String())
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// versionNotes are the notes under block b on its chapter page: for each
// other version the matrix ran, what the block printed there when it
// differs, fails or was skipped; for each alternative expected output,
// the output on that version when a current matrix run confirms it, else
// the alternative as written, labelled unverified.
func (w *writer) versionNotes(s *strings.Builder, b *course.Block) {
	mx := w.site.Matrix
	if mx == nil || !b.Run {
		return
	}
	var notes []string
	shown := map[int]bool{}
	for i := range mx.Runs {
		r := &mx.Runs[i]
		v := r.Run.Version
		if v == mx.Main {
			continue
		}
		mb := mx.cell(r, b)
		if mb == nil {
			continue
		}
		when := "matrix run " + r.Run.RanAt.UTC().Format("2006-01-02")
		if r.Stale != "" {
			when += ", out of date"
		}
		out := strings.TrimRight(mb.Output, "\n")
		switch mb.Status {
		case record.StatusDiffers:
			notes = append(notes, note("differs", fmt.Sprintf("On PostgreSQL %d this prints (%s):", v, when), out))
		case record.StatusFails:
			notes = append(notes, note("fails", fmt.Sprintf("On PostgreSQL %d this fails (%s): %s", v, when, firstLine(mb.Error)), out))
		case record.StatusSkipped:
			notes = append(notes, note("skipped", fmt.Sprintf("Not run on PostgreSQL %d (%s).", v, mb.Error), ""))
		case record.StatusSame:
			if mb.Against == v && r.Stale == "" {
				notes = append(notes, note("verified", fmt.Sprintf("On PostgreSQL %d this prints (verified, %s):", v, when), out))
				shown[v] = true
			}
		}
		if mb.Against == v && mb.Status != record.StatusSame {
			shown[v] = false
		}
	}
	for _, a := range b.Alternatives {
		if shown[a.Version] {
			continue
		}
		notes = append(notes, note("unverified", fmt.Sprintf("On PostgreSQL %d this is expected to print (not verified by a current matrix run):", a.Version), strings.TrimRight(a.Text, "\n")))
	}
	if len(notes) == 0 {
		return
	}
	s.WriteString("<div class=\"version-notes\">\n")
	for _, n := range notes {
		s.WriteString(n)
	}
	s.WriteString("</div>\n")
}

func note(class, label, text string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "<div class=\"version-note %s\">\n<p class=\"version-label\">%s <a href=%q>all versions</a></p>\n", class, html.EscapeString(label), VersionsPage)
	if text != "" {
		fmt.Fprintf(&s, "<pre class=\"output-text\"><samp>%s</samp></pre>\n", html.EscapeString(text))
	}
	s.WriteString("</div>\n")
	return s.String()
}
