package composefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/course"
)

// standWith writes a course folder with stand/compose.yaml holding compose
// and a file outside the stand folder, outside.env, and one outside the
// course, and returns the compose file's path and the course folder.
func standWith(t *testing.T, compose string) (file, root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "course")
	outside = filepath.Join(base, "outside.env")
	for path, data := range map[string]string{
		filepath.Join(root, "stand", "compose.yaml"): strings.ReplaceAll(compose, "OUTSIDE", outside),
		filepath.Join(root, "stand", "inside.env"):   "SECRET=inside\n",
		filepath.Join(root, "stand", "base.yaml"):    "services:\n  b:\n    image: postgres:17\n",
		filepath.Join(root, "content", "x.env"):      "SECRET=content\n",
		outside:                                      "SECRET=from-outside\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "stand", "compose.yaml"), root, outside
}

// Every file the stand would read must be in the stand folder: each one
// outside is an error at the compose file's line that names it, at check
// time (Load), whatever key names it.
func TestFilesOutsideTheStandFolder(t *testing.T) {
	head := "services:\n  db:\n    image: postgres:17\n"
	for name, tc := range map[string]struct {
		yaml string
		line int
	}{
		"env_file absolute":    {head + "    env_file: OUTSIDE\n", 4},
		"env_file long form":   {head + "    env_file:\n      - path: OUTSIDE\n", 5},
		"env_file in content/": {head + "    env_file: ../content/x.env\n", 4},
		"label_file":           {head + "    label_file: OUTSIDE\n", 4},
		"extends.file":         {"services:\n  db:\n    extends:\n      file: OUTSIDE\n      service: b\n", 4},
		"include":              {"include:\n  - OUTSIDE\n" + head, 2},
		"include env_file":     {"include:\n  - path: base.yaml\n    env_file: OUTSIDE\n" + head, 3},
		"bind mount":           {head + "    volumes:\n      - ../content:/x\n", 4},
		"bind mount long form": {head + "    volumes:\n      - type: bind\n        source: /etc\n        target: /x\n", 4},
		"bind mount home":      {head + "    volumes:\n      - ~/x:/x\n", 4},
		"config file":          {head + "configs:\n  c:\n    file: OUTSIDE\n", 6},
		"secret file":          {head + "secrets:\n  s:\n    file: ../content/x.env\n", 6},
		"build context":        {"services:\n  db:\n    build: ..\n", 3},
		"interpolated path":    {head + "    env_file: ${DIR:-..}/content/x.env\n", 4},
		"volume device":        {head + "volumes:\n  v:\n    driver_opts: {type: none, o: bind, device: /etc}\n", 6},
		"extended file's env":  {"services:\n  db:\n    extends:\n      file: ext.yaml\n      service: b\n", 3},
	} {
		t.Run(name, func(t *testing.T) {
			file, root, _ := standWith(t, tc.yaml)
			ext := "services:\n  b:\n    image: postgres:17\n    env_file: ../content/x.env\n"
			if err := os.WriteFile(filepath.Join(root, "stand", "ext.yaml"), []byte(ext), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), root, file)
			var ce *course.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want a *course.Error", err)
			}
			if !strings.Contains(ce.Msg, "outside the stand folder") {
				t.Errorf("error %v does not say the file is outside the stand folder", err)
			}
			if name == "extended file's env" {
				// The error is in the extended file, at its own line.
				if ce.Pos.File != filepath.Join(root, "stand", "ext.yaml") || ce.Pos.Line != 4 {
					t.Errorf("error at %s, want ext.yaml:4", ce.Pos)
				}
				return
			}
			if ce.Pos.File != file || ce.Pos.Line != tc.line {
				t.Errorf("error at %s:%d, want %s:%d (%v)", ce.Pos.File, ce.Pos.Line, file, tc.line, err)
			}
		})
	}
}

// A symbolic link in the stand folder to a file outside it is outside too.
func TestEnvFileLinkOutOfTheStand(t *testing.T) {
	file, root, outside := standWith(t, "services:\n  db:\n    image: postgres:17\n    env_file: link.env\n")
	if err := os.Symlink(outside, filepath.Join(root, "stand", "link.env")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), root, file); err == nil || !strings.Contains(err.Error(), "outside the stand folder") {
		t.Fatalf("Load = %v, want the link refused", err)
	}
}

// Files in the stand folder are read, and interpolation takes the .env
// file beside the compose file only, never the builder's environment: the
// model and the stand's project (Project) see the same values.
func TestOneEnvironmentForModelAndStand(t *testing.T) {
	t.Setenv("BRK_HOSTVAR", "host-secret")
	t.Setenv("PG_TAG", "99")
	file, root, _ := standWith(t, "services:\n  db:\n    image: postgres:${PG_TAG:-17}\n    env_file: inside.env\n"+
		"    environment: {FROMENV: \"${BRK_HOSTVAR:-unset}\", DOTENV: \"${FROMDOT}\", BARE: null}\n"+
		"    volumes: [\"./inside.env:/x:ro\"]\n")
	if err := os.WriteFile(filepath.Join(root, "stand", ".env"), []byte("FROMDOT=dot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BARE", "host-bare")
	m, err := Load(context.Background(), root, file)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := m.Service("db")
	want := map[string]string{"FROMENV": "unset", "DOTENV": "dot", "SECRET": "inside"}
	for k, v := range want {
		if db.Environment[k] != v {
			t.Errorf("model: %s = %q, want %q", k, db.Environment[k], v)
		}
	}
	if _, ok := db.Environment["BARE"]; ok {
		t.Errorf("model: BARE = %q, want it unset (the builder's environment is not the stand's)", db.Environment["BARE"])
	}
	if db.Image != "postgres:17" {
		t.Errorf("model: image %q, want postgres:17", db.Image)
	}
	p, err := m.Project(context.Background(), "build-1", []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	svc := p.Services["db"]
	for k, v := range want {
		if got := svc.Environment[k]; got == nil || *got != v {
			t.Errorf("project: %s = %v, want %q", k, got, v)
		}
	}
	if v := svc.Environment["BARE"]; v != nil {
		t.Errorf("project: BARE = %q, want unset", *v)
	}
	if svc.Image != "postgres:17" || p.Name != "build-1" {
		t.Errorf("project: image %q, name %q", svc.Image, p.Name)
	}
	if src := svc.Volumes[0].Source; src != filepath.Join(root, "stand", "inside.env") {
		t.Errorf("project: bind source %q, want it resolved in the stand folder", src)
	}
}
