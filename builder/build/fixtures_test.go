package build

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
	"replcourse/builder/course"
	"replcourse/builder/internal/coursetest"
)

// Every fixture course passes `check`: course.yaml, chapters, placeholders
// and references, the compose file, and the chapters against it.
func TestFixturesCheck(t *testing.T) {
	for _, name := range coursetest.Names() {
		t.Run(name, func(t *testing.T) {
			root := coursetest.Fixture(t, name)
			cc, err := config.Load(root)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := composefile.Load(context.Background(), root, cc.ComposeFile()); err != nil {
				t.Fatal(err)
			}
			c, err := Load(Config{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			if c.Title == "" || c.Title == filepath.Base(root) {
				t.Errorf("title %q: not the one course.yaml gives", c.Title)
			}
		})
	}
}

// The configuration and the compose file reach the course: its title and
// description come from course.yaml, not from a constant.
func TestTitleFromCourseYAML(t *testing.T) {
	root := coursetest.Fixture(t, "replication")
	coursetest.Overlay(t, root, "-- course.yaml --\ntitle: Another title\ndescription: Said once.\n")
	c, err := Load(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Another title" || c.Description != "Said once." {
		t.Errorf("title %q, description %q", c.Title, c.Description)
	}
}

// Each kind of mistake in the course's configuration or stand is a
// content error (a *course.Error, exit 2) at its file and line, found by
// Load, before anything runs.
func TestCheckErrors(t *testing.T) {
	for _, tc := range []struct {
		name, overlay, want string
	}{
		{"course.yaml typo", "-- course.yaml --\ntitle: T\ntitel: U\n",
			`course.yaml:2: unknown key "titel" (did you mean "title"?)`},
		{"compose typo", "-- stand/compose.yaml --\nservices:\n  primary:\n    image: postgres:17\n    prots: [\"127.0.0.1::5432\"]\n",
			`stand/compose.yaml:4: invalid compose file: services.primary: unknown key "prots" (not in the Compose Specification)`},
		{"compose missing", "-- course.yaml --\ntitle: T\ncompose: stand/nope.yaml\n",
			`stand/nope.yaml: the compose file does not exist (course.yaml's compose: names it)`},
		{"block on a missing service", "-- content/02-two.md --\n---\ntitle: Two\n---\n\n```sql {node=subscriber}\nSELECT 1;\n```\n\n```output\n```\n",
			`content/02-two.md:5: node "subscriber" is not a service of stand/compose.yaml; nodes: primary, replica, host`},
		{"host step on a missing service", "-- content/02-two.md --\n---\ntitle: Two\n---\n\n```sh {node=host}\ndocker compose up -d primary\ndocker compose stop subscriber\n```\n\n```output\n```\n",
			`content/02-two.md:7: node "subscriber" is not a service of stand/compose.yaml; nodes: primary, replica`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := coursetest.Fixture(t, "replication")
			if strings.Contains(tc.name, "missing service") {
				// A stand without the subscriber service.
				coursetest.Overlay(t, root, "-- stand/compose.yaml --\nservices:\n  primary:\n    image: postgres:17\n    ports: [\"127.0.0.1::5432\"]\n  replica:\n    image: postgres:17\n    ports: [\"127.0.0.1::5432\"]\n")
			}
			coursetest.Overlay(t, root, tc.overlay)
			_, err := Load(Config{Root: root})
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *course.Error", err, err)
			}
			if got := strings.ReplaceAll(err.Error(), root+string(filepath.Separator), ""); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Every fixture course builds and verifies on a fresh stand: its compose
// file run as written (postgres:17, through the course's fallback image
// where it cannot be pulled), its own node names, readiness from its
// healthchecks, SQL connections from each service's definition.
//
// It needs the stand to take all of that from the course (course.yaml and
// composefile.Model); until then it fails, and says where.
func TestFixturesBuildEndToEnd(t *testing.T) {
	dockerTest(t)
	for _, name := range coursetest.Names() {
		t.Run(name, func(t *testing.T) {
			root := coursetest.Fixture(t, name)
			var log strings.Builder
			err := Site(context.Background(), Config{Root: root, Public: filepath.Join(root, "public"), Log: &log})
			if err != nil {
				t.Fatalf("%v\nlog:\n%s", err, log.String())
			}
		})
	}
}
