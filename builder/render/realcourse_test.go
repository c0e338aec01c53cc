package render

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/load"
)

// The real chapters, rendered with fabricated results: the pages readers
// get, less the real outputs, without Docker.

// sampleValues stands in for each placeholder kind in an expected output.
var sampleValues = map[string]string{
	"lsn": "0/3000148", "walfile": "000000010000000000000003", "ts": "2026-11-25 18:44:32.541012+00",
	"int": "42", "pid": "87", "port": "5432", "oid": "16384", "xid": "751", "bytes": "8192",
	"num": "4.2", "interval": "00:00:00.000412", "ip": "172.18.0.2", "version": "17.12",
	"word": "streaming", "hex": "3f2a", "...": "…", "text": "text", "bool": "t",
}

// placeholder matches {{kind}}, {{kind?}}, {{kind:name}} and {{@name}}.
var placeholder = regexp.MustCompile(`\{\{(?:@[a-z][a-z0-9_]*|([a-z.]+)\??(?::[a-z][a-z0-9_]*)?)\}\}`)

// fabricate fills a chapter's expected output the way a real run might,
// and stands in for the build's Expand in prose and code.
func fabricate(expected string) string {
	return placeholder.ReplaceAllStringFunc(expected, func(m string) string {
		if v, ok := sampleValues[placeholder.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return "0/3000148" // a reference: most captured values are LSNs
	})
}

// realSite loads content/ and stand/ of the repository and fabricates a
// result for every block that runs and samples for every probe.
func realSite(t testing.TB) *Site {
	t.Helper()
	c, err := load.Dir(filepath.Join("..", "..", "content"), filepath.Join("..", "..", "stand"))
	if err != nil {
		t.Fatalf("the real chapters do not load: %v", err)
	}
	s := &Site{
		Course:  c,
		Results: map[*course.Block]*course.Result{},
		Series:  map[*course.Probe]*course.Series{},
		Verified: Verified{
			Server:  "PostgreSQL 17.12 (Debian 17.12-0+deb13u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 14.2.0-19) 14.2.0, 64-bit",
			Image:   "replcourse/postgres:17 da1a09f7209d",
			BuiltAt: time.Date(2026, 11, 25, 18, 44, 32, 0, time.UTC),
		},
		Expand: func(s string) (string, error) { return fabricate(s), nil },
	}
	for _, b := range c.Blocks() {
		if b.Run {
			out := "(output of this build)\n"
			if b.HasExpected {
				out = fabricate(b.Expected)
			}
			s.Results[b] = &course.Result{Output: out, Failed: b.Fails, Attempts: 1}
		}
		if b.Sample != nil {
			sampled(s.Series, b)
		}
	}
	return s
}

// sampled adds a mark for b, and a burst of lag after it, to its probe's
// series.
func sampled(series map[*course.Probe]*course.Series, b *course.Block) {
	sr := series[b.Sample]
	if sr == nil {
		sr = &course.Series{Probe: b.Sample, Columns: []string{"v"}}
		series[b.Sample] = sr
	}
	start := time.Duration(len(sr.Points)) * b.Sample.Every
	sr.Marks = append(sr.Marks, course.Mark{T: start, Block: b})
	for i := range 40 {
		v := float64((20-absInt(i-20))*(20-absInt(i-20))) * 9000
		sr.Points = append(sr.Points, course.Point{T: start + time.Duration(i)*b.Sample.Every, V: []float64{v}})
	}
}

func absInt(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func TestRealCourseLinks(t *testing.T) {
	_, files := writeSite(t, realSite(t))
	for _, p := range linkProblems(files) {
		t.Error(p)
	}
	if _, ok := files["print.html"]; !ok {
		t.Fatal("no print.html")
	}
	if !strings.Contains(files["index.html"], `href="print.html"`) {
		t.Error("the index does not link the whole-course page")
	}
	for _, p := range searchLinkProblems(t, files) {
		t.Error(p)
	}
	// Every reference was expanded, in prose and code alike.
	for name, src := range files {
		if i := strings.Index(src, "{{"); i >= 0 && !strings.HasSuffix(name, ".css") {
			t.Errorf("%s: unexpanded %.40q", name, src[i:])
		}
	}
}
