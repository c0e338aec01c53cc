package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/loader"
)

// newCourse writes a minimal course into dir — course.yaml, one chapter,
// a compose file with one PostgreSQL service `db`, the image's fallback
// recipe and a README for the course's author — that `coursebuild check`
// accepts and `coursebuild build` verifies as it is. dir may be missing
// or an empty folder; anything else is refused (a usageError, exit 2),
// so that nothing of an author's is ever overwritten. Files are created
// exclusively: a file that appears meanwhile is not replaced either.
func newCourse(dir string, stdout io.Writer) error {
	if dir == "" {
		return usageError("new: name the folder to create the course in: coursebuild new DIR")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return usageError(fmt.Sprintf("new %s: %v", dir, err))
	case len(entries) > 0:
		return usageError(fmt.Sprintf("new %s: the folder is not empty; give a new or empty folder", dir))
	}
	files := skeleton(projectName(dir), titleOf(dir))
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(f.name, ".sh") {
			mode = 0o755
		}
		out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return usageError(fmt.Sprintf("new %s: %v", dir, err))
		}
		_, werr := out.WriteString(f.text)
		if cerr := out.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return werr
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	fmt.Fprintf(stdout, "a new course in %s; check it with `coursebuild check -C %s`, build it with `coursebuild build -C %s`\n", dir, dir, dir)
	return nil
}

// projectName is the compose project name for the course in dir: the
// folder's name as compose normalizes it, "course" when nothing is left.
func projectName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if n := loader.NormalizeProjectName(filepath.Base(abs)); n != "" {
		return n
	}
	return "course"
}

// titleOf is the folder's name, a first title the author replaces.
func titleOf(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	t := strings.TrimSpace(filepath.Base(abs))
	if t == "" || t == "." || t == string(filepath.Separator) || !utf8.ValidString(t) {
		return "A new course"
	}
	return t
}

type file struct{ name, text string }

// skeleton is the new course's files. The chapter's host block expects
// what docker compose prints for the project name, padded as compose pads
// its resource lines.
func skeleton(project, title string) []file {
	network, container := "Network "+project+"_default", "Container "+project+"-db-1"
	width := max(utf8.RuneCountInString(network), utf8.RuneCountInString(container))
	pad := func(s string) string { return s + strings.Repeat(" ", width-utf8.RuneCountInString(s)) }
	r := strings.NewReplacer("{{title}}", yamlQuote(title), "{{project}}", project,
		"{{network}}", pad(network), "{{container}}", pad(container), "{{readme-title}}", title)
	return []file{
		{"course.yaml", r.Replace(newCourseYAML)},
		{"stand/compose.yaml", r.Replace(newCompose)},
		{"stand/pg_hba.conf", newHBA},
		{"stand/image.sh", newRecipe},
		{"content/01-start.md", r.Replace(newChapter)},
		{"README.md", r.Replace(newReadme)},
		{".gitignore", "/public/\n"},
	}
}

// yamlQuote writes s as a YAML double-quoted scalar.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

const newCourseYAML = `# The course's configuration, read by coursebuild. Paths are relative to
# this folder.
title: {{title}}
description: A first chapter on a single PostgreSQL server.
content: content
compose: stand/compose.yaml
images:
  # Readers pull postgres:17. Where the engine has no such image and no
  # registry answers, the builder runs the recipe, which must make the
  # image named by tag; the build then runs that image, and the pages
  # name it.
  "postgres:17":
    recipe: stand/image.sh
    tag: replcourse/postgres:17
`

const newCompose = `# The stand: what the chapters run against, and what readers start with
# ` + "`docker compose up -d`" + ` in this folder.
name: {{project}}

services:
  db:
    image: postgres:17
    environment:
      POSTGRES_PASSWORD: postgres
    # Who may connect, from where and how: stand/pg_hba.conf.
    command: ["postgres", "-c", "hba_file=/etc/postgresql/pg_hba.conf"]
    volumes:
      - ./pg_hba.conf:/etc/postgresql/pg_hba.conf:ro
    # Published on 127.0.0.1 only, on a port Docker picks.
    ports:
      - "127.0.0.1::5432"
    # Ready once the server accepts TCP connections; the build waits
    # for healthy before the next block.
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"]
      interval: 1s
      timeout: 5s
      retries: 5
      start_period: 60s
`

// newHBA is the stand's pg_hba.conf: the image's own rules, and a place
// for the roles that blocks use with user=, which the builder logs in
// without a password.
const newHBA = `# pg_hba.conf of the service db (see compose.yaml): who may connect,
# from where, how. The first line that matches a connection decides.
# TYPE  DATABASE  USER      ADDRESS       METHOD

# Inside the container: through the Unix socket, and over 127.0.0.1 (the
# healthcheck).
local   all       all                     trust
host    all       all       127.0.0.1/32  trust

# A block with user=NAME logs in over TCP without a password (the builder
# sends one only for the service's own user, with POSTGRES_PASSWORD): let
# each such role in here, before the line that asks for a password, e.g.
# host    all       alice     all           trust

# Everyone else, from anywhere: with a password, as the postgres image
# allows.
host    all       all       all           scram-sha-256
`

const newRecipe = `#!/usr/bin/env bash
# Fallback recipe for postgres:17 (see course.yaml): called as
#   bash stand/image.sh TAG
# from the course's folder when the engine has no postgres:17 and cannot
# pull it. It must leave an image TAG behind that behaves like postgres:17
# for everything the chapters show.
#
# This one only accepts an image the engine already holds under TAG (the
# replication course's ` + "`make image`" + ` builds replcourse/postgres:17 from
# Debian's packages). Replace it with your own: a docker build, a
# docker load of a saved archive, …
set -euo pipefail
tag=${1:?usage: image.sh TAG}
if docker image inspect "$tag" >/dev/null 2>&1; then
	exit 0
fi
echo "image.sh: no registry, and no image $tag here; make one (see this script's comments)" >&2
exit 1
`

const newChapter = `---
title: Start
---

## Start the stand

The stand is one PostgreSQL server, the service ` + "`db`" + ` of
` + "`stand/compose.yaml`" + `:

` + "```yaml {file=compose.yaml}\n```" + `

Start it from the ` + "`stand/`" + ` folder:

` + "```sh {node=host}\ndocker compose up -d\n```" + `

` + "```output\n" + ` ✔ {{network}} Created
 ✔ {{container}} Started
# state checked by the build (not printed by docker compose):
db  healthy
` + "```" + `

## A first query

Connect with ` + "`docker compose exec db psql -U postgres`" + ` and ask the
server who and where you are:

` + "```sql {node=db}\nSELECT current_user, current_database();\n```" + `

` + "```output\n" + ` current_user | current_database 
--------------+------------------
 postgres     | postgres
(1 row)
` + "```" + `

## A shell in the container

` + "`docker compose exec -u postgres db bash`" + ` opens a shell next to the
server; its data directory is:

` + "```sh {node=db}\necho \"$PGDATA\"\n```" + `

` + "```output\n/var/lib/postgresql/data\n```" + `
`

const newReadme = `# {{readme-title}}

A course written for coursebuild: every SQL and shell block in
` + "`content/`" + ` runs, in order, against a fresh Docker stand
(` + "`stand/compose.yaml`" + `) when the site is built, and the build fails if
an output differs from the one the chapter shows.

    coursebuild check -C .    # read the chapters, course.yaml and the compose file (no Docker)
    coursebuild build -C .    # run every block on a fresh stand, write public/
    coursebuild update -C .   # rewrite the expected outputs from a real run
    coursebuild serve -C .    # preview on http://127.0.0.1:8080/ with live reload

## What is where

- ` + "`course.yaml`" + `: the title, the description, where the chapters and the
  compose file are, and how to make the stand's image where no registry
  answers (` + "`images:`" + `).
- ` + "`content/NN-slug.md`" + `: the chapters, in file name order. A block runs
  when it names a node: a service of the compose file
  (` + "```` ```sql {node=db} ````" + `), or ` + "`host`" + ` for ` + "`docker compose`" + ` commands.
  The ` + "```` ```output ````" + ` block after it is what it must print.
- ` + "`stand/`" + `: the compose file and everything it mounts; a block
  ` + "```` ```yaml {file=compose.yaml} ````" + ` shows a file from it as the build
  ran it.

Add services to the compose file and name them in blocks; give each service
that SQL blocks use a published port (` + "`127.0.0.1::5432`" + `) and a
healthcheck, so that the build knows when it is ready. The full format is
in the builder's docs/authoring.md.
`
