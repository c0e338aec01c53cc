package stand

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"replcourse/builder/composefile"
)

// TestProjectNamedForTheCourse: a build's project is named for its course
// — the compose file's name:, else the course folder's name, normalized
// as compose normalizes a folder's name — with the build's unique suffix,
// never the builder's own name.
func TestProjectNamedForTheCourse(t *testing.T) {
	const services = "services:\n  db:\n    image: postgres:17\n    environment: {POSTGRES_PASSWORD: postgres}\n    ports: [\"127.0.0.1::5432\"]\n"
	model := func(t *testing.T, root, compose string) Config {
		t.Helper()
		file := filepath.Join(root, "stand", "compose.yaml")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(compose), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := composefile.Load(context.Background(), root, file)
		if err != nil {
			t.Fatal(err)
		}
		return Config{ComposeFile: file, Model: m, Course: root}
	}
	dir := t.TempDir()
	for _, c := range []struct{ folder, compose, want string }{
		{"mycourse", services, "mycourse-1a2b3c4d"},
		{"My Course.v2", services, "mycoursev2-1a2b3c4d"},
		{"mycourse", "name: replication-lab\n" + services, "replication-lab-1a2b3c4d"},
		{"mycourse", "name: stand\n" + services, "stand-1a2b3c4d"},
		{"---", services, "course-1a2b3c4d"},
	} {
		root := filepath.Join(dir, c.folder)
		cfg := model(t, root, c.compose)
		if got := projectName(cfg, "1a2b3c4d"); got != c.want {
			t.Errorf("folder %q, compose name %q: project %q, want %q", c.folder, cfg.Model.Name, got, c.want)
		}
		os.RemoveAll(root)
	}
	long := filepath.Join(dir, "a-course-with-a-very-long-name-indeed-longer-than-forty")
	if got := projectName(model(t, long, services), "1a2b3c4d"); len(got) > maxNameLen+9 ||
		!regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*-1a2b3c4d$`).MatchString(got) {
		t.Errorf("long name: %q", got)
	}
}

// TestLeftoversOfEveryNaming: the clean-up recognizes a stand by its owner
// labels whatever its course's name, and the stands of builds from before
// the owner labels by their old project names; never someone else's
// compose project.
func TestLeftoversOfEveryNaming(t *testing.T) {
	labels := self().labels(time.Now())
	labels[Label] = "mycourse-1a2b3c4d"
	if !ours(labels) {
		t.Error("a stand named for its course, with owner labels, is not recognized")
	}
	if !ours(map[string]string{Label: legacyPrefix + "0f0f0f0f"}) {
		t.Error("an older build's stand is not recognized")
	}
	if ours(map[string]string{Label: "mycourse"}) {
		t.Error("a reader's own compose project is taken for a build's")
	}
}
