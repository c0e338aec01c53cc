package record

import (
	"os"
	"path/filepath"
	"slices"
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
	"```sh {node=replica sample=lag eventually=5s}\necho {{@at}}\n```\n\n```output\n{{@at}}\n```\n\n```chart {probe=lag}\n```\n"

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

// server is what SELECT version() returns on the stand of env.
const server = "PostgreSQL 17.6 (Debian 17.6-1.pgdg13+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 14.2.0-19) 14.2.0, 64-bit"

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
		Series: map[*course.Probe]*course.Series{p: {Probe: p, Errors: 1, FirstError: "FATAL: the database system is starting up (SQLSTATE 57P03)", Columns: []string{"write", "replay"},
			Points: []course.Point{{T: 0, V: []float64{0, 0}}, {T: 50 * time.Millisecond, V: []float64{16, 8192.5}},
				{T: 55 * time.Millisecond, V: []float64{20, 0}, Null: []bool{false, true}}},
			Marks: []course.Mark{{T: 0, Block: bs[0]}, {T: 40 * time.Millisecond, Block: bs[1]}}}},
	}
	path := filepath.Join(t.TempDir(), "verified", "record.json")
	if err := New(env, bs, res, Verified{At: time.Now(), Server: server, Image: "postgres:17 0123456789ab"}).Write(path); err != nil {
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
	got, err := r.Results(bs2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Blocks[bs2[1]].Output != "0/3000148\n" || got.Blocks[bs2[1]].Attempts != 3 || got.Vars["at"] != "0/3000148" {
		t.Errorf("results: %+v vars %v", got.Blocks[bs2[1]], got.Vars)
	}
	s := got.Series[ch2.Probes["lag"]]
	if s == nil || len(s.Points) != 3 || !slices.Equal(s.Points[1].V, []float64{16, 8192.5}) ||
		!s.Points[1].Has(1) || s.Points[2].Has(1) || !s.Points[2].Has(0) ||
		!slices.Equal(s.Columns, []string{"write", "replay"}) || s.Marks[1].Block != bs2[1] || s.Errors != 1 ||
		s.FirstError != "FATAL: the database system is starting up (SQLSTATE 57P03)" {
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

// goodRecord is the record of a run of src that a live run accepts: the
// sql block captures at, the sh block (an eventually block, matched on
// its second attempt) prints it back, the probe marks both.
func goodRecord(t *testing.T, bs []*course.Block) *Record {
	t.Helper()
	p := bs[0].Sample
	res := &run.Results{
		Blocks: map[*course.Block]*course.Result{
			bs[0]: {Output: "0/3000148\n", Captures: map[string]string{"at": "0/3000148"}, Duration: time.Millisecond, Elapsed: 2 * time.Millisecond, Attempts: 1},
			bs[1]: {Output: "0/3000148\n", Duration: time.Millisecond, Elapsed: 300 * time.Millisecond, Attempts: 2},
		},
		Series: map[*course.Probe]*course.Series{p: {Probe: p, Columns: []string{"lag"},
			Points: []course.Point{{T: 0, V: []float64{0}}, {T: 50 * time.Millisecond, V: []float64{8192}}},
			Marks:  []course.Mark{{T: 0, Block: bs[0]}, {T: 40 * time.Millisecond, Block: bs[1]}}}},
	}
	r := New(env, bs, res, Verified{At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Server: server, Image: "postgres:17 0123456789ab"})
	if why := r.Stale(env, bs); why != "" {
		t.Fatalf("the untouched record is stale: %s", why)
	}
	return r
}

// TestRecordedResultsAreChecked edits each recorded field a page shows as
// verified — an output, a captured value, an exit status, the failure
// flag, the attempts, the timings, the probe's samples and marks, the
// run's server and date — into something a live run would have rejected
// or never produced: each makes the record stale, naming the block's
// file:line (or the probe's), and none makes Results panic.
func TestRecordedResultsAreChecked(t *testing.T) {
	bs := runnable(chapter(t, src))
	for _, tc := range []struct {
		name string
		edit func(r *Record)
		want string
	}{
		{"output", func(r *Record) { r.Blocks[0].Output = "0/3000148 and more\n" }, "07-lag.md:14: the recorded result of this block (sql on primary: SELECT pg_current_wal_lsn();) is not one a run accepts: its output does not match the expected output"},
		{"output against a capture", func(r *Record) { r.Blocks[1].Output = "0/3000150\n" }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: its output does not match"},
		{"captured value", func(r *Record) { r.Blocks[0].Captures["at"] = "0/4000000" }, "07-lag.md:14: the recorded result of this block (sql on primary: SELECT pg_current_wal_lsn();) is not one a run accepts: its output captures at=0/3000148, the record says at=0/4000000"},
		{"capture and output together", func(r *Record) {
			r.Blocks[0].Output, r.Blocks[0].Captures["at"] = "0/4000000\n", "0/4000000"
		}, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: its output does not match"},
		{"capture removed", func(r *Record) { r.Blocks[0].Captures = nil }, "07-lag.md:14: the recorded result of this block (sql on primary: SELECT pg_current_wal_lsn();) is not one a run accepts: its output captures at=0/3000148, the record says nothing"},
		{"sql error", func(r *Record) { r.Blocks[0].Failed = true }, "07-lag.md:14: the recorded result of this block (sql on primary: SELECT pg_current_wal_lsn();) is not one a run accepts: it raised an error (add fails=true"},
		{"sql exit status", func(r *Record) { r.Blocks[0].Exit = 1 }, "07-lag.md:14: the recorded result of this block (sql on primary: SELECT pg_current_wal_lsn();) is not one a run accepts: exit status 1, but only shell blocks have one"},
		{"shell exit status", func(r *Record) { r.Blocks[1].Exit, r.Blocks[1].Failed = 2, true }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: it exited with status 2 (add fails=true"},
		{"shell exit without failure", func(r *Record) { r.Blocks[1].Exit = 2 }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: exit status 2 with failed=false"},
		{"shell failure without exit", func(r *Record) { r.Blocks[1].Failed = true }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: exit status 0 with failed=true"},
		{"attempts of a block run once", func(r *Record) { r.Blocks[0].Attempts = 4 }, "07-lag.md:14: the recorded result of this block (sql on primary: SELECT pg_current_wal_lsn();) is not one a run accepts: 4 attempts, but only an eventually block is run more than once"},
		{"no attempt", func(r *Record) { r.Blocks[1].Attempts = 0 }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: 0 attempts"},
		{"timings", func(r *Record) { r.Blocks[1].Duration = time.Hour }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: timing 1h0m0s of 300ms elapsed"},
		{"output larger than a run keeps", func(r *Record) { r.Blocks[1].Output = strings.Repeat("x", run.MaxOutput+100) }, "07-lag.md:22: the recorded result of this block (sh on replica: echo {{@at}}) is not one a run accepts: an output of"},
		{"marks swapped", func(r *Record) { r.Series[0].Marks[0][1], r.Series[0].Marks[1][1] = 1, 0 }, "the recorded samples of probe lag are not what a run records: mark 1 is (0 ns, block 1), want block 0"},
		{"failed samples without an error", func(r *Record) { r.Series[0].Errors, r.Series[0].FirstError = 2, "" }, "the recorded samples of probe lag are not what a run records: 2 failed samples, first error \"\""},
		{"null out of range", func(r *Record) { r.Series[0].Nulls = [][2]int{{2, 0}} }, "the recorded samples of probe lag are not what a run records: null [2 0] after [0 -1], not a value of a point in order"},
		{"null over a value", func(r *Record) { r.Series[0].Nulls = [][2]int{{1, 0}} }, "the recorded samples of probe lag are not what a run records: null [1 0] after [0 -1], not a value of a point in order"},
		{"nulls repeated", func(r *Record) { r.Series[0].Nulls = [][2]int{{0, 0}, {0, 0}} }, "the recorded samples of probe lag are not what a run records: null [0 0] after [0 0], not a value of a point in order"},
		{"mark missing", func(r *Record) { r.Series[0].Marks = r.Series[0].Marks[:1] }, "the recorded samples of probe lag are not what a run records: 1 marks for 2 sampled blocks"},
		{"mark out of range", func(r *Record) { r.Series[0].Marks[1][1] = 99 }, "the recorded samples of probe lag are not what a run records: mark 2 is (40000000 ns, block 99), want block 1"},
		{"marks going back", func(r *Record) { r.Series[0].Marks[0][0] = 50e6 }, "the recorded samples of probe lag are not what a run records: mark 2 is (40000000 ns, block 1), want block 1 no earlier than 50000000 ns"},
		{"points going back", func(r *Record) { r.Series[0].Points[0][0] = 60e6 }, "the recorded samples of probe lag are not what a run records: point [5e+07 8192] after 6e+07"},
		{"point time not whole nanoseconds", func(r *Record) { r.Series[0].Points[1][0] = 50e6 + 0.5 }, "the recorded samples of probe lag are not what a run records: point [5.00000005e+07 8192] after 0"},
		{"point with a value too many", func(r *Record) { r.Series[0].Points[1] = append(r.Series[0].Points[1], 1) }, "the recorded samples of probe lag are not what a run records: point [5e+07 8192 1], not a time and 1 values"},
		{"point without its value", func(r *Record) { r.Series[0].Points[0] = r.Series[0].Points[0][:1] }, "the recorded samples of probe lag are not what a run records: point [0], not a time and 1 values"},
		{"columns missing", func(r *Record) { r.Series[0].Columns = nil }, "the recorded samples of probe lag are not what a run records: 2 points without columns"},
		{"column added", func(r *Record) { r.Series[0].Columns = append(r.Series[0].Columns, "flush") }, "the recorded samples of probe lag are not what a run records: point [0 0], not a time and 2 values"},
		{"columns repeated", func(r *Record) {
			r.Series[0].Columns = []string{"lag", "lag"}
			r.Series[0].Points = [][]float64{{0, 1, 1}}
		}, `the recorded samples of probe lag are not what a run records: columns ["lag" "lag"], not the distinct names a query returns`},
		{"column without a name", func(r *Record) { r.Series[0].Columns = []string{""} }, `the recorded samples of probe lag are not what a run records: columns [""], not the distinct names a query returns`},
		{"columns the chart cannot draw", func(r *Record) {
			r.Series[0].Columns = []string{"a", "b", "c", "d", "e", "f", "g", "h"}
			r.Series[0].Points = [][]float64{{0, 1, 2, 3, 4, 5, 6, 7, 8}}
		}, "the recorded samples of probe lag are not what a run records: the query returns 8 columns; a chart draws at most"},
		{"value the chart cannot draw", func(r *Record) { r.Series[0].Points[1][1] = 1e300 }, "the recorded samples of probe lag are not what a run records: the sample at 0.05 s is 1e+300, beyond the"},
		{"negative failed samples", func(r *Record) { r.Series[0].Errors = -1 }, "the recorded samples of probe lag are not what a run records: -1 failed samples"},
		{"series missing", func(r *Record) { r.Series = nil }, "07-lag.md:14: the record has no samples of probe lag, which this block samples"},
		{"series twice", func(r *Record) { r.Series = append(r.Series, r.Series[0]) }, "the record holds two series of probe lag"},
		{"no date", func(r *Record) { r.VerifiedAt = time.Time{} }, "the record does not say when it was verified"},
		{"no server", func(r *Record) { r.Server = "" }, "the record does not say what server its sql blocks ran against"},
		{"no image", func(r *Record) { r.Image = "" }, "the record does not say which image it was verified on"},
		{"date in the future", func(r *Record) { r.VerifiedAt = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) }, "the record says what no run writes: verified_at 2099-01-01T00:00:00Z is in the future"},
		{"date before the format", func(r *Record) { r.VerifiedAt = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }, "verified_at 2020-01-01T00:00:00Z is before record format 2 existed"},
		{"image forged", func(r *Record) { r.Image = "evil/forged:1 deadbeef for postgres:17" }, `image "evil/forged:1 deadbeef for postgres:17" is not one the stand may run`},
		{"image id not an id", func(r *Record) { r.Image = "postgres:17 <b>hi</b>" }, `is not one the stand may run`},
		{"image a fallback the key does not name", func(r *Record) { r.Image = "replcourse/postgres:17 0123456789ab for postgres:17" }, `is not one the stand may run`},
		{"images added", func(r *Record) { r.Image += ", postgres:17 0123456789ab" }, `names 2 images, the stand has 1`},
		{"server forged", func(r *Record) { r.Server = "PostgreSQL 99.1" }, "PostgreSQL 99.1 is not the major version of the stand's images (17)"},
		{"server not a version()", func(r *Record) { r.Server = "a fine server" }, `server "a fine server" is not what SELECT version() returns`},
		{"blocks swapped", func(r *Record) { r.Blocks[0], r.Blocks[1] = r.Blocks[1], r.Blocks[0] }, "07-lag.md:14: this block (sql on primary: SELECT pg_current_wal_lsn();) changed"},
		{"blocks missing", func(r *Record) { r.Blocks = nil }, "07-lag.md:14: the record stops before this block (it covers 0 blocks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := goodRecord(t, bs)
			tc.edit(r)
			// Through the file, as a hand edit would go.
			path := filepath.Join(t.TempDir(), "record.json")
			if err := r.Write(path); err != nil {
				t.Fatal(err)
			}
			r, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			why := r.Stale(env, bs)
			if !strings.Contains(why, tc.want) {
				t.Errorf("stale says %q, want %q", why, tc.want)
			}
			if res, why2 := r.Use(env, bs); res != nil || why2 != why {
				t.Errorf("Use gave results %v, %q", res, why2)
			}
			if res, err := r.Results(bs); res != nil || err == nil {
				t.Errorf("Results accepted the edited record: %v", res)
			}
		})
	}
}

// TestRecordedFailuresAsDeclared: a record of blocks declared fails=true,
// as a run records them, is current; the same record with the failure
// gone (an edited flag, an exit status 0) is stale.
func TestRecordedFailuresAsDeclared(t *testing.T) {
	text := "---\ntitle: Fail\n---\n\n" +
		"```sql {node=primary fails=true}\nSELECT 1/0;\n```\n\n```output\nERROR:  division by zero\n```\n\n" +
		"```sh {node=primary fails=true}\nexit 3\n```\n\n```output\n```\n\n" +
		"```sh {node=host}\ndocker compose stop replica\n```\n\n```output\nreplica  stopped\n```\n"
	bs := runnable(chapter(t, text))
	res := &run.Results{Blocks: map[*course.Block]*course.Result{
		bs[0]: {Output: "ERROR:  division by zero\n", Failed: true, Attempts: 1},
		bs[1]: {Output: "", Exit: 3, Failed: true, Attempts: 1},
		bs[2]: {Output: "replica  stopped\n", Attempts: 1},
	}}
	fresh := func() *Record {
		return New(env, bs, res, Verified{At: time.Now(), Server: server, Image: "postgres:17 0123456789ab"})
	}
	if why := fresh().Stale(env, bs); why != "" {
		t.Fatalf("stale: %s", why)
	}
	for _, tc := range []struct {
		name string
		edit func(r *Record)
		want string
	}{
		{"sql error gone", func(r *Record) { r.Blocks[0].Failed = false }, "07-lag.md:5: the recorded result of this block (sql on primary: SELECT 1/0;) is not one a run accepts: it was declared fails=true but succeeded"},
		{"exit status gone", func(r *Record) { r.Blocks[1].Exit, r.Blocks[1].Failed = 0, false }, "07-lag.md:13: the recorded result of this block (sh on primary: exit 3) is not one a run accepts: it was declared fails=true but succeeded"},
		{"lifecycle step failed", func(r *Record) { r.Blocks[2].Failed = true }, "07-lag.md:20: the recorded result of this block (sh on host: docker compose stop replica) is not one a run accepts: a lifecycle block that failed"},
		{"lifecycle exit status", func(r *Record) { r.Blocks[2].Exit = 1 }, "07-lag.md:20: the recorded result of this block (sh on host: docker compose stop replica) is not one a run accepts: exit status 1, but only shell blocks have one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fresh()
			tc.edit(r)
			if why := r.Stale(env, bs); !strings.Contains(why, tc.want) {
				t.Errorf("stale says %q, want %q", why, tc.want)
			}
		})
	}
}

// FuzzUse reads any bytes as a record file and uses it for src's blocks:
// a malformed record (wrong shapes, blocks missing or out of range, marks
// pointing anywhere) is stale or unreadable, never a panic, and a record
// that is used has a result for every block.
func FuzzUse(f *testing.F) {
	ch, err := load.Chapter("/c/content/07-lag.md", []byte(src), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	bs := runnable(ch)
	good := filepath.Join(f.TempDir(), "good.json")
	p := bs[0].Sample
	res := &run.Results{Blocks: map[*course.Block]*course.Result{
		bs[0]: {Output: "0/3000148\n", Captures: map[string]string{"at": "0/3000148"}, Attempts: 1},
		bs[1]: {Output: "0/3000148\n", Attempts: 1},
	}, Series: map[*course.Probe]*course.Series{p: {Probe: p, Columns: []string{"v"}, Points: []course.Point{{T: 1, V: []float64{2}}},
		Marks: []course.Mark{{T: 0, Block: bs[0]}, {T: 1, Block: bs[1]}}}}}
	if err := New(env, bs, res, Verified{At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Server: server, Image: "postgres:17 0123456789ab"}).Write(good); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, edit := range [][2]string{
		{`"marks": [`, `"marks": [[0, -1], [0, 99], `},
		{`"blocks": [`, `"blocks": [{}, `},
		{`"points": [`, `"points": [[1e308, -1e308], `},
		{`"points": [`, `"points": [[], [1], [1, 2, 3], `},
		{`"columns": [`, `"columns": ["", "v", `},
		{`"captures": {`, `"captures": {"": "", `},
		{`"attempts": 1`, `"attempts": -9223372036854775808`},
	} {
		f.Add([]byte(strings.Replace(string(data), edit[0], edit[1], 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "record.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Read(path)
		if err != nil || r == nil {
			return
		}
		res, why := r.Use(env, bs)
		if why == "" && len(res.Blocks) != len(bs) {
			t.Errorf("used, with %d results for %d blocks", len(res.Blocks), len(bs))
		}
		r.Timings()
	})
}
