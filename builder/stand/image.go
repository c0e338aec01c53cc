package stand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"

	"github.com/moby/moby/client"

	"replcourse/builder/composefile"
	"replcourse/builder/config"
)

// pullTimeout bounds the one pull attempt: a reachable registry answers in
// seconds, an unreachable one fails its DNS look-up at once.
const pullTimeout = 20 * time.Second

// EnvError is a problem with the machine, not the content: Docker is not
// reachable, or no image could be had.
type EnvError struct{ Msg string }

func (e *EnvError) Error() string { return e.Msg }

// Image is one image reference of the compose file and the image the
// stand runs for it.
type Image struct {
	// Ref is the reference as the compose file writes it (after
	// interpolation): what readers pull, e.g. "postgres:17".
	Ref string
	// Ran is the reference the stand runs: Ref when the engine holds it or
	// can pull it, else the tag of the course's fallback (course.yaml's
	// images:), e.g. "replcourse/postgres:17".
	Ran string
	// ID is the engine's id of Ran ("sha256:…"), for the record and the
	// pages.
	ID string
	// Recipe is the fallback's recipe (relative to the course's root)
	// when Ran is its tag; "" when Ran is Ref.
	Recipe string
}

// Label names the image for the pages and the record: the reference that
// ran and its short id, with what it stands in for when it is a fallback
// ("replcourse/postgres:17 bbda20a11422 for postgres:17").
func (img Image) Label() string {
	id := img.ID
	if len(id) > 7 && id[:7] == "sha256:" {
		id = id[7:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	s := img.Ran + " " + id
	if img.Ran != img.Ref {
		s += " for " + img.Ref
	}
	return s
}

// EnsureImages makes sure the engine holds an image for every image
// reference of the compose file (m.Images()), and returns them by
// reference. For each one, in order: the reference itself when the
// engine holds it; the fallback's tag (cc.Fallback) when it holds that;
// the reference pulled (bounded by pullTimeout); the fallback's recipe
// run (`bash RECIPE TAG` in the course's root, its output to log), then
// its tag. An image that none of these gives is an *EnvError naming it
// and what was tried; an interrupt returns the context's error.
func EnsureImages(ctx context.Context, cc *config.Config, m *composefile.Model, log io.Writer) (map[string]Image, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	out := map[string]Image{}
	for _, ref := range m.Images() {
		img, err := ensureImage(ctx, cli, cc, ref, log)
		if err != nil {
			return nil, err
		}
		out[ref] = img
	}
	return out, nil
}

func ensureImage(ctx context.Context, cli *client.Client, cc *config.Config, ref string, log io.Writer) (Image, error) {
	fb, hasFallback := cc.Fallback(ref)
	if id, ok := inspectImage(ctx, cli, ref); ok {
		return Image{Ref: ref, Ran: ref, ID: id}, nil
	}
	if hasFallback {
		if id, ok := inspectImage(ctx, cli, fb.Tag); ok {
			return Image{Ref: ref, Ran: fb.Tag, ID: id, Recipe: fb.Recipe}, nil
		}
	}
	fmt.Fprintf(log, "image: %s not present; trying to pull it\n", ref)
	perr := pull(ctx, cli, ref)
	if perr == nil {
		if id, ok := inspectImage(ctx, cli, ref); ok {
			return Image{Ref: ref, Ran: ref, ID: id}, nil
		}
		perr = errors.New("the pull finished but the engine does not hold the image")
	}
	if ctx.Err() != nil {
		return Image{}, ctx.Err()
	}
	if !hasFallback {
		return Image{}, &EnvError{Msg: fmt.Sprintf("image %s is not present and cannot be pulled (%s); pull it, or give course.yaml a fallback under images: %q: {recipe: …, tag: …}", ref, firstLine(perr.Error()), ref)}
	}
	fmt.Fprintf(log, "image: pull failed (%s); making %s with %s\n", firstLine(perr.Error()), fb.Tag, fb.Recipe)
	if err := runRecipe(ctx, cc, fb, log); err != nil {
		return Image{}, err
	}
	if id, ok := inspectImage(ctx, cli, fb.Tag); ok {
		return Image{Ref: ref, Ran: fb.Tag, ID: id, Recipe: fb.Recipe}, nil
	}
	return Image{}, &EnvError{Msg: fmt.Sprintf("image recipe %s finished but the engine holds no %s; run `coursebuild image` to see its log", fb.Recipe, fb.Tag)}
}

// inspectImage returns the id of the image ref, if the engine holds it.
func inspectImage(ctx context.Context, cli *client.Client, ref string) (string, bool) {
	res, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", false
	}
	return res.ID, true
}

func pull(ctx context.Context, cli *client.Client, ref string) error {
	ctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	rc, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	return rc.Wait(ctx)
}

// runRecipe runs a fallback's recipe as `bash RECIPE TAG` in the course's
// root.
func runRecipe(ctx context.Context, cc *config.Config, fb config.Fallback, log io.Writer) error {
	cmd := exec.CommandContext(ctx, "bash", cc.Path(fb.Recipe), fb.Tag)
	cmd.Dir = cc.Root
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &EnvError{Msg: fmt.Sprintf("image recipe %s failed (%v) making %s; run `coursebuild image` to retry and see its log", fb.Recipe, err, fb.Tag)}
	}
	return nil
}

// newClient connects to the engine the docker CLI would use — DOCKER_HOST,
// else DOCKER_CONTEXT, else the current docker context (see endpoint) —
// and checks that it answers (see openEngine for the errors).
func newClient(ctx context.Context) (*client.Client, error) {
	cli, _, err := openEngine(ctx)
	return cli, err
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
