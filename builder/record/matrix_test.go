package record

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
)

func matrixBlocks() []*course.Block {
	ch := &course.Chapter{File: "content/01-a.md"}
	a := &course.Block{Chapter: ch, Pos: course.Pos{File: ch.File, Line: 5}, Lang: "sql", Node: "db", Code: "SELECT 1;", Run: true, HasExpected: true, Expected: "1\n"}
	b := &course.Block{Chapter: ch, Pos: course.Pos{File: ch.File, Line: 9}, Lang: "sql", Node: "db", Code: "SELECT 2;", Run: true, HasExpected: true, Expected: "2\n"}
	return []*course.Block{a, b}
}

// An alternative for one version changes that version's keys from its
// block on, never the main record's keys nor another version's.
func TestVersionKeys(t *testing.T) {
	env := Env{Builder: "b", Images: []string{"postgres:15"}, Stand: map[string]string{"compose.yaml": "h"}}
	bs := matrixBlocks()
	main0, k15, k18 := Keys(env, bs), VersionKeys(env, bs, 15), VersionKeys(env, bs, 18)
	bs[0].Alternatives = []course.Alternative{{Version: 15, Text: "one\n"}}
	if got := Keys(env, bs); strings.Join(got, ",") != strings.Join(main0, ",") {
		t.Error("an alternative changed the main record's keys")
	}
	if got := VersionKeys(env, bs, 18); strings.Join(got, ",") != strings.Join(k18, ",") {
		t.Error("an alternative for 15 changed the keys of 18")
	}
	got := VersionKeys(env, bs, 15)
	if got[0] == k15[0] || got[1] == k15[1] {
		t.Error("an alternative for 15 did not change the chain of 15 from its block on")
	}
	bs[1].Since = 16
	if VersionKeys(env, bs, 15)[1] == got[1] {
		t.Error("since= is not in the key")
	}
}

// A matrix run is stale when a block, the images or the builder changed,
// and names the first block that changed; it round-trips through its file.
func TestMatrixStaleAndRoundTrip(t *testing.T) {
	env := Env{Builder: "b", Images: []string{"postgres:15"}, Stand: map[string]string{"compose.yaml": "h"}}
	bs := matrixBlocks()
	keys := VersionKeys(env, bs, 15)
	r := MatrixRun{Version: 15, Builder: env.Builder, Images: env.Images, Stand: env.Stand, RanAt: time.Now().UTC(),
		Blocks: []MatrixBlock{{Chapter: "content/01-a.md", Line: 5, Key: keys[0], Status: StatusSame},
			{Chapter: "content/01-a.md", Line: 9, Key: keys[1], Status: StatusDiffers, Diff: "-2\n+two\n"}}}
	if why := r.Stale(env, bs); why != "" {
		t.Fatalf("fresh run is stale: %s", why)
	}
	bs[1].Alternatives = []course.Alternative{{Version: 15, Text: "two\n"}}
	if why := r.Stale(env, bs); !strings.HasPrefix(why, "content/01-a.md:9: this block") {
		t.Errorf("after an alternative was added: %q", why)
	}
	bs[1].Alternatives = nil
	// What the versions page shows of the run must be what a run writes.
	for server, want := range map[string]string{
		"PostgreSQL 15.8 (Debian 15.8-1) on x86_64-pc-linux-gnu, 64-bit": "",
		"PostgreSQL 99.1 on x86_64-pc-linux-gnu, 64-bit":                 "server PostgreSQL 99.1 on the run of version 15",
		"a forged server": "is not what SELECT version() returns",
	} {
		f := r
		f.Server = server
		if why := f.Stale(env, bs); want == "" && why != "" || want != "" && !strings.Contains(why, want) {
			t.Errorf("server %q: stale %q, want %q", server, why, want)
		}
	}
	future := r
	future.RanAt = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	if why := future.Stale(env, bs); !strings.Contains(why, "ran_at 2099-01-01T00:00:00Z is in the future") {
		t.Errorf("a run in 2099: %q", why)
	}
	if why := r.Stale(Env{Builder: "c", Images: env.Images, Stand: env.Stand}, bs); !strings.Contains(why, "builder") {
		t.Errorf("another builder: %q", why)
	}
	m := &Matrix{Main: 17}
	m.Put(r)
	m.Put(MatrixRun{Version: 18, Unavailable: "no image"})
	m.Put(r)
	path := filepath.Join(t.TempDir(), "matrix.json")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMatrix(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Versions) != 2 || back.Run(15).Summary()[StatusDiffers] != 1 || back.Run(18).Unavailable != "no image" {
		t.Errorf("read back %+v", back)
	}
	if err := IsMatrix(path); err != nil {
		t.Error(err)
	}
	if err := IsMatrix(filepath.Join("..", "..", "go.mod")); err == nil {
		t.Error("go.mod taken for a matrix record")
	}
}
