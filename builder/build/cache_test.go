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
	"replcourse/builder/internal/coursetest"
	"replcourse/builder/record"
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

// miniCourse writes a two-chapter course beside the stand and course.yaml
// of the fixture course "replication" (primary, replica, subscriber).
func miniCourse(t *testing.T) string {
	t.Helper()
	root := coursetest.Write(t, coursetest.Part(t, "replication", "stand/", "course.yaml"))
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
	c, m, err := loadCourse(cfg)
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
	rc, err := openCache(cfg, m, blocks)
	if err != nil {
		t.Fatal(err)
	}
	v := render.Verified{Server: "PostgreSQL 17.6 (seeded)", Image: "postgres:17 0123456789ab", BuiltAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
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
	for _, want := range []string{"At that moment the WAL ended at 0/3000148", "PostgreSQL 17.6 (seeded)", "2026-11-30"} {
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
		{"stand file", "stand/compose.yaml", "\n", "\n# tuned\n", "stand/compose.yaml changed"},
		{"image recipe", "stand/image.sh", "\n", "\n# rebuilt\n", "stand/image.sh changed"},
		{"fallback tag", "course.yaml", "tag: replcourse/postgres:17", "tag: replcourse/postgres:17.1", "images changed"},
		{"compose image", "stand/compose.yaml", "image: postgres:17", "image: postgres:17.2", "images changed"},
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
	// A recipe outside the stand folder is in the key through
	// course.yaml's images:, by its content.
	t.Run("recipe outside the stand", func(t *testing.T) {
		root := miniCourse(t)
		writeFile(t, filepath.Join(root, "image", "make.sh"), "#!/bin/sh\ndocker image inspect \"$1\" >/dev/null\n")
		edit(t, filepath.Join(root, "course.yaml"), "recipe: stand/image.sh", "recipe: image/make.sh")
		var log strings.Builder
		cfg := recordConfig(root, &log)
		seedRecord(t, cfg)
		noDocker(t)
		edit(t, filepath.Join(root, "image", "make.sh"), "\n", "\n# rebuilt\n")
		_, err := Build(context.Background(), cfg)
		assertRan(t, err, log.String(), "images changed")
	})
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

// TestHandEditedRecordRuns edits a recorded output in the record file so
// that it no longer matches the chapter's expectation: the build does not
// show it as verified but runs the course (here: fails to reach Docker),
// the log naming the block, and writes no site.
func TestHandEditedRecordRuns(t *testing.T) {
	root := miniCourse(t)
	var log strings.Builder
	cfg := recordConfig(root, &log)
	seedRecord(t, cfg)
	noDocker(t)
	edit(t, cfg.Record, `"output": "ready\n"`, `"output": "steady\n"`)
	out, err := Build(context.Background(), cfg)
	assertRan(t, err, log.String(), "02-two.md:7: the recorded result of this block (sh on replica: echo ready) is not one a run accepts: its output does not match the expected output")
	if out != nil && out.FromRecord {
		t.Error("built from the edited record")
	}
	if _, err := os.Stat(cfg.Public); !os.IsNotExist(err) {
		t.Error("a site was written from the edited record")
	}
}

// TestRealRecordHandEdited takes the committed record of the real course,
// which must replay against the real chapters, and changes a count in a
// recorded output (50000 → 66666): the build must run the course instead,
// the log naming the chapter line of the block whose output no longer
// matches.
func TestRealRecordHandEdited(t *testing.T) {
	root := copyCourse(t)
	var log strings.Builder
	cfg := recordConfig(root, &log)
	c, m, err := loadCourse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	blocks := run.Blocks(c, 0)
	committed, err := record.Read(filepath.Join(repoRoot(t), "verified", "record.json"))
	if err != nil {
		t.Fatalf("the committed record: %v", err)
	}
	if committed == nil {
		t.Skip("there is no verified/record.json: a course that has never been verified (make site makes it)")
	}
	res, err := committed.Results(blocks)
	if err != nil {
		t.Skipf("verified/record.json does not fit content/ (regenerate it with make site): %v", err)
	}
	// The committed record's keys name the builder that made it; this
	// test's builder may differ, so the results are recorded again under
	// the current environment, unchanged.
	rc, err := openCache(cfg, m, blocks)
	if err != nil {
		t.Fatal(err)
	}
	v := render.Verified{Server: committed.Server, Image: committed.Image, BuiltAt: committed.VerifiedAt}
	if err := rc.save(res, v); err != nil {
		t.Fatal(err)
	}
	noDocker(t)
	log.Reset()
	if out, err := Build(context.Background(), cfg); err != nil || !out.FromRecord {
		t.Fatalf("the untouched record does not serve: %v\n%s", err, log.String())
	}
	var target *course.Block
	for _, b := range blocks {
		if strings.Contains(b.Expected, "  50000 | 12549750.00 | 2025-01-01") {
			target = b
			break
		}
	}
	if target == nil {
		t.Fatal("no block expects 50000 orders")
	}
	edit(t, cfg.Record, `  50000 | 12549750.00 | 2025-01-01`, `  66666 | 12549750.00 | 2025-01-01`)
	log.Reset()
	_, err = Build(context.Background(), cfg)
	assertRan(t, err, log.String(), target.Pos.String()+": the recorded result of this block (sql on primary: ")
	if !strings.Contains(log.String(), "its output does not match the expected output") {
		t.Errorf("log does not say the output does not match:\n%s", log.String())
	}
}

// TestRecordNotARecord gives -record paths that are not records, or lie
// among the sources: the build refuses each before anything runs, with an
// *OutputError, and the file stays as it was; a missing or empty file, or
// a record of another format, is the builder's to write.
func TestRecordNotARecord(t *testing.T) {
	for _, tc := range []struct {
		name, path, text, want string
	}{
		{"chapter", "content/01-one.md", "", "lies in the course's sources (content/)"},
		{"Markdown", "README.md", "# Course\n", "is not a record of verified results (not a JSON object"},
		{"merge conflict", "verified/record.json", "<<<<<<< HEAD\n{\"format\": 1}\n=======\n{\"format\": 1}\n>>>>>>> other\n", "is not a record of verified results (not a JSON object"},
		{"other JSON", "package.json", `{"name": "x", "version": "1.0.0"}`, `is not a record of verified results (no numeric "format" and "blocks")`},
		{"directory", "verified", "", "is a directory, not a record"},
		{"new file in stand", "stand/record.json", "", "lies in the course's sources (stand/)"},
		{"new file in content", "content/record.json", "", "lies in the course's sources (content/)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := miniCourse(t)
			os.MkdirAll(filepath.Join(root, "verified"), 0o755)
			path := filepath.Join(root, tc.path)
			if tc.text != "" {
				writeFile(t, path, tc.text)
			}
			before := tree(t, root)
			var log strings.Builder
			cfg := recordConfig(root, &log)
			cfg.Record = path
			noDocker(t)
			_, err := Build(context.Background(), cfg)
			var oe *OutputError
			if !errors.As(err, &oe) || oe.Flag != "-record" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a -record error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
			assertTree(t, root, before)
		})
	}
	for _, tc := range []struct{ name, text string }{
		{"missing", ""},
		{"empty", "\n"},
		{"another format", `{"format": 0, "builder": "old", "blocks": [{"output": "x"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := miniCourse(t)
			var log strings.Builder
			cfg := recordConfig(root, &log)
			if tc.text != "" {
				writeFile(t, cfg.Record, tc.text)
			}
			noDocker(t)
			_, err := Build(context.Background(), cfg)
			assertRan(t, err, log.String(), "record: ")
		})
	}
}

// TestPublicRefused gives -public directories a build must not replace:
// the root, an ancestor of it, the source folders and folders inside
// them, a folder holding the record, a folder of someone's files, a file.
// Each is refused before anything runs, with one line, and nothing under
// the root changes.
func TestPublicRefused(t *testing.T) {
	for _, tc := range []struct {
		name, public, want string
	}{
		{"root", ".", "is or contains the course's root"},
		{"ancestor of the root", "..", "is or contains the course's root"},
		{"content", "content", "is, contains or lies in the course's sources (content/)"},
		{"stand", "stand", "is, contains or lies in the course's sources (stand/)"},
		{"theme", "theme", "is, contains or lies in the course's sources (theme/)"},
		{"inside content", "content/site", "is, contains or lies in the course's sources (content/)"},
		{"holds the record", "verified", "contains the record"},
		{"someone's folder", "notes", "not a site written by coursebuild (no .coursebuild file; it holds todo.txt)"},
		{"site with extra files", "oldsite", "not a site written by coursebuild (no .coursebuild file; it holds 01-one.html, assets, index.html and 1 more)"},
		{"a file", "README.md", "exists and is not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := miniCourse(t)
			writeFile(t, filepath.Join(root, "theme", "static", "site.css"), "body {}\n")
			writeFile(t, filepath.Join(root, "README.md"), "# Course\n")
			writeFile(t, filepath.Join(root, "notes", "todo.txt"), "write chapter 3\n")
			legacySite(t, filepath.Join(root, "oldsite"))
			writeFile(t, filepath.Join(root, "oldsite", "notes.md"), "mine\n")
			var log strings.Builder
			cfg := recordConfig(root, &log)
			seedRecord(t, cfg)
			before := tree(t, filepath.Dir(root))
			cfg.Public = filepath.Join(root, tc.public)
			noDocker(t)
			_, err := Build(context.Background(), cfg)
			var oe *OutputError
			if !errors.As(err, &oe) || oe.Flag != "-public" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a -public error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
			assertTree(t, filepath.Dir(root), before)
		})
	}
}

// TestPublicReplaced: a missing or empty directory, a site this builder
// made, and a site an older builder made (no marker, but exactly index.html,
// assets/ and pages) are replaced by the new site, which carries the
// marker; a symbolic link to the root is resolved and refused.
func TestPublicReplaced(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, public string)
	}{
		{"missing", func(t *testing.T, public string) {}},
		{"empty", func(t *testing.T, public string) { os.MkdirAll(public, 0o755) }},
		{"marked", func(t *testing.T, public string) {
			writeFile(t, filepath.Join(public, render.SiteMarker), "made by coursebuild\n")
			writeFile(t, filepath.Join(public, "stale.html"), "old\n")
		}},
		{"older build", func(t *testing.T, public string) { legacySite(t, public) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := miniCourse(t)
			var log strings.Builder
			cfg := recordConfig(root, &log)
			seedRecord(t, cfg)
			tc.setup(t, cfg.Public)
			noDocker(t)
			if out, err := Build(context.Background(), cfg); err != nil || !out.FromRecord {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if _, err := os.Stat(filepath.Join(cfg.Public, render.SiteMarker)); err != nil {
				t.Error("the new site has no marker")
			}
			if _, err := os.Stat(filepath.Join(cfg.Public, "stale.html")); !os.IsNotExist(err) {
				t.Error("a file of the previous site survived")
			}
		})
	}
	t.Run("symbolic link to the root", func(t *testing.T) {
		root := miniCourse(t)
		var log strings.Builder
		cfg := recordConfig(root, &log)
		link := filepath.Join(t.TempDir(), "site")
		if err := os.Symlink(root, link); err != nil {
			t.Fatal(err)
		}
		cfg.Public = link
		_, err := Build(context.Background(), cfg)
		var oe *OutputError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), "is or contains the course's root") {
			t.Fatalf("got %v", err)
		}
	})
}

// legacySite writes what a builder from before the marker left: index.html
// with the pages' footer, a chapter page and assets/.
func legacySite(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "index.html"), "<!DOCTYPE html>\n<html><body><main></main>\n<footer class=\"site-foot\">\n<p>Outputs verified against PostgreSQL 17.6 (postgres:17 0123) on <time>25 November 2026</time>.</p>\n</footer></body></html>\n")
	writeFile(t, filepath.Join(dir, "01-one.html"), "<!DOCTYPE html>\n")
	writeFile(t, filepath.Join(dir, "assets", "site.css"), "body {}\n")
}

// tree reads every file under dir, by path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, rerr := os.ReadFile(p)
			files[p] = string(data)
			return rerr
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// assertTree checks that dir holds exactly the files of before.
func assertTree(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := tree(t, dir)
	for name, data := range before {
		if got, ok := after[name]; !ok {
			t.Errorf("%s was deleted", name)
		} else if got != data {
			t.Errorf("%s was changed", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s appeared", name)
		}
	}
}

// The stand's files are read through coursefs before any container
// starts, also by a build that keeps no record: a link out of the course
// is a content error naming it, and Docker is never asked.
func TestStandFilesCheckedWithoutRecord(t *testing.T) {
	root := miniCourse(t)
	outside := filepath.Join(t.TempDir(), "secret.conf")
	writeFile(t, outside, "x\n")
	if err := os.Symlink(outside, filepath.Join(root, "stand", "extra.conf")); err != nil {
		t.Fatal(err)
	}
	noDocker(t)
	var log strings.Builder
	cfg := recordConfig(root, &log)
	cfg.Record = ""
	_, err := Build(context.Background(), cfg)
	var ce *course.Error
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.Pos.File, filepath.Join("stand", "extra.conf")) {
		t.Fatalf("want a content error at stand/extra.conf, got %v (%T)", err, err)
	}
}
