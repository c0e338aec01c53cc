package stand

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImageMissingAndBuildFailing: neither image exists, the pull fails and
// the recipe fails: one environment error, quickly, saying what to do.
func TestImageMissingAndBuildFailing(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	script := filepath.Join(t.TempDir(), "build.sh")
	os.WriteFile(script, []byte("echo 'debootstrap: mirror unreachable' >&2\nexit 1\n"), 0o755)
	src := Source{Official: "replcourse-test/absent:1", Local: "replcourse-test/absent-local:1", Script: script}
	var log strings.Builder
	start := time.Now()
	_, err := EnsureImage(context.Background(), src, &log)
	var ee *EnvError
	if !errors.As(err, &ee) {
		t.Fatalf("want an EnvError, got %v", err)
	}
	if !strings.Contains(ee.Msg, "building the PostgreSQL image failed") || !strings.Contains(ee.Msg, "make image") || strings.Contains(ee.Msg, "\n") {
		t.Errorf("message %q", ee.Msg)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s", d)
	}
	t.Log(log.String())
}

func TestDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	_, err := EnsureImage(context.Background(), DefaultSource("."), &strings.Builder{})
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.Contains(ee.Msg, "Docker is not reachable") {
		t.Fatalf("got %v", err)
	}
}

// TestInterruptDuringImageBuild cancels the build while the image recipe
// runs: EnsureImage returns the cancellation promptly and kills the recipe.
func TestInterruptDuringImageBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "build.sh")
	started := filepath.Join(dir, "started")
	// The recipe stands for a long image build: it marks that it runs,
	// then blocks until it is killed.
	os.WriteFile(script, []byte("touch "+started+"\nexec sleep 300\n"), 0o755)
	src := Source{Official: "replcourse-test/absent:1", Local: "replcourse-test/absent-local:1", Script: script}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := EnsureImage(ctx, src, &strings.Builder{})
		done <- err
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for _, err := os.Stat(started); err != nil; _, err = os.Stat(started) {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the recipe never started")
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("EnsureImage did not return after the interrupt")
	}
}
