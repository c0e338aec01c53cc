package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"replcourse/builder/course"
)

// decoder fills a Config from the YAML tree strictly, key by key, so that
// each error carries the line of the key or value at fault. yaml.v3's own
// KnownFields reports unknown keys as text only; walking the tree gives the
// line and the list of valid keys for the suggestion.
type decoder struct {
	file string
}

// yamlLine finds the line number yaml.v3 puts in its syntax errors
// ("yaml: line 3: …"); it is the only place that reads the library's text.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax positions a YAML syntax error.
func (d *decoder) syntax(err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return course.Errorf(course.Pos{File: d.file, Line: n}, "YAML: %s", m[2])
	}
	return course.Errorf(course.Pos{File: d.file, Line: 1}, "YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// decode stores node into v, a pointer to a struct, a map from strings or
// a string; where names the value in messages ("images: \"postgres:17\"").
func (d *decoder) decode(node *yaml.Node, v any, where string) error {
	return d.value(node, reflect.ValueOf(v).Elem(), where)
}

func (d *decoder) value(node *yaml.Node, v reflect.Value, where string) error {
	for node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil // an empty value keeps the default
	}
	switch v.Kind() {
	case reflect.String:
		if node.Kind != yaml.ScalarNode {
			return d.errorf(node, "%s: want text, got %s", where, shape(node))
		}
		v.SetString(node.Value)
		return nil
	case reflect.Int:
		if node.Kind != yaml.ScalarNode {
			return d.errorf(node, "%s: want a whole number, got %s", where, shape(node))
		}
		n, err := strconv.Atoi(node.Value)
		if err != nil {
			return d.errorf(node, "%s: want a whole number, got %q", where, node.Value)
		}
		v.SetInt(int64(n))
		return nil
	case reflect.Slice:
		if node.Kind != yaml.SequenceNode {
			return d.errorf(node, "%s: want a list, got %s", where, shape(node))
		}
		s := reflect.MakeSlice(v.Type(), len(node.Content), len(node.Content))
		for i, item := range node.Content {
			if err := d.value(item, s.Index(i), fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Struct:
		return d.structValue(node, v, where)
	case reflect.Map:
		return d.mapValue(node, v, where)
	}
	return d.errorf(node, "%s: cannot hold a value of type %s", where, v.Type())
}

func (d *decoder) structValue(node *yaml.Node, v reflect.Value, where string) error {
	if node.Kind != yaml.MappingNode {
		return d.errorf(node, "%s: want keys and values, got %s", orTop(where), shape(node))
	}
	fields := map[string]int{}
	var names []string
	for i := range v.NumField() {
		tag := v.Type().Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, val := node.Content[i], node.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			return d.errorf(k, "%skey %q is also set on line %d", prefix(where), k.Value, prev)
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("%sunknown key %q", prefix(where), k.Value)
			if s := course.Nearest(k.Value, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (keys: " + strings.Join(names, ", ") + ")"
			}
			return d.errorf(k, "%s", msg)
		}
		sub := k.Value
		if where != "" {
			sub = where + "." + k.Value
		}
		if err := d.value(val, v.Field(idx), sub); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) mapValue(node *yaml.Node, v reflect.Value, where string) error {
	if node.Kind != yaml.MappingNode {
		return d.errorf(node, "%s: want keys and values, got %s", where, shape(node))
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, val := node.Content[i], node.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return d.errorf(k, "%s: keys are non-empty text", where)
		}
		if prev, dup := seen[k.Value]; dup {
			return d.errorf(k, "%s: key %q is also set on line %d", where, k.Value, prev)
		}
		seen[k.Value] = k.Line
		elem := reflect.New(v.Type().Elem()).Elem()
		if err := d.value(val, elem, fmt.Sprintf("%s: %q", where, k.Value)); err != nil {
			return err
		}
		v.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
	return nil
}

func (d *decoder) errorf(node *yaml.Node, format string, args ...any) error {
	return course.Errorf(course.Pos{File: d.file, Line: node.Line}, format, args...)
}

// shape names what a node holds, for "want …, got …".
func shape(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "keys and values"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func prefix(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

func orTop(where string) string {
	if where == "" {
		return "the file"
	}
	return where
}

// mapping returns the value of key in the mapping node m, when it is a
// mapping itself; nil otherwise.
func mapping(m *yaml.Node, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.MappingNode {
			return m.Content[i+1]
		}
	}
	return nil
}

// lineOf is the line of key in the mapping node m; the mapping's own line
// when the key is absent (a default), 1 when m is nil.
func lineOf(m *yaml.Node, key string) int {
	if m == nil {
		return 1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return m.Line
}
