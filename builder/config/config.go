// Package config reads a course's configuration, course.yaml at the
// course's root: what the course is called, where its chapters and its
// stand are, and how to make the images its compose file names where no
// registry can be reached. Every course fact the builder needs and cannot
// read from the chapters or the compose file lives here, typed, with the
// defaults in Default.
//
// The file is YAML, decoded strictly: an unknown key is an error at its
// line with the nearest valid key suggested, as is a value of the wrong
// shape. Paths in it are relative to the course's root, written with
// forward slashes, and may not leave the course folder.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"replcourse/builder/course"
	"replcourse/builder/coursefs"
)

// File is the name of the configuration file at a course's root.
const File = "course.yaml"

// Config is a course's configuration. Paths are relative to the course's
// root, slash-separated; Path turns one into a path to open.
type Config struct {
	// Title names the course: the index page's heading and every page's
	// <title>. Required in course.yaml; without a course.yaml it is the
	// name of the course's folder.
	Title string `yaml:"title"`
	// Description is one or two sentences shown under the title on the
	// index page; optional.
	Description string `yaml:"description"`
	// Content is the folder of chapters (NN-slug.md). Default "content".
	Content string `yaml:"content"`
	// Stand is the folder of the stand's files: the compose file and what
	// it mounts. ```lang {file=…} blocks show files from it, and every file
	// in it is part of the record's key. Default "stand".
	Stand string `yaml:"stand"`
	// Compose is the compose file the stand runs and readers run, inside
	// Stand. Default Stand + "/compose.yaml".
	Compose string `yaml:"compose"`
	// Images maps an image reference exactly as the compose file writes it
	// (after interpolation, e.g. "postgres:17") to the recipe that makes an
	// equivalent image where that one is neither present nor pullable.
	// An image without an entry must be present or pullable.
	Images map[string]Fallback `yaml:"images"`
	// Versions are the PostgreSQL major versions the course is checked
	// against (`coursebuild matrix`); the zero value declares none.
	Versions Versions `yaml:"versions"`

	// Root is the course's folder as given to Load (not read from the
	// file); paths in messages and Path are relative to it.
	Root string `yaml:"-"`
	// Declared says the configuration was read from a course.yaml; false
	// when the folder has none and Default applies.
	Declared bool `yaml:"-"`

	// lines are the course.yaml lines of the keys content and stand,
	// where the file sets them, for CheckFolders' errors.
	lines map[string]int
}

// Fallback is how to make an image a course needs where no registry
// answers: run Recipe, which makes the image Tag. The stand then runs Tag
// in place of the compose file's reference, and the pages name Tag, its
// id and the recipe: the reference as written stays what readers pull.
type Fallback struct {
	// Recipe is a script, relative to the root, run as `bash RECIPE TAG`
	// with the course's root as its working directory. It must exit 0
	// once the engine holds the image TAG.
	Recipe string `yaml:"recipe"`
	// Tag is the reference the recipe's image gets, e.g.
	// "replcourse/postgres:17". It must differ from the reference it
	// stands in for, so that the engine never holds a home-made image
	// under the official name.
	Tag string `yaml:"tag"`
}

// Versions says which PostgreSQL major versions the course runs on and
// how a version maps to images: for version N, every service of the
// compose file whose image is Image:Main runs Image:N instead (made
// ready like any image: present, pulled, else the fallback recipe that
// Images declares for Image:N). The compose file stays what readers run.
type Versions struct {
	// Main is the version the chapters' expected outputs are written for,
	// the one `build` verifies; 0 when the course declares no versions.
	Main int `yaml:"main"`
	// Others are the versions the matrix also runs, each once, on a
	// stand of its own. A version whose image can be neither found,
	// pulled nor made is reported as unavailable, not as a failure.
	Others []int `yaml:"others"`
	// Image is the image repository whose tag names the version. Default
	// "postgres".
	Image string `yaml:"image"`
}

// DefaultVersionImage is Versions.Image when course.yaml does not set it.
const DefaultVersionImage = "postgres"

// Declared reports whether the course declares its versions.
func (v Versions) Declared() bool { return v.Main != 0 }

// All returns the main version and the others, in ascending order.
func (v Versions) All() []int {
	if !v.Declared() {
		return nil
	}
	all := append([]int{v.Main}, v.Others...)
	slices.Sort(all)
	return all
}

// Has reports whether n is the main version or one of the others.
func (v Versions) Has(n int) bool { return slices.Contains(v.All(), n) }

// Ref is the image reference of version n: "postgres:15".
func (v Versions) Ref(n int) string { return fmt.Sprintf("%s:%d", v.Image, n) }

// Default is the configuration of a course folder without a course.yaml,
// and the value every key of course.yaml starts from (Compose then
// follows Stand).
var Default = Config{
	Content:  "content",
	Stand:    "stand",
	Compose:  "stand/compose.yaml",
	Versions: Versions{Image: DefaultVersionImage},
}

// Path returns rel (slash-separated, relative to the course's root) as a
// path under Root.
func (c *Config) Path(rel string) string {
	return filepath.Join(c.Root, filepath.FromSlash(rel))
}

// ContentDir, StandDir and ComposeFile are the paths to open for
// Content, Stand and Compose.
func (c *Config) ContentDir() string  { return c.Path(c.Content) }
func (c *Config) StandDir() string    { return c.Path(c.Stand) }
func (c *Config) ComposeFile() string { return c.Path(c.Compose) }

// Fallback returns the recipe declared for the image reference ref, as
// written in the compose file, and whether there is one.
func (c *Config) Fallback(ref string) (Fallback, bool) {
	f, ok := c.Images[ref]
	return f, ok
}

// Load reads root/course.yaml. A folder without one gets Default, titled
// with the folder's name. Every mistake in the file is a *course.Error at
// its line: YAML syntax, an unknown key (with the nearest valid one
// suggested), a value of the wrong shape, a missing title, a path that is
// absolute or leaves the course, a compose file outside the stand folder,
// a recipe that is not a file of the course, a fallback tag equal to its
// image. The file is read through coursefs, like every course file.
//
// A root that is not an existing folder is a *course.Error naming it.
func Load(root string) (*Config, error) {
	switch fi, err := os.Stat(root); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, course.Errorf(course.Pos{File: root}, "no such folder: give the course's folder (the one holding %s, content/ and stand/)", File)
	case err != nil:
		return nil, course.Errorf(course.Pos{File: root}, "cannot read the course's folder: %v", errors.Unwrap(err))
	case !fi.IsDir():
		return nil, course.Errorf(course.Pos{File: root}, "is not a folder: give the course's folder (the one holding %s, content/ and stand/)", File)
	}
	file := filepath.Join(root, File)
	src, _, err := coursefs.ReadFile(root, file)
	if errors.Is(err, fs.ErrNotExist) {
		c := Default
		c.Root = root
		c.Title = folderTitle(root)
		return &c, nil
	}
	var ce *coursefs.Error
	if errors.As(err, &ce) {
		return nil, course.Errorf(course.Pos{File: file}, "%s", ce.Reason)
	}
	if err != nil {
		return nil, course.Errorf(course.Pos{File: file}, "%v", err)
	}
	return Parse(root, file, src)
}

// Parse decodes src, the text of the course.yaml at file, for the course
// at root, and checks it as Load does.
func Parse(root, file string, src []byte) (*Config, error) {
	c := Default
	c.Compose = ""
	c.Root, c.Declared = root, true
	d := &decoder{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, d.syntax(err)
	}
	switch {
	case doc.Kind == 0 || len(doc.Content) == 0:
		return nil, course.Errorf(course.Pos{File: file, Line: 1}, "the file is empty; it needs at least title: (see `coursebuild new`)")
	case len(doc.Content) > 1:
		return nil, course.Errorf(course.Pos{File: file, Line: doc.Content[1].Line}, "one YAML document only")
	}
	if err := d.decode(doc.Content[0], &c, ""); err != nil {
		return nil, err
	}
	if c.Compose == "" {
		c.Compose = path.Join(c.Stand, "compose.yaml")
	}
	if err := d.check(&c, doc.Content[0]); err != nil {
		return nil, err
	}
	c.lines = map[string]int{}
	for _, key := range []string{"content", "stand"} {
		if hasKey(doc.Content[0], key) {
			c.lines[key] = lineOf(doc.Content[0], key)
		}
	}
	return &c, nil
}

// CheckFolders checks that the chapters' folder and the stand folder
// exist and are folders (symbolic links to folders count). A missing one
// is a *course.Error at its course.yaml line when the file names it, else
// naming the folder.
func (c *Config) CheckFolders() error {
	for _, key := range []string{"content", "stand"} {
		rel := map[string]string{"content": c.Content, "stand": c.Stand}[key]
		dir := c.Path(rel)
		what := ""
		switch fi, err := os.Stat(dir); {
		case errors.Is(err, fs.ErrNotExist):
			what = "no such folder"
		case err != nil:
			what = fmt.Sprintf("cannot be read (%v)", errors.Unwrap(err))
		case !fi.IsDir():
			what = "is not a folder"
		default:
			continue
		}
		if line, ok := c.lines[key]; ok {
			return course.Errorf(course.Pos{File: filepath.Join(c.Root, File), Line: line}, "%s: %q: %s in the course's folder", key, rel, what)
		}
		return course.Errorf(course.Pos{File: dir}, "%s (the %s folder; %s may name another)", what, key, File)
	}
	return nil
}

// check applies the rules a well-shaped configuration must still meet.
func (d *decoder) check(c *Config, top *yaml.Node) error {
	at := func(key string) course.Pos { return course.Pos{File: d.file, Line: lineOf(top, key)} }
	if strings.TrimSpace(c.Title) == "" {
		return course.Errorf(at("title"), "no title: add a line such as `title: My course`")
	}
	for _, key := range []string{"content", "stand", "compose"} {
		p := map[string]string{"content": c.Content, "stand": c.Stand, "compose": c.Compose}[key]
		if err := inside(p); err != "" {
			return course.Errorf(at(key), "%s: %q %s", key, p, err)
		}
		if key != "compose" && path.Clean(p) == "." {
			return course.Errorf(at(key), "%s: %q is the course's folder itself; give a folder inside it (%s)", key, p, map[string]string{"content": Default.Content, "stand": Default.Stand}[key])
		}
	}
	if !within(path.Clean(c.Compose), path.Clean(c.Stand)) {
		return course.Errorf(at("compose"), "compose: %q lies outside the stand folder %q; the compose file is a stand file (shown by file= blocks, part of the record's key)", c.Compose, c.Stand)
	}
	if err := d.checkVersions(c.Versions, mapping(top, "versions"), top); err != nil {
		return err
	}
	imgs := mapping(top, "images")
	for _, ref := range sortedKeys(c.Images) {
		f := c.Images[ref]
		pos := course.Pos{File: d.file, Line: lineOf(imgs, ref)}
		switch {
		case f.Recipe == "":
			return course.Errorf(pos, "images: %q has no recipe: (the script that makes it)", ref)
		case f.Tag == "":
			return course.Errorf(pos, "images: %q has no tag: (the image its recipe makes)", ref)
		case f.Tag == ref:
			return course.Errorf(pos, "images: %q: the tag must differ from the image it stands in for, so a home-made image never carries the official name", ref)
		}
		if err := inside(f.Recipe); err != "" {
			return course.Errorf(pos, "images: %q: recipe %q %s", ref, f.Recipe, err)
		}
		if _, _, err := coursefs.ReadFile(c.Root, c.Path(f.Recipe)); err != nil {
			var ce *coursefs.Error
			if errors.As(err, &ce) {
				return course.Errorf(pos, "images: %q: recipe %s %s", ref, f.Recipe, ce.Reason)
			}
			if errors.Is(err, fs.ErrNotExist) {
				return course.Errorf(pos, "images: %q: recipe %s does not exist", ref, f.Recipe)
			}
			return course.Errorf(pos, "images: %q: recipe %s cannot be read (%v)", ref, f.Recipe, err)
		}
	}
	return nil
}

// minVersion and maxVersion bound a PostgreSQL major version: 10 is the
// first numbered with one number.
const minVersion, maxVersion = 10, 999

// checkVersions checks the versions: section, vs its node (nil when
// absent).
func (d *decoder) checkVersions(v Versions, vs, top *yaml.Node) error {
	if vs == nil {
		if hasKey(top, "versions") {
			// versions: present but empty, or not a mapping (decode
			// refused the latter).
			return course.Errorf(course.Pos{File: d.file, Line: lineOf(top, "versions")}, "versions: needs main: (the version the chapters are written for)")
		}
		return nil
	}
	at := func(key string) course.Pos { return course.Pos{File: d.file, Line: lineOf(vs, key)} }
	if v.Main == 0 {
		return course.Errorf(at("main"), "versions: no main: give the PostgreSQL major version the chapters' outputs are written for (main: 17)")
	}
	for i, n := range append([]int{v.Main}, v.Others...) {
		key := map[bool]string{true: "main", false: "others"}[i == 0]
		if n < minVersion || n > maxVersion {
			return course.Errorf(at(key), "versions: %d is not a PostgreSQL major version (%d to %d)", n, minVersion, maxVersion)
		}
	}
	seen := map[int]bool{v.Main: true}
	for _, n := range v.Others {
		if seen[n] {
			return course.Errorf(at("others"), "versions: others: %d is listed twice, or is the main version", n)
		}
		seen[n] = true
	}
	if strings.ContainsAny(v.Image, ":@ ") || strings.TrimSpace(v.Image) == "" {
		return course.Errorf(at("image"), "versions: image: %q: give the repository alone (postgres); the tag is the version", v.Image)
	}
	return nil
}

// hasKey reports whether the mapping node m has key.
func hasKey(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return true
		}
	}
	return false
}

// inside returns why p is not a relative path within the course, or "".
func inside(p string) string {
	switch {
	case p == "":
		return "is empty"
	case path.IsAbs(p) || filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		return "is absolute; write it relative to the course's folder"
	case strings.Contains(p, `\`):
		return "holds a backslash; write paths with forward slashes"
	case !within(path.Clean(p), "."):
		return "leaves the course's folder"
	}
	return ""
}

// within reports whether the clean slash path p is dir or lies below it.
func within(p, dir string) bool {
	if dir == "." {
		return p != ".." && !strings.HasPrefix(p, "../")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// folderTitle is the title of a course without course.yaml: its folder's
// name.
func folderTitle(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return filepath.Base(root)
	}
	return filepath.Base(abs)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// String renders a configuration for messages and tests.
func (f Fallback) String() string { return fmt.Sprintf("bash %s %s", f.Recipe, f.Tag) }
