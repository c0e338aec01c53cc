package record

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/course"
	"replcourse/builder/run"
	"replcourse/builder/topology"
)

const diagramChapter = "---\ntitle: Stand\n---\n\n```sql {node=db}\nSELECT 1;\n```\n\n```output\n1\n```\n\nThe stand:\n\n```diagram\n```\n\nAfter.\n"

// TestDiagramRecorded: a diagram block is in the chain of keys at its
// place in the run, and what it drew comes back from the record, so a
// rebuild draws the same picture without Docker; moving it past a block,
// or adding one, makes the record stale at that block.
func TestDiagramRecorded(t *testing.T) {
	ch := chapter(t, diagramChapter)
	blocks := runnable(ch)
	if len(blocks) != 2 || blocks[1].Lang != topology.Lang {
		t.Fatalf("blocks %v: want the SQL block, then the diagram", blocks)
	}
	state := "{\"service\":\"db\",\"state\":\"running\",\"postgres\":{\"version\":\"17.6\"}}\n"
	res := &run.Results{Blocks: map[*course.Block]*course.Result{
		blocks[0]: {Output: "1\n", Attempts: 1},
		blocks[1]: {Output: state, Attempts: 1},
	}}
	path := filepath.Join(t.TempDir(), "record.json")
	if err := New(env, blocks, res, Verified{At: time.Now(), Server: server, Image: "postgres:17 0123456789ab"}).Write(path); err != nil {
		t.Fatal(err)
	}
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	// A prose edit around the diagram keeps the record.
	prose := chapter(t, strings.Replace(diagramChapter, "The stand:", "The stand, as the build found it:", 1))
	got, why := r.Use(env, runnable(prose))
	if why != "" {
		t.Fatalf("stale after a prose edit: %s", why)
	}
	pb := runnable(prose)
	if got.Blocks[pb[1]].Output != state {
		t.Errorf("the diagram's recorded output %q, want %q", got.Blocks[pb[1]].Output, state)
	}
	// The diagram moved before the SQL block: it drew another moment.
	moved := chapter(t, "---\ntitle: Stand\n---\n\n```diagram\n```\n\n```sql {node=db}\nSELECT 1;\n```\n\n```output\n1\n```\n")
	if why := r.Stale(env, runnable(moved)); !strings.Contains(why, "07-lag.md:5: this block (the diagram of the stand) changed") {
		t.Errorf("a moved diagram: %q, want the record stale at it", why)
	}
	// A second diagram is a block the record does not cover.
	more := chapter(t, diagramChapter+"\n```diagram\n```\n")
	if why := r.Stale(env, runnable(more)); !strings.Contains(why, "the record stops before this block") {
		t.Errorf("a new diagram: %q", why)
	}
	// A diagram output edited by hand is no state: the record is stale.
	r.Blocks[1].Output = "db is running\n"
	if _, why := r.Use(env, blocks); !strings.Contains(why, "not a diagram's state") {
		t.Errorf("a hand-edited diagram: %q", why)
	}
}
