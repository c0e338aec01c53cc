package composefile

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"replcourse/builder/course"
	"replcourse/builder/coursefs"
)

// The stand reads files besides the compose file: env_file and
// label_file (read by the loader into the services' environment and
// labels), include and extends.file (more compose files, each with its
// own .env), the sources of bind mounts, configs and secrets, a build
// context, a local volume's bound device. Every one of them must lie in
// the stand folder — the folder of the compose file — once every symbolic
// link is resolved: that folder's files, and only they, are in the
// record's key (record.StandFiles), so a file read from anywhere else
// could change what the stand does while the record still says current,
// or put the builder's host files on the pages. A file outside is a
// *course.Error at the compose file's line that names it, reported before
// the loader reads it.

// maxDepth bounds how deep include and extends.file may nest.
const maxDepth = 16

// scanRefs checks the files that the compose file at file (src, its
// text; base, the folder its relative paths are resolved against) makes
// the loader read while it loads — include's path, env_file and
// project_directory, each service's extends.file, label_file and
// env_file — and, for the compose files among them, the files they name
// in turn. Paths are interpolated with env, as
// the loader does.
func scanRefs(dir, file, base string, src []byte, env map[string]string, depth int) error {
	if depth > maxDepth {
		return course.Errorf(course.Pos{File: file}, "include and extends nest more than %d files deep", maxDepth)
	}
	var tree yaml.Node
	if err := yaml.Unmarshal(src, &tree); err != nil {
		return nil // the loader reports the syntax error at its line
	}
	root := deref(&tree)
	for root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = deref(root.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	// include: a list of paths, or of mappings with path (one or a list),
	// env_file (one or a list) and project_directory.
	if _, inc := lookup(root, "include", 0); inc != nil {
		for _, e := range seq(inc) {
			paths, envFiles, projectDir := seq(e), []*yaml.Node(nil), (*yaml.Node)(nil)
			if e = deref(e); e != nil && e.Kind == yaml.MappingNode {
				_, p := lookup(e, "path", 0)
				_, ef := lookup(e, "env_file", 0)
				_, projectDir = lookup(e, "project_directory", 0)
				paths, envFiles = seq(p), seq(ef)
			}
			incBase := base
			if projectDir != nil {
				p, err := refPath(dir, file, base, projectDir, env, "include: project_directory")
				if err != nil {
					return err
				}
				incBase = p
			}
			for _, n := range paths {
				p, err := refPath(dir, file, base, n, env, "include")
				if err != nil {
					return err
				}
				nested := filepath.Dir(p)
				if projectDir != nil {
					nested = incBase
				}
				if err := scanFile(dir, p, nested, file, n.Line, env, depth); err != nil {
					return err
				}
			}
			for _, n := range envFiles {
				if _, err := refPath(dir, file, incBase, n, env, "include: env_file"); err != nil {
					return err
				}
			}
		}
	}
	if _, svcs := lookup(root, "services", 0); deref(svcs) != nil && deref(svcs).Kind == yaml.MappingNode {
		svcs = deref(svcs)
		for i := 0; i+1 < len(svcs.Content); i += 2 {
			s := deref(svcs.Content[i+1])
			if s == nil || s.Kind != yaml.MappingNode {
				continue
			}
			svc := "services." + svcs.Content[i].Value
			// The loader reads label_file while it loads: checked here,
			// before, as env_file is (checkProject checks both again as
			// loaded).
			for _, key := range []string{"label_file", "env_file"} {
				_, v := lookup(s, key, 0)
				for _, n := range seq(v) {
					if e := deref(n); e != nil && e.Kind == yaml.MappingNode {
						_, n = lookup(e, "path", 0)
					}
					if _, err := refPath(dir, file, base, n, env, svc+"."+key); err != nil {
						return err
					}
				}
			}
			_, ext := lookup(s, "extends", 0)
			if ext = deref(ext); ext == nil || ext.Kind != yaml.MappingNode {
				continue
			}
			_, f := lookup(ext, "file", 0)
			if f == nil {
				continue
			}
			p, err := refPath(dir, file, base, f, env, svc+".extends.file")
			if err != nil {
				return err
			}
			if err := scanFile(dir, p, filepath.Dir(p), file, f.Line, env, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanFile reads the compose file at path (inside dir), named at line of
// from, through coursefs, and scans it in turn; its relative paths resolve
// against base.
func scanFile(dir, path, base, from string, line int, env map[string]string, depth int) error {
	src, _, err := coursefs.ReadFile(dir, path)
	var ce *coursefs.Error
	switch {
	case errors.As(err, &ce):
		return course.Errorf(course.Pos{File: from, Line: line}, "%s: %s", path, ce.Reason)
	case errors.Is(err, fs.ErrNotExist):
		return nil // the loader says the file is missing
	case err != nil:
		return course.Errorf(course.Pos{File: from, Line: line}, "%v", err)
	}
	return scanRefs(dir, path, base, src, env, depth+1)
}

// seq is a node's items: a sequence's, or the node itself.
func seq(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.SequenceNode:
		return n.Content
	case n.Kind == yaml.ScalarNode:
		return []*yaml.Node{n}
	}
	return nil
}

// refPath interpolates the path the scalar n writes, resolves it against
// base and checks it lies in dir (see inside); key names it in the error,
// which is at n's line in file.
func refPath(dir, file, base string, n *yaml.Node, env map[string]string, key string) (string, error) {
	if n = deref(n); n == nil || n.Kind != yaml.ScalarNode {
		return "", nil // a wrong shape: the loader reports it
	}
	p, err := template.Substitute(n.Value, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return "", nil // the loader reports it, at its line
	}
	return checkInside(dir, file, n.Line, key, resolveAgainst(base, p))
}

// resolveAgainst makes p absolute: `~` is the home folder, as the loader
// reads it, and a relative path is relative to base.
func resolveAgainst(base, p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, _ := os.UserHomeDir()
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

// checkInside returns p when it lies in dir, lexically and once every
// symbolic link of its longest existing part is resolved; else a
// *course.Error at line of file naming key.
func checkInside(dir, file string, line int, key, p string) (string, error) {
	if !within(dir, p) || !within(realPath(dir), realPath(p)) {
		return "", course.Errorf(course.Pos{File: file, Line: line},
			"%s: %s lies outside the stand folder %s; the stand may read only the stand folder's files, which are part of the record's key", key, p, dir)
	}
	return p, nil
}

// within reports whether p is dir or lies under it (both absolute and
// clean).
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath resolves the symbolic links of p's longest existing part and
// appends the rest: a path not made yet (a bind mount's source the engine
// would create) is judged by where it would be made.
func realPath(p string) string {
	rest := ""
	for q := p; ; {
		if r, err := filepath.EvalSymlinks(q); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(q)
		if parent == q {
			return p
		}
		rest = filepath.Join(filepath.Base(q), rest)
		q = parent
	}
}

// checkProject checks every file the loaded project p (paths resolved)
// names, before the loader reads env_file and label_file, each at the line
// of its key in tree, the compose file's YAML (file).
func checkProject(dir, file string, tree *yaml.Node, p *types.Project) error {
	check := func(line int, key, path string) error {
		if path == "" {
			return nil
		}
		_, err := checkInside(dir, file, line, key, resolveAgainst(dir, path))
		return err
	}
	all := types.Services{}
	maps.Copy(all, p.DisabledServices)
	maps.Copy(all, p.Services)
	for _, name := range sortedKeysOf(all) {
		s := all[name]
		at := func(key string) int { return lineOf(tree, "services", name, key) }
		for _, e := range s.EnvFiles {
			if err := check(at("env_file"), "services."+name+".env_file", e.Path); err != nil {
				return err
			}
		}
		for _, f := range s.LabelFiles {
			if err := check(at("label_file"), "services."+name+".label_file", f); err != nil {
				return err
			}
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if err := check(at("volumes"), "services."+name+".volumes", v.Source); err != nil {
					return err
				}
			}
		}
		if b := s.Build; b != nil {
			if err := check(at("build"), "services."+name+".build.context", b.Context); err != nil {
				return err
			}
			if b.Dockerfile != "" && b.Context != "" {
				if err := check(at("build"), "services."+name+".build.dockerfile", filepath.Join(resolveAgainst(dir, b.Context), b.Dockerfile)); err != nil {
					return err
				}
			}
			for _, k := range sortedKeysOf(b.AdditionalContexts) {
				c := b.AdditionalContexts[k]
				if strings.Contains(c, "://") || strings.HasPrefix(c, "service:") || strings.HasPrefix(c, "docker-image:") || strings.HasPrefix(c, "target:") {
					continue
				}
				if err := check(at("build"), "services."+name+".build.additional_contexts."+k, c); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range sortedKeysOf(p.Configs) {
		if err := check(lineOf(tree, "configs", name, "file"), "configs."+name+".file", p.Configs[name].File); err != nil {
			return err
		}
	}
	for _, name := range sortedKeysOf(p.Secrets) {
		if err := check(lineOf(tree, "secrets", name, "file"), "secrets."+name+".file", p.Secrets[name].File); err != nil {
			return err
		}
	}
	for _, name := range sortedKeysOf(p.Volumes) {
		v := p.Volumes[name]
		if dev := v.DriverOpts["device"]; dev != "" && strings.Contains(v.DriverOpts["o"], "bind") {
			if err := check(lineOf(tree, "volumes", name, "driver_opts"), "volumes."+name+".driver_opts.device", dev); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
