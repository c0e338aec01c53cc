package render

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"

	"replcourse/builder/chart"
	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/topology"
)

// fenceLang is the language of a fenced block as the loader reads it: the
// info string up to the first space, tab or brace.
func fenceLang(fb *ast.FencedCodeBlock, src []byte) string {
	if fb.Info == nil {
		return ""
	}
	info := strings.TrimSpace(string(fb.Info.Segment.Value(src)))
	if i := strings.IndexAny(info, " \t{"); i >= 0 {
		return info[:i]
	}
	return info
}

// bindBlocks pairs each fenced block of the parsed page with its loaded
// Block and removes the ```output blocks, which are never shown as
// written. Pairing is by order, as the loader met them: byte offsets no
// longer match once Expand has run over the prose.
func bindBlocks(ch *course.Chapter, doc ast.Node, src []byte) (map[*ast.FencedCodeBlock]*course.Block, error) {
	var fences []*ast.FencedCodeBlock
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if fb, ok := n.(*ast.FencedCodeBlock); ok && entering {
			fences = append(fences, fb)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	bound := map[*ast.FencedCodeBlock]*course.Block{}
	for _, fb := range fences {
		lang := fenceLang(fb, src)
		if lang == "output" {
			fb.Parent().RemoveChild(fb.Parent(), fb)
			continue
		}
		n := len(bound)
		if n >= len(ch.Blocks) || ch.Blocks[n].Lang != lang {
			return nil, fmt.Errorf("code block %d of the page (%q) does not match the loaded chapter; did Expand insert a code fence?", n+1, lang)
		}
		bound[fb] = ch.Blocks[n]
	}
	if len(bound) != len(ch.Blocks) {
		return nil, fmt.Errorf("the page has %d code blocks but the loaded chapter has %d; did Expand remove a code fence?", len(bound), len(ch.Blocks))
	}
	return bound, nil
}

// fenceRenderer renders fenced code blocks from their loaded Block, with
// the real output of this build under executed ones.
type fenceRenderer struct {
	w      *writer
	blocks map[*ast.FencedCodeBlock]*course.Block
	code   map[*ast.FencedCodeBlock]string // code as shown, for the search index
}

// RegisterFuncs implements renderer.NodeRenderer.
func (r *fenceRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.render)
}

func (r *fenceRenderer) render(out util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	if err := r.w.ctx.Err(); err != nil {
		return ast.WalkStop, err
	}
	fb := n.(*ast.FencedCodeBlock)
	b := r.blocks[fb]
	if b == nil { // bindBlocks pairs every fence it leaves in the tree
		return ast.WalkStop, fmt.Errorf("internal: code block without a loaded block")
	}
	s, code, err := r.w.block(b)
	if err != nil {
		return ast.WalkStop, err
	}
	if code != "" {
		if r.code == nil {
			r.code = map[*ast.FencedCodeBlock]string{}
		}
		r.code[fb] = code
	}
	_, _ = out.WriteString(escapeTokenOpen(s))
	return ast.WalkSkipChildren, nil
}

// block returns the HTML of one block — head, highlighted code, and for
// an executed block the output panel — and its code as shown. Charts and
// diagrams are pictures drawn by the build, with no code.
func (w *writer) block(b *course.Block) (html, code string, err error) {
	switch {
	case b.Chart != nil:
		s, err := w.chart(b)
		return s, "", err
	case b.Lang == topology.Lang:
		s, err := w.diagram(b)
		return s, "", err
	}
	var res *course.Result
	if b.Run {
		if res = w.site.Results[b]; res == nil {
			return "", "", fmt.Errorf("no result for block at %s (%s)", b.Pos, b.Command())
		}
	}
	code, marks, err := w.blockCode(b)
	if err != nil {
		return "", "", err
	}
	var s strings.Builder
	fmt.Fprintf(&s, "<figure class=\"%s\" id=\"%s\">\n", blockClass(b, w.palette), b.ID())
	blockHead(&s, b, w.palette, w.capturedNote(b, marks))
	s.WriteString(w.hl.html(highlightLang(b), code, marks...))
	if res != nil {
		outputPanel(&s, b, res, w.site.Verified.BuiltAt)
	}
	w.versionNotes(&s, b)
	s.WriteString("</figure>\n")
	return s.String(), code, nil
}

// blockCode is the code as shown: expanded, except a stand file, which is
// shown exactly as the build used it. Each reference is expanded alone,
// as in prose; marks are where the captured values landed in the code
// (an escaped \{{@name}} is text, not a value), each titled with the
// reference and the block that captured it (capturedTitle).
func (w *writer) blockCode(b *course.Block) (string, []valueMark, error) {
	if b.File != "" || !strings.Contains(b.Code, "{{@") {
		return b.Code, nil, nil
	}
	var out strings.Builder
	var marks []valueMark
	for i, line := range strings.SplitAfter(b.Code, "\n") {
		last := 0
		for _, loc := range proseRefRE.FindAllStringIndex(line, -1) {
			ref := line[loc[0]:loc[1]]
			v, err := w.expand(ref)
			if err != nil {
				// The code starts on the line after the opening fence.
				return "", nil, course.Errorf(course.Pos{File: b.Pos.File, Line: b.Pos.Line + 1 + i}, "%v", err)
			}
			out.WriteString(line[last:loc[0]])
			slashes := len(ref) - len(strings.TrimLeft(ref, `\`))
			if slashes%2 == 0 && len(v) > slashes/2 { // a value after the backslashes it keeps
				name := strings.TrimSuffix(ref[slashes+len("{{@"):], "}}")
				start := out.Len() + slashes/2
				marks = append(marks, valueMark{start: start, end: out.Len() + len(v), title: w.capturedTitle(b, name)})
			}
			out.WriteString(v)
			last = loc[1]
		}
		out.WriteString(line[last:])
	}
	return out.String(), marks, nil
}

// capturer returns the block whose expected output last captured name
// before b in the course (nil if none did: an error Expand reports).
func (w *writer) capturer(b *course.Block, name string) *course.Block {
	w.capturesOnce.Do(func() {
		w.order = map[*course.Block]int{}
		w.capturedBy = map[string][]*course.Block{}
		for i, x := range w.site.Course.Blocks() {
			w.order[x] = i
			if x.HasExpected {
				for _, n := range check.CaptureNames(x.Expected) {
					w.capturedBy[n] = append(w.capturedBy[n], x)
				}
			}
		}
	})
	var found *course.Block
	for _, x := range w.capturedBy[name] {
		if w.order[x] < w.order[b] {
			found = x
		}
	}
	return found
}

// capturedTitle is the tooltip of a captured value in b's code: which
// reference it is and where the reader finds their own.
func (w *writer) capturedTitle(b *course.Block, name string) string {
	t := fmt.Sprintf("value from this build's run, captured as %q", name)
	if c := w.capturer(b, name); c != nil {
		t += fmt.Sprintf(" — use your own, from the output of %s (chapter %d)", c.Command(), c.Chapter.Number)
	}
	return t
}

// capturedNote is the note in the head of a block whose code holds
// captured values: it says so, and links each block that captured one.
func (w *writer) capturedNote(b *course.Block, marks []valueMark) string {
	if len(marks) == 0 {
		return ""
	}
	var links []string
	seen := map[*course.Block]bool{}
	for _, name := range check.References(b.Code) {
		c := w.capturer(b, name)
		if c == nil || seen[c] {
			continue
		}
		seen[c] = true
		href := "#" + c.ID()
		if c.Chapter != b.Chapter {
			href = pageName(c.Chapter) + href
		}
		links = append(links, fmt.Sprintf(`<a href="%s">%s</a>`, html.EscapeString(href), html.EscapeString(c.Command())))
	}
	note := `<span class="captured-note">holds values from this build's run, marked: use your own`
	if len(links) > 0 {
		note += ", from the output of " + strings.Join(links, ", ")
	}
	return note + "</span>"
}

func blockClass(b *course.Block, p palette) string {
	kind := "display"
	switch {
	case b.Run:
		kind = "run"
	case b.File != "":
		kind = "file"
	case hasAttr(b, "norun"):
		kind = "norun"
	}
	if b.Node != "" {
		return "block " + kind + " " + p.class(b.Node)
	}
	return "block " + kind
}

// blockHead writes the block's label; note, HTML, goes before its anchor.
func blockHead(s *strings.Builder, b *course.Block, p palette, note string) {
	esc := html.EscapeString
	s.WriteString(`<figcaption class="block-head">`)
	if b.Node != "" {
		fmt.Fprintf(s, `<span class="node %s">%s</span> `, p.class(b.Node), esc(b.Node))
	}
	switch {
	case b.File != "":
		fmt.Fprintf(s, `<span class="path">stand/%s</span>`, esc(b.File))
		if b.Lang != "" {
			fmt.Fprintf(s, ` <span class="lang">%s</span>`, esc(b.Lang))
		}
	case b.Lang != "":
		fmt.Fprintf(s, `<span class="lang">%s</span>`, esc(b.Lang))
	default:
		s.WriteString(`<span class="lang">text</span>`)
	}
	if b.User != "" {
		fmt.Fprintf(s, ` <span class="note">as %s</span>`, esc(b.User))
	}
	if why, ok := b.Attrs["norun"]; ok {
		fmt.Fprintf(s, ` <span class="status norun">not run: %s</span>`, esc(why))
	}
	if note != "" {
		s.WriteString(" " + note)
	}
	fmt.Fprintf(s, ` <a class="anchor" href="#%s" aria-label="Link to this block">#</a>`, b.ID())
	s.WriteString("</figcaption>\n")
}

// outputPanel shows what the block printed in the verified run (this
// build's, or the recorded one's: the date says which). The text is
// always escaped: outputs are data, whatever they contain.
func outputPanel(s *strings.Builder, b *course.Block, res *course.Result, at time.Time) {
	class, label := "output verified", "output — verified "+at.UTC().Format("2006-01-02")
	if b.Node == course.Host {
		label = "output of docker compose — verified " + at.UTC().Format("2006-01-02")
	}
	if why, ok := b.Attrs["nocompare"]; ok {
		class, label = "output nocompare", "output not compared: "+why
	}
	fmt.Fprintf(s, "<div class=%q>\n<p class=\"output-label\">%s", class, html.EscapeString(label))
	if d := outputDetail(b, res); d != "" {
		fmt.Fprintf(s, `<span class="detail"> · %s</span>`, html.EscapeString(d))
	}
	s.WriteString("</p>\n")
	if b.Node == course.Host {
		hostOutput(s, res.Output)
		s.WriteString("</div>\n")
		return
	}
	// One trailing newline per line is how programs end output; shown
	// inside <pre> it would only add an empty last line.
	text := strings.TrimRight(res.Output, "\n")
	if strings.TrimSpace(text) == "" {
		s.WriteString("<p class=\"output-empty\">(no output)</p>\n")
	} else {
		fmt.Fprintf(s, "<pre class=\"output-text\"><samp>%s</samp></pre>\n", html.EscapeString(text))
	}
	s.WriteString("</div>\n")
}

// hostOutput shows a host block's output part by part, each labelled for
// what it is (course.SplitHostOutput): the lines docker compose printed
// for the command, as its terminal shows them when it returns (timers left
// out), and the state of the services the build checked after it, which
// compose does not print.
func hostOutput(s *strings.Builder, out string) {
	parts := course.SplitHostOutput(out)
	if len(parts) == 0 || parts[0].State {
		s.WriteString("<p class=\"output-empty\">(docker compose printed nothing)</p>\n")
	}
	for _, p := range parts {
		text := strings.TrimRight(p.Text, "\n")
		if p.State {
			s.WriteString("<p class=\"output-label output-state\">state after the command — checked by the build, not printed by docker compose</p>\n")
		}
		if strings.TrimSpace(text) != "" {
			fmt.Fprintf(s, "<pre class=\"output-text\"><samp>%s</samp></pre>\n", html.EscapeString(text))
		}
	}
}

// outputDetail notes what a reader would otherwise not see: a failure the
// chapter declared, and retries of an eventually block.
func outputDetail(b *course.Block, res *course.Result) string {
	var d []string
	if res.Failed {
		what := "error"
		if res.Exit != 0 {
			what = fmt.Sprintf("exit status %d", res.Exit)
		}
		if b.Fails {
			what += ", as expected"
		}
		d = append(d, what)
	}
	if res.Attempts > 1 {
		d = append(d, fmt.Sprintf("matched after %d attempts", res.Attempts))
	}
	return strings.Join(d, " · ")
}

func hasAttr(b *course.Block, key string) bool {
	_, ok := b.Attrs[key]
	return ok
}

// chart draws a probe's samples where the chapter put its ```chart block,
// with a numbered legend of the blocks that ran while it sampled. Samples
// the chart cannot draw (chart.Check) are an error at the chart block.
func (w *writer) chart(b *course.Block) (string, error) {
	var s strings.Builder
	fmt.Fprintf(&s, "<figure class=\"chart-figure\" id=\"%s\">\n", b.ID())
	series := w.site.Series[b.Chart]
	if series == nil {
		s.WriteString("<p class=\"output-empty\">(no samples: the blocks of this probe did not run in the verified run)</p>\n</figure>\n")
		return s.String(), nil
	}
	if err := series.Failed(); err != nil {
		return "", course.Errorf(b.Pos, "chart: %v", err)
	}
	svg, err := chart.SVG(series, b.ID())
	if err != nil {
		return "", course.Errorf(b.Pos, "chart of probe %q: %v", b.Chart.Name, err)
	}
	s.WriteString(svg)
	s.WriteString("\n<figcaption class=\"chart-caption\">\n")
	fmt.Fprintf(&s, "<p>%s, sampled every %s on %s during the verified run: %s</p>\n",
		html.EscapeString(label(series.Probe)), series.Probe.Every, html.EscapeString(series.Probe.Node),
		html.EscapeString(chart.Describe(series)))
	if series.Errors > 0 {
		fmt.Fprintf(&s, "<p class=\"chart-errors\">%d samples failed and are not drawn; the first: <code>%s</code></p>\n",
			series.Errors, html.EscapeString(series.FirstError))
	}
	s.WriteString("<ol class=\"chart-legend\">\n")
	for _, m := range series.Marks {
		// The block's command as the page shows its code: with the
		// captured values in place of {{@name}}.
		code, _, err := w.blockCode(m.Block)
		if err != nil {
			return "", err
		}
		shown := &course.Block{Code: code}
		fmt.Fprintf(&s, "<li><a href=\"#%s\"><span class=\"node %s\">%s</span> <code>%s</code></a></li>\n",
			m.Block.ID(), w.palette.class(m.Block.Node), html.EscapeString(m.Block.Node), html.EscapeString(shown.Command()))
	}
	s.WriteString("</ol>\n</figcaption>\n</figure>\n")
	return s.String(), nil
}

// diagram draws the stand as the run found it where the chapter put its
// block: the state the diagram block recorded as its output. What the
// picture means is the chapter's to say, in the prose around it.
func (w *writer) diagram(b *course.Block) (string, error) {
	res := w.site.Results[b]
	if res == nil {
		return "", fmt.Errorf("no result for the diagram block at %s", b.Pos)
	}
	st, err := topology.Decode(res.Output)
	if err != nil {
		return "", course.Errorf(b.Pos, "the diagram's recorded state: %v", err)
	}
	var s strings.Builder
	fmt.Fprintf(&s, "<figure class=\"diagram-figure\" id=\"%s\">\n", b.ID())
	s.WriteString(`<div class="diagram-scroll">`)
	s.WriteString(topology.SVG(b.ID(), st, w.palette.colour))
	s.WriteString("</div>\n</figure>\n")
	return s.String(), nil
}

func label(p *course.Probe) string {
	if p.Label != "" {
		return p.Label
	}
	return p.Name
}
