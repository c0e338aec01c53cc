package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"replcourse/builder/course"
)

// course writes files (path → text) into a new folder and returns it.
func courseDir(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoadFull(t *testing.T) {
	root := courseDir(t, map[string]string{
		"course.yaml": `title: Streaming Replication
description: Two nodes and a failover.
content: chapters
stand: env
compose: env/docker-compose.yml
images:
  "postgres:17":
    recipe: env/image/build.sh
    tag: replcourse/postgres:17
`,
		"env/image/build.sh": "#!/bin/sh\n",
	})
	c, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Title: "Streaming Replication", Description: "Two nodes and a failover.",
		Content: "chapters", Stand: "env", Compose: "env/docker-compose.yml",
		Images:   map[string]Fallback{"postgres:17": {Recipe: "env/image/build.sh", Tag: "replcourse/postgres:17"}},
		Versions: Versions{Image: DefaultVersionImage},
		Root:     root,
		Declared: true,
	}
	want.lines = map[string]int{"content": 3, "stand": 4}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	if got := c.ComposeFile(); got != filepath.Join(root, "env", "docker-compose.yml") {
		t.Errorf("ComposeFile() = %s", got)
	}
	if f, ok := c.Fallback("postgres:17"); !ok || f.Tag != "replcourse/postgres:17" {
		t.Errorf("Fallback(postgres:17) = %v, %v", f, ok)
	}
	if _, ok := c.Fallback("busybox"); ok {
		t.Error("Fallback(busybox) found a recipe nobody declared")
	}
}

// A course.yaml with a title only gets every other default; the compose
// file follows the stand folder.
func TestDefaults(t *testing.T) {
	c, err := Load(courseDir(t, map[string]string{"course.yaml": "title: T\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Content != "content" || c.Stand != "stand" || c.Compose != "stand/compose.yaml" || len(c.Images) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	c, err = Load(courseDir(t, map[string]string{"course.yaml": "title: T\nstand: env\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Compose != "env/compose.yaml" {
		t.Errorf("compose with stand: env = %q, want env/compose.yaml", c.Compose)
	}
}

// A folder without course.yaml is a course with the defaults, titled with
// the folder's name.
func TestNoFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "my-course")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if c.Declared || c.Title != "my-course" || c.Compose != Default.Compose || c.Content != "content" {
		t.Errorf("got %+v", c)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		files     map[string]string
		want      string // the whole message, file:line included
	}{
		{"typo", "title: T\ndescription: d\ntitel: x\n", nil,
			`course.yaml:3: unknown key "titel" (did you mean "title"?)`},
		{"far from any key", "title: T\nflavour: x\n", nil,
			`course.yaml:2: unknown key "flavour" (keys: title, description, content, stand, compose, images, versions)`},
		{"versions empty", "title: T\nversions:\n", nil,
			`course.yaml:2: versions: needs main: (the version the chapters are written for)`},
		{"versions without main", "title: T\nversions:\n  others: [15]\n", nil,
			`course.yaml:3: versions: no main: give the PostgreSQL major version the chapters' outputs are written for (main: 17)`},
		{"version not a number", "title: T\nversions:\n  main: seventeen\n", nil,
			`course.yaml:3: versions.main: want a whole number, got "seventeen"`},
		{"others not a list", "title: T\nversions:\n  main: 17\n  others: 15\n", nil,
			`course.yaml:4: versions.others: want a list, got "15"`},
		{"version too small", "title: T\nversions:\n  main: 17\n  others: [9]\n", nil,
			`course.yaml:4: versions: 9 is not a PostgreSQL major version (10 to 999)`},
		{"main among others", "title: T\nversions:\n  main: 17\n  others: [15, 17]\n", nil,
			`course.yaml:4: versions: others: 17 is listed twice, or is the main version`},
		{"image with tag", "title: T\nversions:\n  main: 17\n  image: postgres:17\n", nil,
			`course.yaml:4: versions: image: "postgres:17": give the repository alone (postgres); the tag is the version`},
		{"versions typo", "title: T\nversions:\n  main: 17\n  other: [15]\n", nil,
			`course.yaml:4: versions: unknown key "other" (did you mean "others"?)`},
		{"nested typo", "title: T\nimages:\n  postgres:17:\n    recipie: a.sh\n    tag: x\n", nil,
			`course.yaml:4: images: "postgres:17": unknown key "recipie" (did you mean "recipe"?)`},
		{"list for text", "title: [a, b]\n", nil,
			`course.yaml:1: title: want text, got a list`},
		{"text for a map", "title: T\nimages: postgres\n", nil,
			`course.yaml:2: images: want keys and values, got "postgres"`},
		{"not a mapping", "- title\n", nil,
			`course.yaml:1: the file: want keys and values, got a list`},
		{"duplicate", "title: T\ntitle: U\n", nil,
			`course.yaml:2: key "title" is also set on line 1`},
		{"syntax", "title: T\n  bad: [\n", nil,
			`course.yaml:2: YAML: mapping values are not allowed in this context`},
		{"empty", "", nil,
			"course.yaml:1: the file is empty; it needs at least title: (see `coursebuild new`)"},
		{"no title", "description: d\n", nil,
			"course.yaml:1: no title: add a line such as `title: My course`"},
		{"blank title", "description: d\ntitle: \"  \"\n", nil,
			"course.yaml:2: no title: add a line such as `title: My course`"},
		{"absolute", "title: T\ncontent: /etc\n", nil,
			`course.yaml:2: content: "/etc" is absolute; write it relative to the course's folder`},
		{"content is the root", "title: T\ncontent: .\n", nil,
			`course.yaml:2: content: "." is the course's folder itself; give a folder inside it (content)`},
		{"escapes", "title: T\nstand: ../other\n", nil,
			`course.yaml:2: stand: "../other" leaves the course's folder`},
		{"compose outside stand", "title: T\ncompose: compose.yaml\n", nil,
			`course.yaml:2: compose: "compose.yaml" lies outside the stand folder "stand"; the compose file is a stand file (shown by file= blocks, part of the record's key)`},
		{"no recipe", "title: T\nimages:\n  \"postgres:17\":\n    tag: x/pg:17\n", nil,
			`course.yaml:3: images: "postgres:17" has no recipe: (the script that makes it)`},
		{"no tag", "title: T\nimages:\n  \"postgres:17\":\n    recipe: stand/b.sh\n", map[string]string{"stand/b.sh": ""},
			`course.yaml:3: images: "postgres:17" has no tag: (the image its recipe makes)`},
		{"tag is the ref", "title: T\nimages:\n  \"postgres:17\":\n    recipe: stand/b.sh\n    tag: postgres:17\n", map[string]string{"stand/b.sh": ""},
			`course.yaml:3: images: "postgres:17": the tag must differ from the image it stands in for, so a home-made image never carries the official name`},
		{"missing recipe", "title: T\nimages:\n  \"postgres:17\":\n    recipe: stand/nope.sh\n    tag: x/pg:17\n", nil,
			`course.yaml:3: images: "postgres:17": recipe stand/nope.sh does not exist`},
		{"recipe outside", "title: T\nimages:\n  \"postgres:17\":\n    recipe: ../b.sh\n    tag: x/pg:17\n", nil,
			`course.yaml:3: images: "postgres:17": recipe "../b.sh" leaves the course's folder`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"course.yaml": tc.src}
			for k, v := range tc.files {
				files[k] = v
			}
			root := courseDir(t, files)
			_, err := Load(root)
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *course.Error", err, err)
			}
			got := strings.Replace(err.Error(), root+string(filepath.Separator), "", 1)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A course.yaml that is a link out of the course is refused, not read.
func TestLinkOutside(t *testing.T) {
	root := courseDir(t, nil)
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("title: secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, File)); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	_, err := Load(root)
	var ce *course.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "outside the course folder") || strings.Contains(err.Error(), "secret\n") {
		t.Fatalf("error %v, want a refusal naming the link", err)
	}
}

// No input makes the decoder panic: every prefix of a valid file either
// loads or is a positioned error.
func TestPrefixes(t *testing.T) {
	src := "title: T\ndescription: \"d\"\ncontent: content\nimages:\n  \"postgres:17\": {recipe: stand/b.sh, tag: x/pg:17}\n  &a other: *a\n"
	root := courseDir(t, map[string]string{"stand/b.sh": ""})
	for i := range len(src) + 1 {
		_, err := Parse(root, "course.yaml", []byte(src[:i]))
		var ce *course.Error
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("prefix %q: %v (%T), want a *course.Error", src[:i], err, err)
		}
	}
}

// TestVersions reads the versions: section with its default image, and
// maps a version to its image reference.
func TestVersions(t *testing.T) {
	root := courseDir(t, map[string]string{"course.yaml": "title: T\nversions:\n  main: 17\n  others: [18, 15]\n"})
	c, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Versions
	if !v.Declared() || v.Main != 17 || !reflect.DeepEqual(v.All(), []int{15, 17, 18}) {
		t.Errorf("versions = %+v, all %v", v, v.All())
	}
	if v.Ref(15) != "postgres:15" || !v.Has(18) || v.Has(16) {
		t.Errorf("Ref(15) = %s, Has(18) = %v, Has(16) = %v", v.Ref(15), v.Has(18), v.Has(16))
	}
	root = courseDir(t, map[string]string{"course.yaml": "title: T\n"})
	if c, err = Load(root); err != nil || c.Versions.Declared() || c.Versions.All() != nil {
		t.Errorf("no versions: section: %+v, %v", c.Versions, err)
	}
}

// TestCheckFolders: a chapters' or stand folder that course.yaml names and
// that is missing, or is a file, is an error at its line; one the file
// does not name is named by its path. A missing course folder is an
// error naming it.
func TestCheckFolders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"content missing", map[string]string{"course.yaml": "title: T\ncontent: nosuch\n", "stand/compose.yaml": ""},
			`course.yaml:2: content: "nosuch": no such folder in the course's folder`},
		{"stand a file", map[string]string{"course.yaml": "title: T\nstand: env\n", "content/01-a.md": "", "env": ""},
			`course.yaml:2: stand: "env": is not a folder in the course's folder`},
		{"default content missing", map[string]string{"stand/compose.yaml": ""},
			`content: no such folder (the content folder; course.yaml may name another)`},
		{"all there", map[string]string{"course.yaml": "title: T\ncontent: ch\n", "ch/01-a.md": "", "stand/compose.yaml": ""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := courseDir(t, tc.files)
			c, err := Load(root)
			if err != nil {
				t.Fatal(err)
			}
			err = c.CheckFolders()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *course.Error", err, err)
			}
			if got := strings.Replace(err.Error(), root+string(filepath.Separator), "", 1); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	_, err := Load(filepath.Join(t.TempDir(), "nosuchdir"))
	var ce *course.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "nosuchdir: no such folder") {
		t.Errorf("missing course folder: %v", err)
	}
}
