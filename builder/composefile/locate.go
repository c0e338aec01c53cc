package composefile

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"replcourse/builder/course"
)

// The loader's errors are text; these patterns, kept in this one place,
// find what they name in the file. Each was seen in compose-go v2.12's
// messages (the file's path is dropped from a message before they match):
//
//	failed to parse /x/compose.yaml: go-yaml load error … at L4.C1: did not find expected node content
//	validating /x/compose.yaml: services.db additional properties 'imgae' not allowed
//	validating /x/compose.yaml: services.db.ports must be a array
//	error while interpolating services.db.image: required variable X is missing a value: …
//	service "db" has neither an image nor a build context specified: invalid compose project
//	service "db" depends on undefined service "nope": invalid compose project
var (
	yamlAt       = regexp.MustCompile(`\bat L(\d+)\.C\d+: `)
	yamlLine     = regexp.MustCompile(`\byaml: line (\d+): `)
	validating   = regexp.MustCompile(`^validating (\S*) (.*)$`)
	additional   = regexp.MustCompile(`additional propert(?:y|ies) '([^']+)'`)
	interpolate  = regexp.MustCompile(`^error while interpolating (\S+?): `)
	serviceQuote = regexp.MustCompile(`^service "([^"]+)" `)
)

// locate turns a loader error into a *course.Error at the line it names
// in the file (tree is the file's YAML, possibly empty); abs, the file's
// absolute path, is dropped from the message, which names the file first.
func locate(file, abs string, tree *yaml.Node, err error) error {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, abs+": ", "")
	msg = strings.ReplaceAll(msg, abs, file)
	msg = strings.TrimSuffix(msg, ": invalid compose project")
	line := 0
	switch {
	case yamlAt.MatchString(msg):
		m := yamlAt.FindStringSubmatchIndex(msg)
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = "YAML: " + msg[m[1]:]
	case yamlLine.MatchString(msg):
		m := yamlLine.FindStringSubmatchIndex(msg)
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = "YAML: " + msg[m[1]:]
	case validating.MatchString(msg):
		m := validating.FindStringSubmatch(msg)
		path, rest := splitPath(m[1]), m[2]
		if a := additional.FindStringSubmatch(rest); a != nil {
			path = append(path, a[1])
			rest = "unknown key " + strconv.Quote(a[1]) + " (not in the Compose Specification)"
		}
		line = lineOf(tree, path...)
		msg = where(m[1]) + rest
	case interpolate.MatchString(msg):
		m := interpolate.FindStringSubmatch(msg)
		line = lineOf(tree, splitPath(m[1])...)
		msg = m[1] + ": " + strings.TrimPrefix(msg, m[0])
	case serviceQuote.MatchString(msg):
		name := serviceQuote.FindStringSubmatch(msg)[1]
		line = lineOf(tree, "services", name)
	}
	return &course.Error{Pos: course.Pos{File: file, Line: line}, Msg: "invalid compose file: " + msg}
}

func splitPath(p string) []string {
	if p == "" || p == "(root)" {
		return nil
	}
	return strings.Split(p, ".")
}

func where(p string) string {
	if p == "" || p == "(root)" {
		return ""
	}
	return p + ": "
}

// lineOf is the line of the deepest node of tree found along path (keys
// of mappings, following `<<` merge keys; indexes of sequences): the line
// of the key itself where the last step is a key. 0 when nothing of the
// path is found.
func lineOf(tree *yaml.Node, path ...string) int {
	n := tree
	for n != nil && n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return 0
		}
		n = n.Content[0]
	}
	line := 0
	for _, step := range path {
		n = deref(n)
		if n == nil {
			break
		}
		var key, val *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			key, val = lookup(n, step, 0)
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(step); err == nil && i >= 0 && i < len(n.Content) {
				val = n.Content[i]
			}
		}
		switch {
		case key != nil:
			line = key.Line
		case val != nil:
			line = val.Line
		default:
			return line
		}
		n = val
	}
	return line
}

// lookup finds key in the mapping m, then in the mappings it merges
// (`<<: *anchor` or `<<: [*a, *b]`), as YAML's merge keys do.
func lookup(m *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	if depth > 16 {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return m.Content[i], m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag != "!!merge" && m.Content[i].Value != "<<" {
			continue
		}
		merged := []*yaml.Node{m.Content[i+1]}
		if s := deref(m.Content[i+1]); s != nil && s.Kind == yaml.SequenceNode {
			merged = s.Content
		}
		for _, src := range merged {
			if s := deref(src); s != nil && s.Kind == yaml.MappingNode {
				if k, v := lookup(s, key, depth+1); k != nil {
					return k, v
				}
			}
		}
	}
	return nil, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}
