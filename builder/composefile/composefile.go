// Package composefile reads a course's compose file at check time, with
// the Compose Specification's own loader (github.com/compose-spec/compose-go,
// the one Docker Compose uses), into the facts the builder needs about the
// stand: its services — the nodes blocks run on — with their images,
// profiles, healthchecks, published ports, environment and labels, and
// how to reach PostgreSQL in each. No Docker is needed: the file is read
// as a reader's `docker compose` reads it, every profile enabled.
//
// An invalid compose file is a *course.Error at the line at fault where
// the loader's message names a place in the file (a YAML syntax error, a
// key the specification does not know, a value of the wrong type), else at
// the file.
package composefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"replcourse/builder/course"
	"replcourse/builder/coursefs"
)

// DefaultPostgresPort is the port a PostgreSQL server listens on unless
// told otherwise (PostgreSQL's own default, and the official image's).
const DefaultPostgresPort = 5432

// Model is a compose file as the builder sees it.
type Model struct {
	File string // the compose file, as given to Load
	// Name is the project name a reader's `docker compose` gives the
	// stand: the file's name:, else its folder's name, normalized.
	Name string
	// Named says the file sets name: (Name is not its folder's).
	Named    bool
	Services []*Service // in name order

	abs string            // File, absolute
	src []byte            // File's text as read
	env map[string]string // the environment it is interpolated with
}

// Service is one service of the compose file: a node blocks can name.
type Service struct {
	Name string
	Line int // line of the service's key under services:
	// Image is the image reference as written, after interpolation with
	// the environment a reader's shell gives (nothing but the .env file
	// beside the compose file): `${PG_IMAGE:-postgres:17}` is postgres:17.
	// "" when the service only has a build: section.
	Image    string
	Build    bool     // the service declares build: (an image built from a Dockerfile)
	Profiles []string // empty: started by a plain `docker compose up -d`
	Health   Health
	Ports    []Port // published ports, in the file's order
	// Environment holds the service's variables that have a value, after
	// interpolation (variables listed without a value are left out: they
	// take the value of a shell the builder does not have).
	Environment map[string]string
	Labels      map[string]string
	Command     []string // command:, as a list; nil when the image's CMD applies
	Postgres    Postgres
}

// Health says what decides that a service's container is ready.
type Health int

const (
	// HealthFromImage: the compose file declares no healthcheck, so the
	// image's own HEALTHCHECK applies if it has one (known only once the
	// container runs: its State.Health is then set), else the container
	// is ready once running.
	HealthFromImage Health = iota
	// HealthDeclared: the compose file declares a healthcheck; ready
	// means healthy.
	HealthDeclared
	// HealthDisabled: `healthcheck: {disable: true}` or `test: [NONE]`;
	// ready means running, whatever the image declares.
	HealthDisabled
)

func (h Health) String() string {
	return [...]string{"from the image", "declared", "disabled"}[h]
}

// Port is one published port of a service, as the compose file writes it
// (`127.0.0.1::5432`: HostIP 127.0.0.1, Published "", Target 5432).
type Port struct {
	Target    int    // the container's port
	Published string // host port or range; "" lets the engine pick one
	HostIP    string // "" means every interface of the engine's host
	Protocol  string // tcp or udp
}

// Postgres is how to reach PostgreSQL in a service, from its definition.
// The values follow the official image's conventions; a service that runs
// no PostgreSQL has them too, unused unless a block connects to it.
type Postgres struct {
	// Port is the container port the server listens on: the command's
	// `-p N`, `-c port=N` or `--port=N`, else the PGPORT variable (which
	// postgres reads), else 5432.
	Port int
	// User is POSTGRES_USER, else "postgres" (the image's superuser).
	User string
	// Database is POSTGRES_DB, else User (as the image's entrypoint does).
	Database string
	// Password is POSTGRES_PASSWORD; "" when unset (trust, or a _FILE
	// variant the builder does not read).
	Password string
}

// Service returns the service called name.
func (m *Model) Service(name string) (*Service, bool) {
	i := slices.IndexFunc(m.Services, func(s *Service) bool { return s.Name == name })
	if i < 0 {
		return nil, false
	}
	return m.Services[i], true
}

// Names lists the services' names, sorted.
func (m *Model) Names() []string {
	names := make([]string, len(m.Services))
	for i, s := range m.Services {
		names[i] = s.Name
	}
	return names
}

// Nodes lists the values a block's node= may take: every service, then
// course.Host.
func (m *Model) Nodes() []string {
	return append(m.Names(), course.Host)
}

// Profiles lists every profile some service declares, sorted.
func (m *Model) Profiles() []string {
	set := map[string]bool{}
	for _, s := range m.Services {
		for _, p := range s.Profiles {
			set[p] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Images lists the distinct image references of the services, sorted.
func (m *Model) Images() []string {
	set := map[string]bool{}
	for _, s := range m.Services {
		if s.Image != "" {
			set[s.Image] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Published returns the published port of the service whose container
// port is target.
func (s *Service) Published(target int) (Port, bool) {
	for _, p := range s.Ports {
		if p.Target == target && p.Protocol != "udp" {
			return p, true
		}
	}
	return Port{}, false
}

// Load reads the compose file at file, which lies in the course folder
// root (it is read through coursefs, like every course file, as is the
// .env file beside it when there is one). Errors are *course.Error.
func Load(ctx context.Context, root, file string) (*Model, error) {
	src, _, err := coursefs.ReadFile(root, file)
	if err != nil {
		var ce *coursefs.Error
		switch {
		case errors.As(err, &ce):
			return nil, course.Errorf(course.Pos{File: file}, "%s", ce.Reason)
		case errors.Is(err, fs.ErrNotExist):
			return nil, course.Errorf(course.Pos{File: file}, "the compose file does not exist (course.yaml's compose: names it)")
		}
		return nil, course.Errorf(course.Pos{File: file}, "%v", err)
	}
	env, err := dotEnv(root, filepath.Join(filepath.Dir(file), ".env"))
	if err != nil {
		return nil, err
	}
	return Parse(ctx, file, src, env)
}

// dotEnv reads the .env file a reader's `docker compose` would read; an
// empty environment when there is none.
func dotEnv(root, file string) (map[string]string, error) {
	src, _, err := coursefs.ReadFile(root, file)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	var ce *coursefs.Error
	if errors.As(err, &ce) {
		return nil, course.Errorf(course.Pos{File: file}, "%s", ce.Reason)
	}
	if err != nil {
		return nil, course.Errorf(course.Pos{File: file}, "%v", err)
	}
	env, err := dotenv.UnmarshalBytesWithLookup(src, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, course.Errorf(course.Pos{File: file}, "%v", err)
	}
	return env, nil
}

// Parse reads src, the text of the compose file at file (its folder is
// the project's working directory and the stand folder: every file the
// compose file makes the stand read must lie in it, see paths.go),
// interpolated with env.
func Parse(ctx context.Context, file string, src []byte, env map[string]string) (*Model, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, course.Errorf(course.Pos{File: file}, "%v", err)
	}
	m := &Model{File: file, abs: abs, src: slices.Clone(src), env: maps.Clone(env)}
	var tree yaml.Node
	// The loader reports syntax errors itself; the tree only locates
	// other errors and each service's line, so a failure here is left to
	// the loader's message.
	_ = yaml.Unmarshal(src, &tree)
	p, err := m.load(ctx, &tree, "", []string{"*"})
	if err != nil {
		return nil, err
	}
	m.Name = p.Name
	m.Named = lineOf(&tree, "name") > 0
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		m.Services = append(m.Services, service(p.Services[name], lineOf(&tree, "services", name)))
	}
	return m, nil
}

// Project loads the compose file as the stand runs it, with the loader
// and environment the model was read with (the .env file beside the
// compose file, never the builder's own environment, so that the stand
// runs what check time saw): the project called name, with the profiles
// given ("*" for all) and paths resolved against the compose file's
// folder. Every file it names has been checked to lie in the stand folder
// before any is read. Errors are *course.Error.
func (m *Model) Project(ctx context.Context, name string, profiles []string) (*types.Project, error) {
	if m.src == nil {
		return nil, course.Errorf(course.Pos{File: m.File}, "the compose model was not read from its file")
	}
	var tree yaml.Node
	_ = yaml.Unmarshal(m.src, &tree)
	return m.load(ctx, &tree, name, profiles)
}

// load is the one loading of the compose file, for the model and the
// stand: the files it makes the loader read first (include,
// extends.file) are checked, then the project is loaded without reading
// env_file and label_file, then every file it names is checked, and only
// then are env_file and label_file read into the services.
func (m *Model) load(ctx context.Context, tree *yaml.Node, name string, profiles []string) (*types.Project, error) {
	dir := filepath.Dir(m.abs)
	if err := scanRefs(dir, m.File, dir, m.src, m.env, 0); err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: m.abs, Content: m.src}},
		Environment: types.Mapping(maps.Clone(m.env)),
	}
	p, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		if name != "" {
			o.SetProjectName(name, true)
		} else {
			o.SetProjectName(loader.NormalizeProjectName(filepath.Base(dir)), false)
		}
		o.Profiles = profiles
		o.ResolvePaths = true
		o.SkipResolveEnvironment = true
	})
	if err != nil {
		return nil, locate(m.File, m.abs, tree, err)
	}
	if err := checkProject(dir, m.File, tree, p); err != nil {
		return nil, err
	}
	if p, err = p.WithServicesEnvironmentResolved(false); err == nil {
		p, err = p.WithServicesLabelsResolved(false)
	}
	if err != nil {
		return nil, locate(m.File, m.abs, tree, err)
	}
	p.ComposeFiles = []string{m.abs}
	return p, nil
}

// service turns the loader's service into a Service.
func service(sc types.ServiceConfig, line int) *Service {
	s := &Service{
		Name:        sc.Name,
		Line:        line,
		Image:       sc.Image,
		Build:       sc.Build != nil,
		Profiles:    slices.Clone(sc.Profiles),
		Environment: map[string]string{},
		Labels:      map[string]string{},
		Command:     slices.Clone([]string(sc.Command)),
	}
	for k, v := range sc.Environment {
		if v != nil {
			s.Environment[k] = *v
		}
	}
	maps.Copy(s.Labels, sc.Labels)
	switch hc := sc.HealthCheck; {
	case hc == nil:
		s.Health = HealthFromImage
	case hc.Disable || len(hc.Test) > 0 && hc.Test[0] == "NONE":
		s.Health = HealthDisabled
	default:
		s.Health = HealthDeclared
	}
	for _, p := range sc.Ports {
		s.Ports = append(s.Ports, Port{Target: int(p.Target), Published: p.Published, HostIP: p.HostIP, Protocol: p.Protocol})
	}
	s.Postgres = postgres(s)
	return s
}

// postgres reads the connection facts from the service's definition.
func postgres(s *Service) Postgres {
	pg := Postgres{Port: DefaultPostgresPort, User: "postgres", Password: s.Environment["POSTGRES_PASSWORD"]}
	if u := s.Environment["POSTGRES_USER"]; u != "" {
		pg.User = u
	}
	pg.Database = pg.User
	if db := s.Environment["POSTGRES_DB"]; db != "" {
		pg.Database = db
	}
	if n, ok := commandPort(s.Command); ok {
		pg.Port = n
	} else if n, err := strconv.Atoi(s.Environment["PGPORT"]); err == nil && n > 0 && n < 65536 {
		pg.Port = n
	}
	return pg
}

// commandPort finds the port in a postgres command line: `-p N`, `-pN`,
// `-c port=N`, `--port=N`; the last one wins, as in postgres.
func commandPort(cmd []string) (int, bool) {
	port, found := 0, false
	set := func(v string) {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 65536 {
			port, found = n, true
		}
	}
	for i, a := range cmd {
		next := ""
		if i+1 < len(cmd) {
			next = cmd[i+1]
		}
		switch {
		case a == "-p":
			set(next)
		case strings.HasPrefix(a, "-p"):
			set(a[2:])
		case a == "-c" && strings.HasPrefix(next, "port="):
			set(strings.TrimPrefix(next, "port="))
		case strings.HasPrefix(a, "--port="):
			set(strings.TrimPrefix(a, "--port="))
		}
	}
	return port, found
}

// String describes the model for messages: "pg1, pg2, pg3".
func (m *Model) String() string {
	return fmt.Sprintf("%s (%s)", m.File, strings.Join(m.Names(), ", "))
}
