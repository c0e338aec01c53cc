package record

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/load"
	"replcourse/builder/run"
)

const src = "---\ntitle: Lag\nprobes:\n  lag:\n    node: primary\n    every: 50ms\n    query: SELECT 1\n---\n\n## Burst\n\nProse.\n\n" +
	"```sql {node=primary sample=lag}\nSELECT pg_current_wal_lsn();\n```\n\n```output\n{{lsn:at}}\n```\n\n" +
	"```sh {node=replica sample=lag}\necho {{@at}}\n```\n\n```output\n{{@at}}\n```\n\n```chart {probe=lag}\n```\n"

func chapter(t *testing.T, text string) *course.Chapter {
	t.Helper()
	ch, err := load.Chapter("/c/content/07-lag.md", []byte(text), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ch.Number = 7
	return ch
}

func runnable(ch *course.Chapter) []*course.Block {
	return run.Blocks(&course.Course{Chapters: []*course.Chapter{ch}}, 0)
}

var env = Env{Builder: "b1", Images: []string{"postgres:17"}, Stand: map[string]string{"compose.yaml": "h1"}}

func TestKeysIgnoreProse(t *testing.T) {
	keys := Keys(env, runnable(chapter(t, src)))
	prose := strings.Replace(src, "Prose.\n", "Other prose,\nover two lines, with a [link](x.html).\n\n```text\ndisplay only\n```\n", 1)
	prose = strings.Replace(prose, "## Burst", "## A burst of writes", 1)
	if got := Keys(env, runnable(chapter(t, prose))); strings.Join(got, ",") != strings.Join(keys, ",") {
		t.Error("a prose edit changed the keys")
	}
	code := strings.Replace(src, "echo {{@at}}", "echo  {{@at}}", 1)
	if got := Keys(env, runnable(chapter(t, code))); got[0] != keys[0] || got[1] == keys[1] {
		t.Error("a code edit must change its block's key and only the chain from there")
	}
	probe := strings.Replace(src, "every: 50ms", "every: 100ms", 1)
	if got := Keys(env, runnable(chapter(t, probe))); got[0] == keys[0] {
		t.Error("the sampled probe's definition is part of the key")
	}
	other := env
	other.Stand = map[string]string{"compose.yaml": "h2"}
	if got := Keys(other, runnable(chapter(t, src))); got[0] == keys[0] {
		t.Error("the stand files are part of the key")
	}
}

// TestRoundTrip records a run, writes and reads it back, and gets the same
// outputs, captures, values for prose and the probe's series, mapped to
// the blocks of a freshly loaded (and prose-edited) chapter.
func TestRoundTrip(t *testing.T) {
	ch := chapter(t, src)
	bs := runnable(ch)
	p := ch.Probes["lag"]
	res := &run.Results{
		Blocks: map[*course.Block]*course.Result{
			bs[0]: {Output: "0/3000148\n", Captures: map[string]string{"at": "0/3000148"}, Elapsed: time.Second, Attempts: 1},
			bs[1]: {Output: "0/3000148\n", Exit: 0, Elapsed: 2 * time.Second, Attempts: 3},
		},
		Vars: check.Captures{"at": "0/3000148"},
		Series: map[*course.Probe]*course.Series{p: {Probe: p, Errors: 1,
			Points: []course.Point{{T: 0, V: 0}, {T: 50 * time.Millisecond, V: 8192.5}},
			Marks:  []course.Mark{{T: 0, Block: bs[0]}, {T: 40 * time.Millisecond, Block: bs[1]}}}},
	}
	path := filepath.Join(t.TempDir(), "verified", "record.json")
	if err := New(env, bs, res, Verified{At: time.Now(), Server: "PostgreSQL 17.6", Image: "postgres:17 abc"}).Write(path); err != nil {
		t.Fatal(err)
	}
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	ch2 := chapter(t, strings.Replace(src, "Prose.\n", "New prose.\n\nMore.\n", 1))
	bs2 := runnable(ch2)
	if why := r.Stale(env, bs2); why != "" {
		t.Fatalf("stale: %s", why)
	}
	got := r.Results(bs2)
	if got.Blocks[bs2[1]].Output != "0/3000148\n" || got.Blocks[bs2[1]].Attempts != 3 || got.Vars["at"] != "0/3000148" {
		t.Errorf("results: %+v vars %v", got.Blocks[bs2[1]], got.Vars)
	}
	s := got.Series[ch2.Probes["lag"]]
	if s == nil || len(s.Points) != 2 || s.Points[1].V != 8192.5 || s.Marks[1].Block != bs2[1] || s.Errors != 1 {
		t.Errorf("series: %+v", s)
	}
	if tm := r.Timings(); len(tm) != 2 || tm[1] != 2*time.Second {
		t.Errorf("timings %v", tm)
	}
}

func TestStaleSaysWhy(t *testing.T) {
	bs := runnable(chapter(t, src))
	r := New(env, bs, &run.Results{Blocks: map[*course.Block]*course.Result{bs[0]: {}, bs[1]: {}}}, Verified{})
	var nilRecord *Record
	other := Env{Builder: "b2", Images: []string{"postgres:18"}, Stand: map[string]string{"compose.yaml": "h2", "new.conf": "x"}}
	for _, tc := range []struct {
		r    *Record
		env  Env
		want []string
	}{
		{nilRecord, env, []string{"there is no record yet"}},
		{r, other, []string{"builder's execution code changed", "images changed (postgres:18, was postgres:17)", "stand/compose.yaml changed", "stand/new.conf was added"}},
	} {
		why := tc.r.Stale(tc.env, bs)
		for _, w := range tc.want {
			if !strings.Contains(why, w) {
				t.Errorf("%q lacks %q", why, w)
			}
		}
	}
	r.Blocks = r.Blocks[:1]
	if why := r.Stale(env, bs); !strings.Contains(why, "07-lag.md:22: the record stops before this block") {
		t.Errorf("short record: %q", why)
	}
}
