package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"replcourse/builder/check"
	"replcourse/builder/course"
	"replcourse/builder/render"
	"replcourse/builder/run"
	"replcourse/builder/stand"
)

const chapterOne = "---\ntitle: One\n---\n\n## Where the WAL ends\n\n" +
	"```sql {node=primary}\nSELECT pg_current_wal_lsn();\n```\n\n" +
	"```output\n pg_current_wal_lsn \n--------------------\n {{lsn:start}}\n(1 row)\n```\n\n" +
	"The WAL ended at {{@start}}.\n"

const chapterTwo = "---\ntitle: Two\n---\n\n## The replica\n\n" +
	"```sh {node=replica}\necho ready\n```\n\n```output\nready\n```\n"

// miniCourse writes a two-chapter course beside a copy of the real stand/.
func miniCourse(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "stand"), os.DirFS(filepath.Join(repoRoot(t), "stand"))); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "content", "01-one.md"), chapterOne)
	writeFile(t, filepath.Join(root, "content", "02-two.md"), chapterTwo)
	return root
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	writeFile(t, path, strings.Replace(string(data), old, new, 1))
}

func recordConfig(root string, log *strings.Builder) Config {
	return Config{Root: root, Public: filepath.Join(root, "public"), Record: filepath.Join(root, "verified", "record.json"), Log: log}
}

// seedRecord records results for every block of the course at root, as a
// verified run would have: each output is the expectation with its
// placeholders filled in.
func seedRecord(t *testing.T, cfg Config) {
	t.Helper()
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	blocks := run.Blocks(c, cfg.Until)
	res := &run.Results{Blocks: map[*course.Block]*course.Result{}, Vars: check.Captures{}}
	for _, b := range blocks {
		out := strings.ReplaceAll(b.Expected, "{{lsn:start}}", "0/3000148")
		m := check.Match(b.Expected, out, res.Vars)
		if !m.OK {
			t.Fatalf("%s: seeded output does not match:\n%s", b.Pos, m.Diff)
		}
		res.Blocks[b] = &course.Result{Output: out, Captures: m.Captures, Elapsed: 40 * time.Millisecond, Attempts: 1}
	}
	rc, err := openCache(cfg, blocks)
	if err != nil {
		t.Fatal(err)
	}
	v := render.Verified{Server: "PostgreSQL 17.6 (seeded)", Image: "postgres:17 0123456789ab", BuiltAt: time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)}
	if err := rc.save(res, v); err != nil {
		t.Fatal(err)
	}
}

// noDocker points the Docker client at nothing: any attempt to use Docker
// fails with an environment error.
func noDocker(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
}

// TestProseEditBuildsFromRecord edits only prose (a heading, a paragraph,
// lines inserted above every block): the build takes the results from the
// record without Docker, within a second, and the page shows the recorded
// values and says when they were verified.
func TestProseEditBuildsFromRecord(t *testing.T) {
	root := miniCourse(t)
	var log strings.Builder
	cfg := recordConfig(root, &log)
	seedRecord(t, cfg)
	noDocker(t)
	one := filepath.Join(root, "content", "01-one.md")
	edit(t, one, "## Where the WAL ends\n", "## Where the WAL ends now\n\nA new paragraph,\nthree lines long,\nabove the block.\n")
	edit(t, one, "The WAL ended at", "At that moment the WAL ended at")
	start := time.Now()
	out, err := Build(context.Background(), cfg)
	took := time.Since(start)
	t.Logf("prose-edit rebuild: %s\n%s", took, log.String())
	if err != nil {
		t.Fatal(err)
	}
	if !out.FromRecord || !strings.Contains(log.String(), "is current") {
		t.Errorf("not built from the record:\n%s", log.String())
	}
	if took > time.Second {
		t.Errorf("prose-edit rebuild took %s, want ≤ 1s", took)
	}
	page, err := os.ReadFile(filepath.Join(root, "public", "01-one.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"At that moment the WAL ended at 0/3000148", "PostgreSQL 17.6 (seeded)", "2026-11-25"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestRecordServesFocusedBuild checks that a record of the whole course
// serves a build limited with -until, and that a record made with -until
// does not serve the whole course.
func TestRecordServesFocusedBuild(t *testing.T) {
	root := miniCourse(t)
	var log strings.Builder
	cfg := recordConfig(root, &log)
	seedRecord(t, cfg)
	noDocker(t)
	cfg.Until = 1
	if out, err := Build(context.Background(), cfg); err != nil || !out.FromRecord {
		t.Fatalf("focused build: %v\n%s", err, log.String())
	}
	seedRecord(t, cfg) // now the record covers chapter 1 only
	cfg.Until = 0
	log.Reset()
	_, err := Build(context.Background(), cfg)
	assertRan(t, err, log.String(), "02-two.md:7: the record stops before this block")
}

// TestRecordMisses edits what decides execution or comparison — a block's
// code, its expected output, its attributes, a stand file — and checks
// that each makes the build run the course (here: fail to reach Docker),
// saying why; -fresh does so without a change.
func TestRecordMisses(t *testing.T) {
	cases := []struct {
		name, file, old, new, why string
	}{
		{"code", "content/02-two.md", "echo ready", "echo  ready", "02-two.md:7: this block (sh on replica: echo  ready) changed"},
		{"expected", "content/01-one.md", "(1 row)", "(1 rows)", "01-one.md:7: this block (sql on primary"},
		{"attribute", "content/02-two.md", "{node=replica}", "{node=replica timeout=2m}", "02-two.md:7: this block"},
		{"stand file", "stand/postgresql.conf", "\n", "\n# tuned\n", "stand/postgresql.conf changed"},
		{"image recipe", "stand/image/build.sh", "\n", "\n# rebuilt\n", "stand/image/build.sh changed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := miniCourse(t)
			var log strings.Builder
			cfg := recordConfig(root, &log)
			seedRecord(t, cfg)
			noDocker(t)
			edit(t, filepath.Join(root, tc.file), tc.old, tc.new)
			_, err := Build(context.Background(), cfg)
			assertRan(t, err, log.String(), tc.why)
		})
	}
	t.Run("fresh", func(t *testing.T) {
		root := miniCourse(t)
		var log strings.Builder
		cfg := recordConfig(root, &log)
		seedRecord(t, cfg)
		noDocker(t)
		cfg.Fresh = true
		_, err := Build(context.Background(), cfg)
		assertRan(t, err, log.String(), "-fresh")
	})
}

// assertRan checks that a build decided to run the course, for the given
// reason, and so failed on the missing Docker engine.
func assertRan(t *testing.T, err error, log, why string) {
	t.Helper()
	var ee *stand.EnvError
	if !errors.As(err, &ee) || !strings.Contains(ee.Msg, "Docker is not reachable") {
		t.Errorf("want the build to try Docker, got %v", err)
	}
	if !strings.Contains(log, why) {
		t.Errorf("log does not say %q:\n%s", why, log)
	}
}
