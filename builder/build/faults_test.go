package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"replcourse/builder/run"
)

// faultCourse writes a two-chapter course that uses the real stand files:
// chapter 1 starts the primary, chapter 2 holds the block under test.
func faultCourse(t *testing.T, block string) string {
	t.Helper()
	root := copyCourse(t)
	content := filepath.Join(root, "content")
	os.RemoveAll(content)
	os.MkdirAll(content, 0o755)
	one := "---\ntitle: One\n---\n\n```sh {node=host}\ndocker compose up -d primary\n```\n\n```output\n ✔ Network replcourse_default     Created\n ✔ Container replcourse-primary-1 Started\n# state checked by the build (not printed by docker compose):\nprimary  healthy\n```\n"
	two := "---\ntitle: Two\n---\n\n" + block
	os.WriteFile(filepath.Join(content, "01-one.md"), []byte(one), 0o644)
	os.WriteFile(filepath.Join(content, "02-two.md"), []byte(two), 0o644)
	return root
}

// TestHungBlockTimesOut runs a statement that would sleep for ten minutes:
// the block fails at its timeout, with the output it printed before.
func TestHungBlockTimesOut(t *testing.T) {
	dockerTest(t)
	root := faultCourse(t, "```sql {node=primary timeout=3s}\nSELECT 1 AS one;\nSELECT pg_sleep(600);\n```\n\n```output\n```\n")
	var log strings.Builder
	start := time.Now()
	err := Site(context.Background(), Config{Root: root, Log: &log})
	var be *run.BlockError
	if !errors.As(err, &be) {
		t.Fatalf("want a block error, got %v", err)
	}
	if !strings.Contains(be.Msg, "timed out after 3s") || !strings.Contains(be.Output, " one \n-----\n   1\n(1 row)") {
		t.Errorf("error %q with output %q", be.Msg, be.Output)
	}
	if !strings.HasSuffix(be.Block.Pos.String(), "02-two.md:5") {
		t.Errorf("reported at %s", be.Block.Pos)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("took %s", d)
	}
	assertNoLeftovers(t, log.String())
}

// TestNodeDiesMidBuild kills the primary's container while a block runs on
// it: the error names the block and the node and shows the node's last log
// lines, and the stand is still removed completely.
func TestNodeDiesMidBuild(t *testing.T) {
	dockerTest(t)
	root := faultCourse(t, "```sql {node=primary}\nSELECT pg_sleep(30);\n```\n\n```output\n```\n")
	w := &watchLog{seen: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- Site(context.Background(), Config{Root: root, Log: w}) }()
	var project string
	select {
	case project = <-w.seen:
	case err := <-done:
		t.Fatalf("build ended before chapter 2: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("chapter 2 never started")
	}
	killPrimary(t, project)
	err := <-done
	var be *run.BlockError
	if !errors.As(err, &be) {
		t.Fatalf("want a block error, got %v", err)
	}
	msg := be.Error()
	for _, want := range []string{"02-two.md:5: sql block on primary", "SELECT pg_sleep(30);", "last log lines of primary"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	assertNoLeftovers(t, w.String())
}

// watchLog records the build's log and reports the stand's project name
// once chapter 2 starts.
type watchLog struct {
	mu   sync.Mutex
	buf  strings.Builder
	seen chan string
}

var standLine = regexp.MustCompile(`stand (\S+) on image`)

func (w *watchLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(string(p), "chapter 02-two.md") {
		if m := standLine.FindStringSubmatch(w.buf.String()); m != nil {
			w.seen <- m[1]
		}
	}
	return len(p), nil
}

func (w *watchLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// killPrimary kills the project's primary container. The block of chapter 2
// is about to run or running: either way the failure must be reported at
// that block, on that node.
func killPrimary(t *testing.T, project string) {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).
		Add("label", "com.docker.compose.project="+project).Add("label", "com.docker.compose.service=primary")})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("primary of %s: %v %v", project, list.Items, err)
	}
	if _, err := cli.ContainerKill(ctx, list.Items[0].ID, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		t.Fatal(err)
	}
}
