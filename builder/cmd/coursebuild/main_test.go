package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"replcourse/builder/internal/coursetest"
	"replcourse/builder/render"
	"replcourse/builder/stand"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestContentErrorExit2(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "content"), 0o755)
	os.MkdirAll(filepath.Join(root, "stand"), 0o755)
	bad := "---\ntitle: A\n---\n\n```sql {node=primary}\nSELECT 1;\n```\n"
	os.WriteFile(filepath.Join(root, "content", "01-a.md"), []byte(bad), 0o644)
	var out, errw strings.Builder
	code := Main([]string{"-root", root, "check"}, &out, &errw)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr: %s", code, errw.String())
	}
	if !strings.Contains(errw.String(), "01-a.md:5:") || strings.Count(strings.TrimSpace(errw.String()), "\n") != 0 {
		t.Errorf("want one line naming 01-a.md:5, got %q", errw.String())
	}
}

func TestDockerUnreachableExit3(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	var out, errw strings.Builder
	start := time.Now()
	root := coursetest.Fixture(t, "replication")
	code := Main([]string{"-root", root, "-public", t.TempDir(), "-record", "none"}, &out, &errw)
	if code != 3 {
		t.Fatalf("exit %d, want 3; stderr: %s", code, errw.String())
	}
	if !strings.Contains(errw.String(), "Docker is not reachable") {
		t.Errorf("stderr: %q", errw.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s to notice", d)
	}
}

// TestInterrupt sends SIGINT or SIGTERM to a real build at two points and
// checks that it exits non-zero with one line, removes the stand and leaves
// public/ as it was.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker")
	}
	bin := filepath.Join(t.TempDir(), "coursebuild")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cases := []struct {
		name  string
		after string // a line prefix on stdout after which to signal
		sig   syscall.Signal
	}{
		{"sigterm-at-stand", "stand ", syscall.SIGTERM},
		{"sigint-mid-chapter", "chapter 03", syscall.SIGINT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			public := filepath.Join(t.TempDir(), "public")
			os.MkdirAll(public, 0o755)
			os.WriteFile(filepath.Join(public, "index.html"), []byte("last good"), 0o644)
			os.WriteFile(filepath.Join(public, render.SiteMarker), []byte("a site\n"), 0o644)
			cmd := exec.Command(bin, "-root", repoRoot(t), "-public", public, "-record", "none")
			cmd.Env = append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true")
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			signalled := false
			project := ""
			for sc.Scan() {
				if p, ok := strings.CutPrefix(sc.Text(), "stand "); ok {
					project, _, _ = strings.Cut(p, " ")
				}
				if !signalled && strings.HasPrefix(sc.Text(), tc.after) {
					cmd.Process.Signal(tc.sig)
					signalled = true
				}
			}
			err := cmd.Wait()
			if !signalled {
				t.Fatalf("never saw %q; stderr: %s", tc.after, stderr.String())
			}
			if err == nil || cmd.ProcessState.ExitCode() != 130 {
				t.Errorf("exit %v, want 130; stderr: %s", err, stderr.String())
			}
			if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); lines != 0 {
				t.Errorf("want a one-line reason, got:\n%s", stderr.String())
			}
			if got, _ := os.ReadFile(filepath.Join(public, "index.html")); string(got) != "last good" {
				t.Error("public/ was changed")
			}
			left, err := stand.Leftovers(context.Background(), project)
			if err != nil || len(left) > 0 {
				t.Errorf("left behind: %v %v", left, err)
			}
		})
	}
}

// TestCIReportsOnContentError runs a build as GitHub Actions would: the
// content error is an annotation on its line, the JUnit report has it as
// an error, and the exit code is 2.
func TestCIReportsOnContentError(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "true")
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "content"), 0o755)
	os.MkdirAll(filepath.Join(root, "stand"), 0o755)
	os.WriteFile(filepath.Join(root, "content", "01-a.md"), []byte("---\ntitle: A\n---\n\n```sql {node=primary}\nSELECT 1;\n```\n"), 0o644)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out, errw strings.Builder
	code := Main([]string{"build", "-root", root, "-junit", junit}, &out, &errw)
	if code != 2 {
		t.Fatalf("exit %d, stderr %s", code, errw.String())
	}
	if want := "::error file=content/01-a.md,line=5,title=content error::sql block on primary has no expected output"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, out.String())
	}
	report, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(report), `errors="1"`) || !strings.Contains(string(report), "01-a.md:5: sql block on primary has no expected output") {
		t.Errorf("junit (%v):\n%s", err, report)
	}
}

// TestJUnitFromRecord builds from a current record, with Docker out of
// reach: exit 0, and one passing test case per block, marked as recorded.
func TestJUnitFromRecord(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	cfg := recordedCourse(t)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out, errw strings.Builder
	if code := Main([]string{"-root", cfg.Root, "-junit", junit, "build"}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errw.String(), out.String())
	}
	report, _ := os.ReadFile(junit)
	for _, want := range []string{`tests="1" failures="0" errors="0" skipped="0"`, `name="content/01-preview.md:7 primary echo ready"`, "from the record verified at"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("junit lacks %s:\n%s", want, report)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"build", "extra"}, {"-until", "-1"}, {"-nosuchflag"}} {
		var out, errw strings.Builder
		if code := Main(args, &out, &errw); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestRefusedOutputsExit2 points -public, -record and -junit at what the
// builder must never delete or write over — the chapters, the whole
// repository, a chapter file — for build and for serve: each exits 2 with
// one line before anything runs, and every file of the course stays.
func TestRefusedOutputsExit2(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	for _, tc := range []struct {
		name string
		args func(root string) []string
		want string
	}{
		{"public content", func(root string) []string { return []string{"build", "-public", filepath.Join(root, "content")} }, "is, contains or lies in the course's sources (content/)"},
		{"public root", func(root string) []string { return []string{"build", "-public", root} }, "is or contains the course's root"},
		{"public relative root", func(root string) []string { return []string{"build", "-public", "."} }, "is or contains the course's root"},
		{"record chapter", func(root string) []string {
			return []string{"build", "-record", filepath.Join(root, "content", "01-preview.md")}
		}, "-record " + "CHAPTER: lies in the course's sources (content/)"},
		{"junit chapter", func(root string) []string {
			return []string{"build", "-junit", filepath.Join(root, "content", "01-preview.md")}
		}, "-junit CHAPTER: lies in the course's sources (content/)"},
		{"junit new in content", func(root string) []string {
			return []string{"build", "-junit", filepath.Join(root, "content", "new.xml")}
		}, "lies in the course's sources (content/)"},
		{"junit new in stand", func(root string) []string { return []string{"build", "-junit", "stand/new.xml"} }, "-junit stand/new.xml: lies in the course's sources (stand/)"},
		{"junit in public", func(root string) []string {
			return []string{"build", "-junit", filepath.Join(root, "public", "junit.xml")}
		}, "lies in the public directory"},
		{"junit not a report", func(root string) []string {
			return []string{"build", "-junit", filepath.Join(root, "course.yaml")}
		}, "is not a JUnit report (<testsuites>); refusing to write over it"},
		{"serve public content", func(root string) []string {
			return []string{"serve", "-port", "0", "-public", filepath.Join(root, "content")}
		}, "is, contains or lies in the course's sources (content/)"},
		{"serve record stand file", func(root string) []string {
			return []string{"serve", "-port", "0", "-record", filepath.Join(root, "stand", "compose.yaml")}
		}, "lies in the course's sources (stand/)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := recordedCourse(t)
			before := files(t, cfg.Root)
			t.Chdir(cfg.Root)
			var out, errw strings.Builder
			code := Main(append([]string{"-root", cfg.Root}, tc.args(cfg.Root)...), &out, &errw)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %s; stdout %s", code, errw.String(), out.String())
			}
			msg := strings.TrimSpace(errw.String())
			want := strings.ReplaceAll(tc.want, "CHAPTER", filepath.Join(cfg.Root, "content", "01-preview.md"))
			if !strings.HasPrefix(msg, "coursebuild: ") || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
				t.Errorf("want one line saying %q, got %q", want, msg)
			}
			after := files(t, cfg.Root)
			for name, data := range before {
				if after[name] != data {
					t.Errorf("%s was changed or deleted", name)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok {
					t.Errorf("%s was created", name)
				}
			}
		})
	}
}

// files reads every file under dir.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, rerr := os.ReadFile(p)
			out[p] = string(data)
			return rerr
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBadPathsExit2: a course folder that does not exist, a course.yaml
// naming a missing chapters' folder or the course's folder itself, and a
// chapters' folder holding a file that is no chapter are content errors:
// exit 2, one line naming the file (and its line where there is one).
func TestBadPathsExit2(t *testing.T) {
	course := func(yaml string, extra ...string) string {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "content"), 0o755)
		os.MkdirAll(filepath.Join(root, "stand"), 0o755)
		os.WriteFile(filepath.Join(root, "course.yaml"), []byte(yaml), 0o644)
		os.WriteFile(filepath.Join(root, "content", "01-a.md"), []byte("---\ntitle: A\n---\n\ntext\n"), 0o644)
		for _, name := range extra {
			os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
			os.WriteFile(filepath.Join(root, name), []byte("---\ntitle: B\n---\n"), 0o644)
		}
		return root
	}
	for _, tc := range []struct {
		name, root, want string
	}{
		{"no course folder", filepath.Join(t.TempDir(), "nosuchdir"), "nosuchdir: no such folder"},
		{"content missing", course("title: T\ncontent: nosuch\n"), "course.yaml:2: content: \"nosuch\": no such folder"},
		{"content is root", course("title: T\ncontent: .\n"), "course.yaml:2: content: \".\" is the course's folder itself"},
		{"upper-case chapter", course("title: T\n", "content/02-x.MD"), "content/02-x.MD: not a chapter"},
		{"chapter in a folder", course("title: T\n", "content/part2/03-x.md"), "content/part2: a folder in the chapters' folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range []string{"check", "build"} {
				var out, errw strings.Builder
				code := Main([]string{"-C", tc.root, cmd, "-record", "none"}, &out, &errw)
				msg := strings.TrimSpace(errw.String())
				if code != 2 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
					t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line saying %q", cmd, code, msg, tc.want)
				}
			}
		})
	}
}

// TestHelp: help, -h and -help print the usage, which names every command
// with a line of its own, on stdout with exit 0; no arguments at all
// print it on stderr with exit 2 and build nothing.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"-help"}, {"build", "-h"}} {
		var out, errw strings.Builder
		if code := Main(args, &out, &errw); code != 0 || errw.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errw.String())
		}
		for _, cmd := range []string{"build", "check", "update", "serve", "image", "new DIR", "matrix", "help"} {
			if !strings.Contains(out.String(), "\n  "+cmd+" ") {
				t.Errorf("%v: usage has no line for %s:\n%s", args, cmd, out.String())
			}
		}
		if !strings.Contains(out.String(), "(serve)") {
			t.Errorf("%v: usage does not say which command -port is for", args)
		}
	}
	t.Chdir(t.TempDir())
	var out, errw strings.Builder
	if code := Main(nil, &out, &errw); code != 2 || !strings.HasPrefix(errw.String(), "usage: coursebuild COMMAND") || out.Len() != 0 {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q", code, out.String(), errw.String())
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("no arguments wrote %v", entries)
	}
}

// TestCheckAndBuildCountAlike: check and a build say the same numbers of
// chapters, blocks and blocks run, in the same words.
func TestCheckAndBuildCountAlike(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	cfg := recordedCourse(t)
	var checkOut, buildOut, errw strings.Builder
	if code := Main([]string{"-C", cfg.Root, "check"}, &checkOut, &errw); code != 0 {
		t.Fatalf("check: exit %d: %s", code, errw.String())
	}
	if code := Main([]string{"-C", cfg.Root, "build"}, &buildOut, &errw); code != 0 {
		t.Fatalf("build: exit %d: %s", code, errw.String())
	}
	counts, _, ok := strings.Cut(checkOut.String(), ": content is well formed")
	if !ok || !regexp.MustCompile(`^\d+ chapters?, \d+ blocks?, \d+ run$`).MatchString(counts) {
		t.Fatalf("check says %q", checkOut.String())
	}
	if !strings.Contains(buildOut.String(), counts+": taken from the record in ") {
		t.Errorf("build does not say %q:\n%s", counts, buildOut.String())
	}
}
