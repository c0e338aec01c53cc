package render

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"replcourse/builder/course"
	"replcourse/builder/topology"
)

// A whole course, rendered with fabricated results: the pages readers
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

// fixtureStates are the diagrams' states fixtureSite fabricates, in
// document order: after streaming starts, and with the subscription.
var fixtureStates = []string{
	`{"service":"alpha","state":"running","postgres":{"version":"17.12","senders":[{"application":"walreceiver","client":"172.18.0.3","state":"streaming","sync_state":"async","slot":"beta_slot"}],"slots":[{"name":"beta_slot","type":"physical","active":true}]}}
{"service":"beta","state":"running","postgres":{"version":"17.12","in_recovery":true,"upstream":"alpha","receiver":{"from":"alpha","status":"streaming","slot":"beta_slot"}}}
{"service":"gamma","state":"not created"}
{"service":"tools","state":"running"}
`,
	`{"service":"alpha","state":"running","postgres":{"version":"17.12","senders":[{"application":"t_sub","client":"172.18.0.5","state":"streaming","sync_state":"async","slot":"t_sub"},{"application":"walreceiver","client":"172.18.0.3","state":"streaming","sync_state":"async","slot":"beta_slot"}],"slots":[{"name":"beta_slot","type":"physical","active":true},{"name":"t_sub","type":"logical","active":true}],"publications":[{"name":"t_pub","tables":["public.t"]}]}}
{"service":"beta","state":"running","postgres":{"version":"17.12","in_recovery":true,"upstream":"alpha","receiver":{"from":"alpha","status":"streaming","slot":"beta_slot"}}}
{"service":"gamma","state":"running","postgres":{"version":"17.12","subscriptions":[{"name":"t_sub","from":"alpha","publications":["t_pub"],"slot":"t_sub","enabled":true,"worker":true}]}}
{"service":"tools","state":"running"}
`,
}

// fixtureSite loads the fixture course testdata/site.txtar (a course
// shaped like a real one, named like none) and fabricates a result for
// every block that runs, a state for each diagram and samples for every
// probe: whole pages without Docker and without the repository's course.
func fixtureSite(t *testing.T) *Site {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", "site.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := tryLoad(t, ar.Files)
	if err != nil {
		t.Fatalf("the fixture course does not load: %v", err)
	}
	s := &Site{
		Course:  c,
		Results: map[*course.Block]*course.Result{},
		Series:  map[*course.Probe]*course.Series{},
		Verified: Verified{
			Server:  "PostgreSQL 17.12 (Debian 17.12-0+deb13u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 14.2.0-19) 14.2.0, 64-bit",
			Image:   "postgres:17 da1a09f7209d",
			BuiltAt: time.Date(2026, 11, 25, 18, 44, 32, 0, time.UTC),
		},
		Expand: func(s string) (string, error) { return fabricate(s), nil },
	}
	diagrams := 0
	for _, b := range c.Blocks() {
		switch {
		case b.Lang == topology.Lang:
			s.Results[b] = &course.Result{Output: fixtureStates[diagrams%len(fixtureStates)], Attempts: 1}
			diagrams++
		case b.Run:
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
	if diagrams == 0 {
		t.Fatal("the fixture course has no diagram")
	}
	return s
}

// fixtureColumns are the columns of the fixture's probes that return
// several (the stages of the pipeline, as a real course samples them);
// any other probe returns one.
var fixtureColumns = map[string][]string{
	"stages": {"sent_lag_bytes", "write_lag_bytes", "flush_lag_bytes", "replay_lag_bytes"},
}

// sampled adds a mark for b, and a burst of lag after it, to its probe's
// series: the later a stage, the more it lags.
func sampled(series map[*course.Probe]*course.Series, b *course.Block) {
	sr := series[b.Sample]
	if sr == nil {
		cols := fixtureColumns[b.Sample.Name]
		if cols == nil {
			cols = []string{"v"}
		}
		sr = &course.Series{Probe: b.Sample, Columns: cols}
		series[b.Sample] = sr
	}
	start := time.Duration(len(sr.Points)) * b.Sample.Every
	sr.Marks = append(sr.Marks, course.Mark{T: start, Block: b})
	for i := range 40 {
		v := make([]float64, len(sr.Columns))
		for c := range v {
			v[c] = float64((20-absInt(i-20))*(20-absInt(i-20))) * 9000 * float64(c+1) / float64(len(v))
		}
		sr.Points = append(sr.Points, course.Point{T: start + time.Duration(i)*b.Sample.Every, V: v})
	}
}

func absInt(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func TestFixtureCourseLinks(t *testing.T) {
	_, files := writeSite(t, fixtureSite(t))
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
