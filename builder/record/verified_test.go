package record

import (
	"strings"
	"testing"
	"time"

	"replcourse/builder"
	"replcourse/builder/course"
	"replcourse/builder/run"
	"replcourse/builder/topology"
)

// Every record format has the date it came into use, so that a bumped
// format cannot leave verified_at unchecked.
func TestFormatSince(t *testing.T) {
	if _, ok := formatSince[builder.RecordFormat]; !ok {
		t.Fatalf("formatSince has no entry for record format %d", builder.RecordFormat)
	}
}

// The image a run writes is the reference, or the fallback the key names,
// with a short id; anything else is what no run writes.
func TestCheckImage(t *testing.T) {
	keys := []string{"busybox:1", "postgres:17 else replcourse/postgres:17 by stand/image/build.sh sha256:00"}
	for label, ok := range map[string]bool{
		"busybox:1 0123456789ab, postgres:17 bbda20a11422":                            true,
		"busybox:1 0123456789ab, replcourse/postgres:17 bbda20a11422 for postgres:17": true,
		"busybox:1 0123456789ab, evil/forged:1 bbda20a11422 for postgres:17":          false,
		"busybox:1 0123456789ab, postgres:17 bbda20a11422 for postgres:17":            false,
		"busybox:1 0123456789ab":                           false,
		"busybox:1 0123456789AB, postgres:17 bbda20a11422": false,
		"busybox:1 0123456789ab,postgres:17 bbda20a11422":  false,
	} {
		if err := checkImage(label, keys); (err == nil) != ok {
			t.Errorf("checkImage(%q) = %v, want ok=%t", label, err, ok)
		}
	}
}

// The server and the diagrams' versions agree with each other and with
// the images' major version; an empty server is what a run without sql
// blocks writes.
func TestCheckServer(t *testing.T) {
	state := func(versions ...string) *topology.State {
		st := &topology.State{}
		for i, v := range versions {
			st.Services = append(st.Services, &topology.Service{Name: string(rune('a' + i)), State: "running", Postgres: &topology.Server{Version: v}})
		}
		return st
	}
	one := []string{"postgres:17 else replcourse/postgres:17 by x sha256:00"}
	two := []string{"postgres:16", "postgres:17"}
	for _, tc := range []struct {
		server string
		keys   []string
		sql    bool
		states []*topology.State
		want   string // "" for none
	}{
		{"PostgreSQL 17.12 (Debian 17.12-0+deb13u1) on x86_64-pc-linux-gnu, 64-bit", one, true, []*topology.State{state("17.12", "17.12")}, ""},
		{"", one, false, []*topology.State{state("17.12")}, ""},
		{"", one, false, nil, ""},
		{"", one, true, nil, "does not say what server its sql blocks ran against"},
		{"PostgreSQL 17.12 on x", one, true, []*topology.State{state("99.9")}, "PostgreSQL 99.9 is not the major version"},
		{"PostgreSQL 17.12 on x", one, true, []*topology.State{state("17.13")}, "a diagram shows PostgreSQL 17.13, the record's server is 17.12"},
		{"", one, false, []*topology.State{state("17.12"), state("17.11")}, "a diagram shows PostgreSQL 17.11"},
		{"PostgreSQL 17.12 on x", two, true, []*topology.State{state("16.4", "17.12")}, ""},
		{"PostgreSQL 15.1 on x", two, true, nil, "PostgreSQL 15.1 is not the major version of the stand's images (16, 17)"},
		{"PostgreSQL 9.6.24 on x", []string{"postgres:9.6"}, true, nil, ""},
		{"PostgreSQL 9.5.1 on x", []string{"postgres:9.6"}, true, nil, "not the major version"},
		{"PostgreSQL 99.1 on x", []string{"mydb:latest"}, true, nil, ""}, // no tag says a version
		{"PostgreSQL 17.12 on x\n<script>", one, true, nil, "is not what SELECT version() returns"},
	} {
		err := checkServer(tc.server, tc.keys, tc.sql, tc.states)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkServer(%q, %q, %t) = %v, want %q", tc.server, tc.keys, tc.sql, err, tc.want)
		}
	}
}

// A course without sql blocks writes a record without a server, and a
// build takes its results from it (it used to be refused as saying
// nothing about its server).
func TestRecordWithoutSQL(t *testing.T) {
	ch := chapter(t, "---\ntitle: Shell\n---\n\n```sh {node=db}\necho hi\n```\n\n```output\nhi\n```\n\n```diagram\n```\n")
	bs := runnable(ch)
	res := &run.Results{Blocks: map[*course.Block]*course.Result{
		bs[0]: {Output: "hi\n", Attempts: 1},
		bs[1]: {Output: "{\"service\":\"db\",\"state\":\"running\",\"postgres\":{\"version\":\"17.6\"}}\n", Attempts: 1},
	}}
	r := New(env, bs, res, Verified{At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Image: "postgres:17 0123456789ab"})
	if _, why := r.Use(env, bs); why != "" {
		t.Fatalf("the record of a run without sql blocks: %s", why)
	}
	// Its diagram's version still has to be the image's.
	res.Blocks[bs[1]].Output = "{\"service\":\"db\",\"state\":\"running\",\"postgres\":{\"version\":\"99.9\"}}\n"
	r = New(env, bs, res, Verified{At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Image: "postgres:17 0123456789ab"})
	if _, why := r.Use(env, bs); !strings.Contains(why, "PostgreSQL 99.9 is not the major version") {
		t.Errorf("a diagram on 99.9 from postgres:17: %q", why)
	}
}

// The chart's rules (chart.Check) hold the samples a chart draws: the
// same samples of a probe no chart block draws are what a run records.
func TestChartRulesOnlyForDrawnSamples(t *testing.T) {
	eight := func(r *Record) {
		r.Series[0].Columns = []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		r.Series[0].Points = [][]float64{{0, 1, 2, 3, 4, 5, 6, 7, 8}}
	}
	drawn := runnable(chapter(t, src))
	r := goodRecord(t, drawn)
	eight(r)
	if _, why := r.Use(env, drawn); !strings.Contains(why, "a chart draws at most") {
		t.Errorf("8 columns under a chart: %q", why)
	}
	undrawn := runnable(chapter(t, strings.TrimSuffix(src, "```chart {probe=lag}\n```\n")))
	r = goodRecord(t, undrawn)
	eight(r)
	if _, why := r.Use(env, undrawn); why != "" {
		t.Errorf("8 columns, no chart: %q", why)
	}
}
