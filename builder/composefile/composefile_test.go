package composefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"replcourse/builder/course"
)

func TestAnchors(t *testing.T) {
	m, err := Load(context.Background(), "testdata", filepath.Join("testdata", "anchors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "three" {
		t.Errorf("Name = %q, want three (the file's name:)", m.Name)
	}
	if got, want := m.Nodes(), []string{"helper", "pg1", "pg2", "pg3", "host"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Nodes() = %q, want %q (a profile's service counts)", got, want)
	}
	if got := m.Images(); !reflect.DeepEqual(got, []string{"postgres:17", "replcourse/postgres:17"}) {
		t.Errorf("Images() = %q: ${PG_IMAGE:-postgres:17} must read as postgres:17", got)
	}
	if got := m.Profiles(); !reflect.DeepEqual(got, []string{"later"}) {
		t.Errorf("Profiles() = %q", got)
	}
	want := map[string]struct {
		line    int
		health  Health
		pg      Postgres
		ports   []Port
		profile []string
	}{
		"pg1": {14, HealthDeclared, Postgres{Port: 5432, User: "postgres", Database: "postgres", Password: "secret"},
			[]Port{{Target: 5432, HostIP: "127.0.0.1", Protocol: "tcp"}}, nil},
		// A service's own environment: replaces the anchor's mapping
		// (YAML merge keys do not merge nested mappings).
		"pg2": {18, HealthDeclared, Postgres{Port: 5433, User: "alice", Database: "app"},
			[]Port{{Target: 5433, HostIP: "127.0.0.1", Protocol: "tcp"}}, nil},
		"pg3": {28, HealthDeclared, Postgres{Port: 6543, User: "postgres", Database: "postgres", Password: "secret"},
			[]Port{{Target: 6543, HostIP: "127.0.0.1", Protocol: "tcp"}}, []string{"later"}},
		"helper": {35, HealthDisabled, Postgres{Port: 5432, User: "postgres", Database: "postgres"}, nil, nil},
	}
	for name, w := range want {
		s, ok := m.Service(name)
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if s.Line != w.line || s.Health != w.health || s.Postgres != w.pg || !reflect.DeepEqual(s.Ports, w.ports) || !reflect.DeepEqual(s.Profiles, w.profile) {
			t.Errorf("%s: line %d health %v pg %+v ports %+v profiles %q\nwant line %d health %v pg %+v ports %+v profiles %q",
				name, s.Line, s.Health, s.Postgres, s.Ports, s.Profiles, w.line, w.health, w.pg, w.ports, w.profile)
		}
	}
	pg2, _ := m.Service("pg2")
	if pg2.Labels["course.role"] != "standby" {
		t.Errorf("pg2 labels = %v", pg2.Labels)
	}
	helper, _ := m.Service("helper")
	if _, ok := helper.Environment["UNSET_IN_SHELL"]; ok || helper.Environment["GREETING"] != "hello" {
		t.Errorf("helper environment = %v: a variable without a value takes the shell's, which the builder does not have", helper.Environment)
	}
	if !reflect.DeepEqual(helper.Command, []string{"sleep", "infinity"}) {
		t.Errorf("helper command = %q", helper.Command)
	}
}

// The .env file beside the compose file is read, as docker compose reads it.
func TestDotEnv(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "compose.yaml", "services:\n  db:\n    image: ${IMG:-postgres:17}\n")
	write(t, dir, ".env", "IMG=postgres:16\n")
	m, err := Load(context.Background(), dir, filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Images(); !reflect.DeepEqual(got, []string{"postgres:16"}) {
		t.Errorf("Images() = %q, want postgres:16 from .env", got)
	}
	if m.Name != filepath.Base(dir) && m.Name != strings.ToLower(filepath.Base(dir)) {
		t.Errorf("Name = %q, want the folder's name", m.Name)
	}
}

func TestHealthFromImage(t *testing.T) {
	m := parse(t, "services:\n  db:\n    image: x\n  off:\n    image: x\n    healthcheck:\n      test: [NONE]\n")
	if db, _ := m.Service("db"); db.Health != HealthFromImage {
		t.Errorf("db: %v", db.Health)
	}
	if off, _ := m.Service("off"); off.Health != HealthDisabled {
		t.Errorf("off: %v", off.Health)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown key", "services:\n  db:\n    image: postgres:17\n    imgae: x\n",
			`compose.yaml:4: invalid compose file: services.db: unknown key "imgae" (not in the Compose Specification)`},
		{"unknown key in an anchor", "x-pg: &pg\n  image: x\n  healthchek: {}\nservices:\n  db:\n    <<: *pg\n",
			`compose.yaml:3: invalid compose file: services.db: unknown key "healthchek" (not in the Compose Specification)`},
		{"unknown top-level key", "servics:\n  db:\n    image: x\n",
			`compose.yaml:1: invalid compose file: unknown key "servics" (not in the Compose Specification)`},
		{"syntax", "services:\n  db:\n    image: [\n",
			`compose.yaml:4: invalid compose file: YAML: did not find expected node content`},
		{"wrong type", "services:\n  db:\n    image: x\n    ports: 5\n",
			`compose.yaml:4: invalid compose file: services.db.ports: must be a array`},
		{"no image", "services:\n  db: {}\n",
			`compose.yaml:2: invalid compose file: service "db" has neither an image nor a build context specified`},
		{"undefined dependency", "services:\n  a:\n    image: x\n  db:\n    image: x\n    depends_on: [nope]\n",
			`compose.yaml:4: invalid compose file: service "db" depends on undefined service "nope"`},
		{"required variable", "services:\n  db:\n    image: ${IMG?set IMG}\n",
			`compose.yaml:3: invalid compose file: services.db.image: required variable IMG is missing a value: set IMG`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "compose.yaml", tc.src)
			_, err := Load(context.Background(), dir, filepath.Join(dir, "compose.yaml"))
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *course.Error", err, err)
			}
			if got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(context.Background(), dir, filepath.Join(dir, "compose.yaml"))
	var ce *course.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("error %v", err)
	}
}

// No prefix of a valid compose file makes the loader or the locator panic,
// and every failure is a positioned error.
func TestPrefixes(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "anchors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= len(src); i += 7 {
		_, err := Parse(context.Background(), "compose.yaml", src[:i], nil)
		var ce *course.Error
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("prefix of %d bytes: %v (%T)", i, err, err)
		}
	}
}

func parse(t *testing.T, src string) *Model {
	t.Helper()
	m, err := Parse(context.Background(), "compose.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
