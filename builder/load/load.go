// Package load reads the chapters of a course into plain values. Every
// content error is found here, before any container starts, and each one
// names the file and line.
package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"go.yaml.in/yaml/v3"

	"replcourse/builder/course"
	"replcourse/builder/coursefs"
	"replcourse/builder/psql"
)

// DefaultTimeout bounds a block that does not set timeout=.
const DefaultTimeout = 60 * time.Second

var chapterName = regexp.MustCompile(`^(\d+)-([a-z0-9][a-z0-9-]*)\.md$`)

// Dir loads every NN-slug.md chapter in contentDir, in file-name order.
// standDir is where file= references are resolved. Chapters are read
// through coursefs, within the folder holding contentDir: a chapter that is
// a symbolic link out of the course, or not a regular file, is an error
// naming it.
//
// Every entry of contentDir is a chapter or an error naming it (Entries),
// so that no chapter is skipped: a folder, a file named otherwise
// (01-x.MD, 01-x.markdown, notes.md) or a folder that holds no chapter.
// Hidden entries (names starting with ".": .DS_Store, editors' swap files,
// .git) are not part of the course and are passed over.
func Dir(contentDir, standDir string) (*course.Course, error) {
	names, err := Entries(contentDir)
	if err != nil {
		return nil, err
	}
	c := &course.Course{} // the title comes from the course's configuration (package config)
	seen := map[int]string{}
	for _, name := range names {
		path := filepath.Join(contentDir, name)
		m := chapterName.FindStringSubmatch(name)
		num, _ := strconv.Atoi(m[1])
		if prev, dup := seen[num]; dup {
			return nil, course.Errorf(course.Pos{File: path, Line: 1}, "chapter number %02d is also used by %s", num, prev)
		}
		seen[num] = name
		src, _, err := coursefs.ReadFile(filepath.Dir(contentDir), path)
		if err != nil {
			var ce *coursefs.Error
			if errors.As(err, &ce) {
				return nil, course.Errorf(course.Pos{File: path}, "%s", ce.Reason)
			}
			return nil, readError(course.Pos{File: path}, "", err)
		}
		ch, err := Chapter(path, src, standDir)
		if err != nil {
			return nil, err
		}
		ch.Number, ch.Slug = num, m[2]
		c.Chapters = append(c.Chapters, ch)
	}
	if len(c.Chapters) == 0 {
		return nil, course.Errorf(course.Pos{File: contentDir}, "no chapters: the chapters' folder holds no NN-slug.md file")
	}
	return c, nil
}

// Entries lists the chapter files of contentDir, sorted by name: every
// entry not hidden (see Dir) must be a file named NN-slug.md, and anything
// else is a *course.Error naming it. A contentDir that is missing or not a
// folder is a *course.Error too.
func Entries(contentDir string) ([]string, error) {
	entries, err := os.ReadDir(contentDir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, course.Errorf(course.Pos{File: contentDir}, "the chapters' folder does not exist")
		}
		return nil, course.Errorf(course.Pos{File: contentDir}, "cannot read the chapters' folder: %v", err)
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(contentDir, name)
		switch {
		case strings.HasPrefix(name, "."):
			continue
		case e.IsDir():
			return nil, course.Errorf(course.Pos{File: path}, "a folder in the chapters' folder: chapters are NN-slug.md files directly in it, and nothing in a folder is read")
		case !chapterName.MatchString(name):
			return nil, course.Errorf(course.Pos{File: path}, "not a chapter: chapter file names are NN-slug.md (lower case), got %q", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

type frontMatter struct {
	Title  string               `yaml:"title"`
	Probes map[string]probeSpec `yaml:"probes"`
	// probeLines is the file line of each probe's name.
	probeLines map[string]int
}

// frontMatterKeys and probeKeys are the keys the front matter and each
// of its probes take, in the order messages list them.
var (
	frontMatterKeys = []string{"title", "probes"}
	probeKeys       = []string{"node", "every", "query", "label"}
)

// checkFrontMatter checks the keys and the shape of the front matter's
// YAML, doc, before it is decoded, so that a mistake is told in the
// author's terms at its line (an unknown key with the nearest known one),
// never in the decoder's. It returns the file line of each probe's name.
// The YAML starts on the file's second line.
func checkFrontMatter(path string, doc *yaml.Node) (map[string]int, error) {
	lines := map[string]int{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return lines, nil // empty: "no title" follows
	}
	at := func(n *yaml.Node) course.Pos { return course.Pos{File: path, Line: n.Line + 1} }
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, course.Errorf(at(top), "bad front matter: want keys and values (%s)", strings.Join(frontMatterKeys, ", "))
	}
	unknown := func(where string, k *yaml.Node, known []string) error {
		if s := course.Nearest(k.Value, known); s != "" {
			return course.Errorf(at(k), "bad front matter: unknown %skey %q (did you mean %q?)", where, k.Value, s)
		}
		return course.Errorf(at(k), "bad front matter: unknown %skey %q (known: %s)", where, k.Value, strings.Join(known, ", "))
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "title":
			if v.Kind != yaml.ScalarNode {
				return nil, course.Errorf(at(v), "bad front matter: title: want one line of text")
			}
		case "probes":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return nil, course.Errorf(at(v), "bad front matter: probes: want probes by name, each with %s", strings.Join(probeKeys, ", "))
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				name, spec := v.Content[j], v.Content[j+1]
				lines[name.Value] = name.Line + 1
				if spec.Kind != yaml.MappingNode {
					return nil, course.Errorf(at(name), "bad front matter: probe %s: want %s", name.Value, strings.Join(probeKeys, ", "))
				}
				for m := 0; m+1 < len(spec.Content); m += 2 {
					pk, pv := spec.Content[m], spec.Content[m+1]
					if !contains(probeKeys, pk.Value) {
						return nil, unknown("probe ", pk, probeKeys)
					}
					if pv.Kind != yaml.ScalarNode {
						return nil, course.Errorf(at(pv), "bad front matter: probe %s: %s: want a single value", name.Value, pk.Value)
					}
				}
			}
		default:
			return nil, unknown("", k, frontMatterKeys)
		}
	}
	return lines, nil
}

// probeSpec is a probe as written in the front matter.
type probeSpec struct {
	Node  string `yaml:"node"`
	Every string `yaml:"every"`
	Query string `yaml:"query"`
	Label string `yaml:"label"`
}

// Chapter parses one chapter's source. The source is read as UTF-8, with
// a leading byte order mark dropped and CR LF or lone CR line endings read
// as LF; line numbers count those line endings.
func Chapter(path string, src []byte, standDir string) (*course.Chapter, error) {
	if bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) {
		return nil, course.Errorf(course.Pos{File: path, Line: 1}, "file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8")
	}
	text, dropped := normalize(src)
	if !utf8.Valid(text) {
		line := 1 + bytes.Count(text[:firstInvalid(text)], []byte("\n"))
		return nil, course.Errorf(course.Pos{File: path, Line: line}, "file is not valid UTF-8")
	}
	ch := &course.Chapter{File: path, Source: src}
	body, fm, err := splitFrontMatter(path, text)
	if err != nil {
		return nil, err
	}
	ch.Body, ch.Title = body, fm.Title
	if ch.Probes, err = probes(path, fm.Probes, fm.probeLines); err != nil {
		return nil, err
	}
	p := &parser{ch: ch, standDir: standDir, dropped: dropped}
	if err := p.blocks(); err != nil {
		return nil, err
	}
	if err := probesUsed(ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// probesUsed checks that every probe of the front matter is sampled by a
// block (sample=NAME): a probe no block samples has no samples to draw, so
// a chart of it is an error at the chart's line, and a probe nothing uses
// at all is one at the probe's line. The first error in the file is
// reported.
func probesUsed(ch *course.Chapter) error {
	sampled := map[*course.Probe]bool{}
	for _, b := range ch.Blocks {
		if b.Sample != nil {
			sampled[b.Sample] = true
		}
	}
	var errs []*course.Error
	charted := map[*course.Probe]bool{}
	for _, b := range ch.Blocks {
		if pr := b.Chart; pr != nil && !sampled[pr] {
			charted[pr] = true
			errs = append(errs, course.Errorf(b.Pos, "chart of probe %s, which no block samples: the chart would have nothing to draw (add sample=%s to the blocks whose run it watches)", pr.Name, pr.Name))
		}
	}
	for _, pr := range ch.Probes {
		if !sampled[pr] && !charted[pr] {
			errs = append(errs, course.Errorf(pr.Pos, "probe %s is never used: no block samples it (sample=%s) and no chart draws it; use it or remove it", pr.Name, pr.Name))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return slices.MinFunc(errs, func(a, b *course.Error) int { return a.Pos.Line - b.Pos.Line })
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// splitFrontMatter reads the YAML front matter between --- lines at the top
// and returns the source with those bytes blanked, so byte offsets (and line
// numbers) in the body are the file's own.
func splitFrontMatter(path string, src []byte) ([]byte, frontMatter, error) {
	var fm frontMatter
	pos := course.Pos{File: path, Line: 1}
	if !bytes.HasPrefix(src, []byte("---\n")) {
		return nil, fm, course.Errorf(pos, "missing front matter: start the file with ---, a title: line, and ---")
	}
	end := bytes.Index(src[4:], []byte("\n---\n"))
	if end < 0 {
		return nil, fm, course.Errorf(pos, "front matter is not closed by a --- line")
	}
	yamlText := src[4 : 4+end+1]
	var doc yaml.Node
	if err := yaml.Unmarshal(yamlText, &doc); err != nil {
		return nil, fm, yamlError(path, err)
	}
	lines, err := checkFrontMatter(path, &doc)
	if err != nil {
		return nil, fm, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(yamlText))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		return nil, fm, yamlError(path, err)
	}
	fm.probeLines = lines
	if strings.TrimSpace(fm.Title) == "" {
		return nil, fm, course.Errorf(pos, "front matter has no title")
	}
	body := bytes.Clone(src)
	for i := 0; i < 4+end+5; i++ {
		if body[i] != '\n' {
			body[i] = ' '
		}
	}
	return body, fm, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a YAML error into a positioned one; the YAML starts on the
// file's second line.
func yamlError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return course.Errorf(course.Pos{File: path, Line: n + 1}, "bad front matter: %s", m[2])
	}
	return course.Errorf(course.Pos{File: path, Line: 2}, "bad front matter: %s", msg)
}

var probeName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// probes checks the front matter's probes.
func probes(path string, specs map[string]probeSpec, lines map[string]int) (map[string]*course.Probe, error) {
	out := map[string]*course.Probe{}
	for _, name := range slices.Sorted(maps.Keys(specs)) {
		sp := specs[name]
		pos := course.Pos{File: path, Line: lines[name]}
		if pos.Line == 0 {
			pos.Line = 2
		}
		if !probeName.MatchString(name) {
			return nil, course.Errorf(pos, "probe name %q: use [a-z][a-z0-9_]*", name)
		}
		// Which services exist is the compose file's to say
		// (composefile.Model.Check); here a probe only needs one.
		if strings.TrimSpace(sp.Node) == "" {
			return nil, course.Errorf(pos, "probe %s: no node: name the service its query runs on (node: SERVICE)", name)
		}
		every, err := time.ParseDuration(sp.Every)
		if err != nil || every < 10*time.Millisecond {
			return nil, course.Errorf(pos, "probe %s: every=%q: want a duration of at least 10ms", name, sp.Every)
		}
		if strings.TrimSpace(sp.Query) == "" {
			return nil, course.Errorf(pos, "probe %s has no query", name)
		}
		// A sample reads one row of one statement; the server runs a
		// probe's query through the extended protocol, one statement.
		if n := len(psql.Split(sp.Query)); n != 1 {
			return nil, course.Errorf(pos, "probe %s: its query is %d statements; a probe samples one statement's row", name, n)
		}
		out[name] = &course.Probe{Name: name, Node: sp.Node, Every: every, Query: sp.Query, Label: sp.Label, Pos: pos}
	}
	return out, nil
}

type parser struct {
	ch       *course.Chapter
	standDir string
	lineAt   []int               // byte offset in Body where each line starts
	dropped  []int               // bytes of Source left out of Body, as normalize gives them
	fences   map[ast.Node]*fence // every fenced code block goldmark opened
}

func (p *parser) line(offset int) int {
	return sort.Search(len(p.lineAt), func(i int) bool { return p.lineAt[i] > offset })
}

func (p *parser) pos(offset int) course.Pos {
	return course.Pos{File: p.ch.File, Line: p.line(offset)}
}

func (p *parser) blocks() error {
	src := p.ch.Body
	p.lineAt = []int{0}
	for i, b := range src {
		if b == '\n' {
			p.lineAt = append(p.lineAt, i+1)
		}
	}
	p.fences = map[ast.Node]*fence{}
	lineStart := func(off int) int { return p.lineAt[p.line(off)-1] }
	doc := newParser(lineStart, p.fences).Parse(text.NewReader(src))
	// Of the errors in the blocks and the lines that look like runnable
	// fences but are not read as fences, the first in the file is reported.
	unread := p.unreadFences(doc)
	err := p.walk(doc)
	var ue, we *course.Error
	if errors.As(unread, &ue) && (err == nil || errors.As(err, &we) && ue.Pos.Line <= we.Pos.Line) {
		return unread
	}
	return err
}

// walk turns the fenced code blocks of doc into Blocks, pairing each
// running block with the output block right after it.
func (p *parser) walk(doc ast.Node) error {
	var err error
	var prev *course.Block // last executable block still waiting for its output
	var prevNode *ast.FencedCodeBlock
	// last is the block whose output (or alternative) was attached last,
	// lastNode that output's fence: an ```output {pg=N} block must follow it.
	var last *course.Block
	var lastNode ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fb, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		if err = p.checkClosed(fb); err != nil {
			return ast.WalkStop, err
		}
		var b *course.Block
		b, err = p.block(fb)
		if err != nil {
			return ast.WalkStop, err
		}
		if b == nil { // an output block: attach it to the block before
			var v int
			if v, err = p.outputVersion(fb); err != nil {
				return ast.WalkStop, err
			}
			if v > 0 { // an alternative for version v: after an output
				if last == nil || lastNode.NextSibling() != ast.Node(fb) {
					err = course.Errorf(p.fencePos(fb), "output {pg=%d} block has no output block right before it: an alternative expected output goes right after the block's ```output block (or after another alternative)", v)
					return ast.WalkStop, err
				}
				if err = p.attachAlternative(last, fb, v); err != nil {
					return ast.WalkStop, err
				}
				lastNode = fb
				return ast.WalkSkipChildren, nil
			}
			if prev == nil || prevNode.NextSibling() != ast.Node(fb) {
				err = course.Errorf(p.fencePos(fb), "output block has no sql or sh block right before it")
				return ast.WalkStop, err
			}
			if !prev.Run {
				err = course.Errorf(p.fencePos(fb), "output block follows a block that does not run (norun)")
				return ast.WalkStop, err
			}
			if _, no := prev.Attrs["nocompare"]; no {
				err = course.Errorf(p.fencePos(fb), "output block follows a nocompare block; remove one of the two")
				return ast.WalkStop, err
			}
			if err = p.attachOutput(prev, fb); err != nil {
				return ast.WalkStop, err
			}
			last, lastNode = prev, fb
			prev = nil
			return ast.WalkSkipChildren, nil
		}
		if err = p.requireOutput(prev); err != nil {
			return ast.WalkStop, err
		}
		p.ch.Blocks = append(p.ch.Blocks, b)
		prev, prevNode = nil, nil
		last, lastNode = nil, nil
		if b.Run {
			prev, prevNode = b, fb
		}
		return ast.WalkSkipChildren, nil
	})
	if err != nil {
		return err
	}
	return p.requireOutput(prev)
}

func (p *parser) requireOutput(b *course.Block) error {
	if b == nil {
		return nil
	}
	if _, ok := b.Attrs["nocompare"]; ok {
		return nil
	}
	return course.Errorf(b.Pos, "%s block on %s has no expected output: follow it with an ```output block, or say nocompare=\"why\"", b.Lang, b.Node)
}

func (p *parser) fencePos(fb *ast.FencedCodeBlock) course.Pos {
	return p.pos(p.fenceStart(fb))
}

// fenceStart is the offset of the start of the opening fence's line.
func (p *parser) fenceStart(fb *ast.FencedCodeBlock) int {
	if f := p.fences[fb]; f != nil {
		return f.start
	}
	off := fb.Pos()
	switch {
	case off >= 0:
	case fb.Info != nil:
		off = fb.Info.Segment.Start
	case fb.Lines().Len() > 0:
		off = p.lineAt[max(p.line(fb.Lines().At(0).Start)-2, 0)]
	default:
		off = 0
	}
	return p.lineAt[p.line(off)-1]
}

// checkClosed reports a fence that runs to the end of its container (the
// file, a blockquote, a list item): CommonMark accepts it, but it always
// means a missing closing fence.
func (p *parser) checkClosed(fb *ast.FencedCodeBlock) error {
	f := p.fences[fb]
	if f == nil || f.closed {
		return nil
	}
	end := "the file"
	switch fb.Parent().(type) {
	case *ast.Blockquote:
		end = "the blockquote"
	case *ast.ListItem:
		end = "the list item"
	}
	fenceText := strings.Repeat(string(f.char), f.length)
	return course.Errorf(p.pos(f.start), "unclosed code fence %s (no closing %s before the end of %s)", fenceText, fenceText, end)
}

func (p *parser) lineEnd(off int) int {
	if i := bytes.IndexByte(p.ch.Body[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(p.ch.Body)
}

func (p *parser) code(fb *ast.FencedCodeBlock) (string, [2]int) {
	var b strings.Builder
	span := [2]int{-1, -1}
	for i := 0; i < fb.Lines().Len(); i++ {
		seg := fb.Lines().At(i)
		if i == 0 {
			span[0] = seg.Start
		}
		span[1] = seg.Stop
		b.Write(seg.Value(p.ch.Body))
	}
	if span[0] < 0 { // empty block: the span is the empty range after the fence line
		off := p.lineEnd(p.fenceStart(fb)) + 1
		span = [2]int{off, off}
	}
	return b.String(), span
}

var attrKeys = []string{"node", "norun", "nocompare", "fails", "eventually", "timeout", "user", "file", "sample", "probe", "since"}

// block turns a fenced code block into a Block; it returns nil for an
// output block, which the caller attaches to the block before it.
func (p *parser) block(fb *ast.FencedCodeBlock) (*course.Block, error) {
	pos := p.fencePos(fb)
	info := ""
	if fb.Info != nil {
		info = string(fb.Info.Segment.Value(p.ch.Body))
	}
	lang, attrs, order, err := parseInfo(info)
	if err != nil {
		return nil, course.Errorf(pos, "%v", err)
	}
	if lang == "output" {
		for k := range attrs {
			if k != "pg" {
				return nil, course.Errorf(pos, "output blocks take no attributes but pg=N (the expected output on PostgreSQL N), got %s=", k)
			}
		}
		return nil, nil
	}
	code, _ := p.code(fb)
	b := &course.Block{Chapter: p.ch, Pos: pos, Lang: lang, Attrs: attrs, Code: code, Timeout: DefaultTimeout}
	for _, k := range order {
		if !contains(attrKeys, k) {
			if s := course.Nearest(k, attrKeys); s != "" {
				return nil, course.Errorf(pos, "unknown attribute %q (did you mean %q?)", k, s)
			}
			return nil, course.Errorf(pos, "unknown attribute %q (known: %s)", k, strings.Join(attrKeys, ", "))
		}
	}
	return b, p.classify(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func executable(lang string) bool { return lang == "sql" || lang == "sh" }

// classify validates the attributes against the block's language and fills
// the typed fields.
func (p *parser) classify(b *course.Block) error {
	a := b.Attrs
	if f, ok := a["file"]; ok {
		return p.fileBlock(b, f)
	}
	if b.Lang == "chart" {
		return p.chartBlock(b)
	}
	// An empty ```diagram block: the page draws the stand's topology there.
	if b.Lang == "diagram" && (len(a) > 0 || strings.TrimSpace(b.Code) != "") {
		return course.Errorf(b.Pos, "a diagram block takes no attributes and must be empty: the build draws the stand's topology there")
	}
	if _, ok := a["probe"]; ok {
		return course.Errorf(b.Pos, "probe= goes on ```chart blocks; running blocks say sample=NAME")
	}
	node, hasNode := a["node"]
	reason, norun := a["norun"]
	if !executable(b.Lang) {
		if hasNode || norun || len(a) > 0 {
			return course.Errorf(b.Pos, "only sql and sh blocks run; a %q block takes no run attributes (is the language misspelt?)", b.Lang)
		}
		return nil
	}
	if norun {
		if strings.TrimSpace(reason) == "" {
			return course.Errorf(b.Pos, "norun needs a reason: norun=\"why this block is not run\"")
		}
		if len(a) > 1 && !(len(a) == 2 && hasNode) {
			return course.Errorf(b.Pos, "a norun block takes only node= besides norun")
		}
		if hasNode && node == "" {
			return course.Errorf(b.Pos, "node= is empty: name a service of the compose file, or host")
		}
		b.Node = node
		return nil
	}
	if !hasNode {
		return course.Errorf(b.Pos, "%s block does not say where it runs: add {node=SERVICE} (a service of the compose file) or {node=host}, or norun=\"why\"", b.Lang)
	}
	if node == "" {
		return course.Errorf(b.Pos, "node= is empty: name a service of the compose file, or host")
	}
	b.Node, b.Run = node, true
	if why, ok := a["nocompare"]; ok && strings.TrimSpace(why) == "" {
		return course.Errorf(b.Pos, "nocompare needs a reason: nocompare=\"why the output is not compared\"")
	}
	if node == course.Host {
		return p.hostBlock(b)
	}
	if err := p.sampleAttr(b); err != nil {
		return err
	}
	if u, ok := a["user"]; ok && strings.TrimSpace(u) == "" {
		return course.Errorf(b.Pos, "user= is empty: name a user, or leave user= out")
	}
	b.User = a["user"]
	return p.runAttrs(b)
}

func (p *parser) runAttrs(b *course.Block) error {
	a := b.Attrs
	if v, ok := a["since"]; ok {
		n, why, err := parseSince(v)
		if err != nil {
			return course.Errorf(b.Pos, "%v", err)
		}
		b.Since, b.SinceWhy = n, why
	}
	if v, ok := a["fails"]; ok {
		if v != "true" {
			return course.Errorf(b.Pos, "fails takes only the value true")
		}
		b.Fails = true
	}
	for _, k := range []string{"eventually", "timeout"} {
		v, ok := a[k]
		if !ok {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return course.Errorf(b.Pos, "%s=%q: want a duration such as 30s or 2m", k, v)
		}
		if k == "eventually" {
			b.Eventually = d
		} else {
			b.Timeout = d
		}
	}
	if b.Eventually > 0 {
		if _, no := a["nocompare"]; no {
			return course.Errorf(b.Pos, "eventually needs an expected output to wait for; it cannot go with nocompare")
		}
		b.Timeout = max(b.Timeout, b.Eventually)
	}
	return nil
}

func (p *parser) hostBlock(b *course.Block) error {
	if b.Lang != "sh" {
		return course.Errorf(b.Pos, "host blocks are sh blocks of docker compose commands")
	}
	if err := p.sampleAttr(b); err != nil {
		return err
	}
	for k := range b.Attrs {
		if k != "node" && k != "nocompare" && k != "timeout" && k != "sample" {
			return course.Errorf(b.Pos, "attribute %s does not apply to host blocks", k)
		}
	}
	// The steps' services and profiles are checked against the compose
	// file (composefile.Model.Check), each at its line.
	if _, err := course.ParseHostSteps(b.Code); err != nil {
		return course.Errorf(b.Pos, "%v", err)
	}
	return p.runAttrs(b)
}

// sampleAttr resolves sample=NAME against the chapter's probes.
func (p *parser) sampleAttr(b *course.Block) error {
	name, ok := b.Attrs["sample"]
	if !ok {
		return nil
	}
	pr := p.ch.Probes[name]
	if pr == nil {
		return course.Errorf(b.Pos, "sample=%q: no such probe in this chapter's front matter", name)
	}
	b.Sample = pr
	return nil
}

// chartBlock is an empty ```chart {probe=NAME} block: the page draws the
// probe's samples there.
func (p *parser) chartBlock(b *course.Block) error {
	name, ok := b.Attrs["probe"]
	if !ok || len(b.Attrs) > 1 {
		return course.Errorf(b.Pos, "a chart block takes exactly one attribute, probe=NAME")
	}
	if strings.TrimSpace(b.Code) != "" {
		return course.Errorf(b.Pos, "a chart block must be empty: the build draws it from the samples")
	}
	pr := p.ch.Probes[name]
	if pr == nil {
		return course.Errorf(b.Pos, "probe=%q: no such probe in this chapter's front matter", name)
	}
	b.Chart = pr
	return nil
}

func (p *parser) fileBlock(b *course.Block, f string) error {
	if len(b.Attrs) > 1 {
		return course.Errorf(b.Pos, "a file= block takes no other attributes")
	}
	if strings.TrimSpace(b.Code) != "" {
		return course.Errorf(b.Pos, "a file= block must be empty: the page shows %s as the build used it", f)
	}
	clean := filepath.Clean(f)
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return course.Errorf(b.Pos, "file=%q must be a path inside stand/", f)
	}
	data, _, err := coursefs.ReadFile(filepath.Dir(p.standDir), filepath.Join(p.standDir, clean))
	if errors.Is(err, fs.ErrNotExist) {
		return course.Errorf(b.Pos, "file=%q: no such file in stand/", f)
	}
	if err != nil {
		return readError(b.Pos, fmt.Sprintf("file=%q: ", f), err)
	}
	b.File, b.Code = clean, string(data)
	return nil
}

// MaxExpected bounds an expected output: the matcher and the page are made
// for outputs a reader reads, not for data dumps.
const MaxExpected = 1 << 20

func (p *parser) attachOutput(b *course.Block, fb *ast.FencedCodeBlock) error {
	text, span := p.code(fb)
	pos := p.fencePos(fb)
	if len(text) > MaxExpected {
		return course.Errorf(pos, "expected output is %d bytes; the limit is %d (show a part, and {{...}} for the rest)", len(text), MaxExpected)
	}
	if i := strings.IndexByte(text, 0); i >= 0 {
		return course.Errorf(p.pos(span[0]+i), "expected output contains a NUL byte: outputs are text")
	}
	b.HasExpected = true
	b.Expected = text
	b.ExpectedPos = pos
	b.ExpectedSpan = [2]int{srcOffset(p.dropped, span[0]), srcOffset(p.dropped, span[1])}
	return nil
}

// readError turns an error reading a course file into a positioned one.
func readError(pos course.Pos, prefix string, err error) error {
	var ce *coursefs.Error
	switch {
	case errors.As(err, &ce):
		return course.Errorf(pos, "%s%s", prefix, ce.Error())
	case errors.Is(err, fs.ErrNotExist):
		return course.Errorf(pos, "%sno such file (a symbolic link to a missing file?)", prefix)
	}
	return course.Errorf(pos, "%s%v", prefix, err)
}

// maxVersion bounds the PostgreSQL major versions pg= and since= accept.
const maxVersion = 999

// parseVersion reads a PostgreSQL major version: a whole number from 10
// up (the first major version numbered with one number).
func parseVersion(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 10 || n > maxVersion || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// parseSince reads since="N: why": the first major version the block runs
// on, and the reason it cannot run on older ones.
func parseSince(v string) (int, string, error) {
	num, why, _ := strings.Cut(v, ":")
	n, ok := parseVersion(strings.TrimSpace(num))
	if !ok {
		return 0, "", fmt.Errorf("since=%q: want a PostgreSQL major version and a reason, such as since=\"16: pg_stat_io is new in 16\"", v)
	}
	if strings.TrimSpace(why) == "" {
		return 0, "", fmt.Errorf("since=%q needs a reason: since=\"%d: why older versions cannot run it\"", v, n)
	}
	return n, strings.TrimSpace(why), nil
}

// outputVersion is the N of an ```output {pg=N} fence; 0 for a plain
// ```output fence.
func (p *parser) outputVersion(fb *ast.FencedCodeBlock) (int, error) {
	info := ""
	if fb.Info != nil {
		info = string(fb.Info.Segment.Value(p.ch.Body))
	}
	_, attrs, _, err := parseInfo(info)
	if err != nil {
		return 0, course.Errorf(p.fencePos(fb), "%v", err)
	}
	v, ok := attrs["pg"]
	if !ok {
		return 0, nil
	}
	n, ok := parseVersion(v)
	if !ok {
		return 0, course.Errorf(p.fencePos(fb), "pg=%q: want a PostgreSQL major version, such as pg=15", v)
	}
	return n, nil
}

// attachAlternative adds the output block fb as b's expected output on
// PostgreSQL version v.
func (p *parser) attachAlternative(b *course.Block, fb *ast.FencedCodeBlock, v int) error {
	pos := p.fencePos(fb)
	for _, a := range b.Alternatives {
		if a.Version == v {
			return course.Errorf(pos, "a second output {pg=%d} block for the block of line %d (the first is at line %d)", v, b.Pos.Line, a.Pos.Line)
		}
	}
	text, span := p.code(fb)
	if len(text) > MaxExpected {
		return course.Errorf(pos, "expected output is %d bytes; the limit is %d (show a part, and {{...}} for the rest)", len(text), MaxExpected)
	}
	if i := strings.IndexByte(text, 0); i >= 0 {
		return course.Errorf(p.pos(span[0]+i), "expected output contains a NUL byte: outputs are text")
	}
	b.Alternatives = append(b.Alternatives, course.Alternative{
		Version: v, Text: text, Pos: pos,
		Span: [2]int{srcOffset(p.dropped, span[0]), srcOffset(p.dropped, span[1])},
	})
	return nil
}
