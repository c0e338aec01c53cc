package stand

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/docker/compose/v5/pkg/compose"
)

// newComposeService returns the Docker Compose library's service, running
// on the docker CLI state that resolved the engine (openEngine: its
// context, configuration and client), with its progress events sent to
// events and its warnings to errOut.
func newComposeService(e *endpoint, events api.EventProcessor, errOut io.Writer) (api.Compose, error) {
	dcli := e.dcli
	for _, op := range []command.CLIOption{command.WithOutputStream(io.Discard), command.WithErrorStream(errOut)} {
		if err := op(dcli); err != nil {
			return nil, err
		}
	}
	return compose.NewComposeService(dcli,
		compose.WithEventProcessor(events),
		compose.WithOutputStream(io.Discard),
		compose.WithErrorStream(errOut),
		compose.WithPrompt(compose.AlwaysOkPrompt()))
}

// loadProject reads the course's compose file as this build's project,
// with the profiles given and, as `docker compose` does for the services
// named on its command line, only the services given (and those they
// depend on; all when none is given). Each service runs the image the
// build has for the reference its compose file writes (Config.Images:
// the reference itself, or the course's fallback for it); the reference
// is the one the compose model read at check time, with the environment
// a reader's shell gives (the .env file beside the compose file). Every
// container, network and volume it will make carries labels (the owner's).
// Volumes the image declares (VOLUME, e.g. PostgreSQL's data directory)
// that the compose file does not mount become explicit anonymous volumes
// with those labels: left to the engine they would be anonymous volumes
// without any label, which nothing could trace back to a build.
func (s *Stand) loadProject(ctx context.Context, profiles, services []string) (*types.Project, error) {
	// The model's own loader (composefile.Model.Project): the same
	// environment as at check time (the .env file only, never the
	// builder's), and only files of the stand folder.
	p, err := s.cfg.Model.Project(ctx, s.project, profiles)
	if err != nil {
		return nil, err
	}
	// What the Compose library's LoadProject does after loading: enable
	// and select the services named, label them as `docker compose` does,
	// drop what no selected service uses.
	if p, err = p.WithServicesEnabled(services...); err != nil {
		return nil, fmt.Errorf("compose file %s: %w", s.cfg.ComposeFile, err)
	}
	for name, svc := range p.Services {
		svc.CustomLabels = types.Labels{
			api.ProjectLabel:     p.Name,
			api.ServiceLabel:     name,
			api.VersionLabel:     api.ComposeVersion,
			api.WorkingDirLabel:  p.WorkingDir,
			api.ConfigFilesLabel: strings.Join(p.ComposeFiles, ","),
			api.OneoffLabel:      "False",
		}
		p.Services[name] = svc
	}
	if p, err = p.WithSelectedServices(services); err != nil {
		return nil, fmt.Errorf("compose file %s: %w", s.cfg.ComposeFile, err)
	}
	p = p.WithoutUnnecessaryResources()
	labels := s.labels
	for name, svc := range p.Services {
		for k, v := range labels {
			svc.CustomLabels[k] = v
		}
		if ms, ok := s.cfg.Model.Service(name); ok && ms.Image != "" {
			img, ok := s.cfg.Images[ms.Image]
			if !ok {
				return nil, fmt.Errorf("service %s: no image was made ready for %s", name, ms.Image)
			}
			svc.Image = img.Ran
		}
		vols, err := s.imageVolumes(ctx, svc.Image)
		if err != nil {
			return nil, err
		}
		for _, target := range vols {
			if slices.ContainsFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == target }) {
				continue
			}
			vl := types.Mapping{Label: s.project}
			for k, v := range labels {
				vl[k] = v
			}
			svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{
				Type: types.VolumeTypeVolume, Target: target,
				Volume: &types.ServiceVolumeVolume{Labels: vl},
			})
		}
		p.Services[name] = svc
	}
	for name, n := range p.Networks {
		if n.CustomLabels == nil {
			n.CustomLabels = types.Labels{}
		}
		for k, v := range labels {
			n.CustomLabels[k] = v
		}
		p.Networks[name] = n
	}
	for name, v := range p.Volumes {
		if v.CustomLabels == nil {
			v.CustomLabels = types.Labels{}
		}
		for k, val := range labels {
			v.CustomLabels[k] = val
		}
		p.Volumes[name] = v
	}
	return p, nil
}

// imageVolumes lists the paths an image declares as volumes, sorted.
func (s *Stand) imageVolumes(ctx context.Context, ref string) ([]string, error) {
	res, err := s.cli.ImageInspect(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	var out []string
	if res.Config != nil {
		for path := range res.Config.Volumes {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out, nil
}

// progress collects the compose library's progress events of one
// command. The library reports each resource it touches (network,
// volume, container) as it goes — Creating, Created, Starting, Started…;
// a terminal shows one line per resource with its last status once the
// command returns, which is what lines renders.
type progress struct {
	mu     sync.Mutex
	ids    []string // resources in the order of their first event
	last   map[string]api.Resource
	rename func(string) string // the build's project name → the reader's
}

func (p *progress) Start(context.Context, string) {}
func (p *progress) Done(string, bool)             {}

func (p *progress) On(events ...api.Resource) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range events {
		if e.ParentID != "" {
			continue // layers of an image being pulled: the terminal folds them into their image's line
		}
		if p.last == nil {
			p.last = map[string]api.Resource{}
		}
		if _, seen := p.last[e.ID]; !seen {
			p.ids = append(p.ids, e.ID)
		}
		p.last[e.ID] = e
	}
}

// reset forgets the events of the last command.
func (p *progress) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids, p.last = nil, nil
}

// lines returns the final state of compose's terminal display, one line
// per resource — ` ✔ Container replcourse-primary-1  Started` — without
// its header and timers, with the build's project name replaced by the
// reader's. The library works on resources of one kind concurrently (the
// containers of services that do not depend on each other), so the order
// in which those first appear varies from run to run: within a run of
// consecutive resources of one kind they are put in name order.
func (p *progress) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	type row struct{ glyph, id, text string }
	var rows []row
	for _, id := range p.ids {
		e := p.last[id]
		if id == api.ResourceCompose {
			continue // a message about the whole project (a warning), not a resource
		}
		r := row{glyph: glyph(e.Status), id: id, text: e.Text}
		if p.rename != nil {
			r.id = p.rename(id)
		}
		if e.Details != "" {
			r.text += " " + e.Details
		}
		rows = append(rows, r)
	}
	kind := func(id string) string { k, _, _ := strings.Cut(id, " "); return k }
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && kind(rows[j].id) == kind(rows[i].id) {
			j++
		}
		run := rows[i:j]
		sort.SliceStable(run, func(a, b int) bool { return run[a].id < run[b].id })
		i = j
	}
	width := 0
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r.id))
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf(" %s %s%s %s", r.glyph, r.id, strings.Repeat(" ", width-utf8.RuneCountInString(r.id)), r.text)
	}
	return out
}

// glyph is the mark compose's terminal display puts before a finished
// resource.
func glyph(s api.EventStatus) string {
	switch s {
	case api.Done:
		return "✔"
	case api.Warning:
		return "!"
	case api.Error:
		return "✘"
	default:
		return "⠿"
	}
}
