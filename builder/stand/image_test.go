package stand

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
)

// imageCourse is a course whose one service runs ref, with course.yaml
// declaring a fallback for it (recipe script, tag) when script is not "".
func imageCourse(t *testing.T, ref, script, tag string) (*config.Config, *composefile.Model) {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "stand"), 0o755)
	yaml := "title: Images\n"
	if script != "" {
		os.WriteFile(filepath.Join(root, "stand", "recipe.sh"), []byte(script), 0o755)
		yaml += "images:\n  \"" + ref + "\":\n    recipe: stand/recipe.sh\n    tag: " + tag + "\n"
	}
	os.WriteFile(filepath.Join(root, "course.yaml"), []byte(yaml), 0o644)
	os.WriteFile(filepath.Join(root, "stand", "compose.yaml"), []byte("services:\n  db:\n    image: "+ref+"\n"), 0o644)
	cc, err := config.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := composefile.Load(context.Background(), root, cc.ComposeFile())
	if err != nil {
		t.Fatal(err)
	}
	return cc, m
}

// An image that is absent, cannot be pulled and has a fallback whose
// recipe fails: one environment error, quickly, naming the recipe and
// what to run.
func TestImageMissingAndRecipeFailing(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cc, m := imageCourse(t, "replcourse-test/absent:1", "echo 'debootstrap: mirror unreachable' >&2\nexit 1\n", "replcourse-test/absent-local:1")
	var log strings.Builder
	start := time.Now()
	_, err := EnsureImages(context.Background(), cc, m, &log)
	var ee *EnvError
	if !errors.As(err, &ee) {
		t.Fatalf("want an EnvError, got %v", err)
	}
	if !strings.Contains(ee.Msg, "image recipe stand/recipe.sh failed") || !strings.Contains(ee.Msg, "coursebuild image") || strings.Contains(ee.Msg, "\n") {
		t.Errorf("message %q", ee.Msg)
	}
	if !strings.Contains(log.String(), "debootstrap: mirror unreachable") {
		t.Errorf("the recipe's output is not in the log:\n%s", log.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s", d)
	}
}

// An image that is absent and cannot be pulled, without a fallback: an
// environment error that names the image and course.yaml's images:.
func TestImageMissingWithoutFallback(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	cc, m := imageCourse(t, "replcourse-test/absent:1", "", "")
	_, err := EnsureImages(context.Background(), cc, m, &strings.Builder{})
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.Contains(ee.Msg, "image replcourse-test/absent:1 is not present and cannot be pulled") ||
		!strings.Contains(ee.Msg, "course.yaml a fallback under images:") {
		t.Fatalf("got %v", err)
	}
}

// The fallback's tag stands in for the reference as written, and says
// so; the recipe runs in the course's root with the tag as its argument.
func TestImageFallbackRecipeMakesTheTag(t *testing.T) {
	needDocker(t)
	// The recipe "makes" the tag by checking that the engine holds it
	// (the fixture courses' recipe); it records how it was called.
	script := "echo \"$PWD $1\" > called\ndocker image inspect \"$1\" >/dev/null\n"
	cc, m := imageCourse(t, "replcourse-test/absent:1", script, testImage)
	imgs, err := EnsureImages(context.Background(), cc, m, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	img := imgs["replcourse-test/absent:1"]
	if img.Ref != "replcourse-test/absent:1" || img.Ran != testImage || img.Recipe != "stand/recipe.sh" || !strings.HasPrefix(img.ID, "sha256:") {
		t.Errorf("got %+v", img)
	}
	if l := img.Label(); !strings.HasPrefix(l, testImage+" ") || !strings.HasSuffix(l, " for replcourse-test/absent:1") {
		t.Errorf("label %q", l)
	}
	// The tag was present: the recipe did not even run.
	if _, err := os.Stat(filepath.Join(cc.Root, "called")); err == nil {
		t.Errorf("the recipe ran although the engine holds %s", testImage)
	}
}

func TestImageLabel(t *testing.T) {
	for _, tc := range []struct {
		img  Image
		want string
	}{
		{Image{Ref: "postgres:17", Ran: "postgres:17", ID: "sha256:0123456789abcdef0123"}, "postgres:17 0123456789ab"},
		{Image{Ref: "postgres:17", Ran: "replcourse/postgres:17", ID: "sha256:bbda20a11422bcbb", Recipe: "stand/image/build.sh"}, "replcourse/postgres:17 bbda20a11422 for postgres:17"},
	} {
		if got := tc.img.Label(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.img, got, tc.want)
		}
	}
}

func TestDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	cc, m := imageCourse(t, "postgres:17", "", "")
	_, err := EnsureImages(context.Background(), cc, m, &strings.Builder{})
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.Contains(ee.Msg, "Docker is not reachable") {
		t.Fatalf("got %v", err)
	}
}

// TestInterruptDuringImageBuild cancels the build while the image recipe
// runs: EnsureImages returns the cancellation promptly and kills the
// recipe.
func TestInterruptDuringImageBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	// The recipe stands for a long image build: it marks that it runs,
	// then blocks until it is killed.
	cc, m := imageCourse(t, "replcourse-test/absent:1", "touch "+started+"\nexec sleep 300\n", "replcourse-test/absent-local:1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := EnsureImages(ctx, cc, m, &strings.Builder{})
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
		t.Fatal("EnsureImages did not return after the interrupt")
	}
}
