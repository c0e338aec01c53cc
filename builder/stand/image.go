package stand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"
)

// Images the stand can run, in order of preference: the official image that
// readers pull, then the equivalent one stand/image/build.sh makes from
// Debian's packages where no registry is reachable.
const (
	OfficialImage = "postgres:17"
	LocalImage    = "replcourse/postgres:17"
)

// pullTimeout bounds the one pull attempt: a reachable registry answers in
// seconds, an unreachable one fails its DNS look-up at once.
const pullTimeout = 20 * time.Second

// EnvError is a problem with the machine, not the content: Docker is not
// reachable, or no image could be had.
type EnvError struct{ Msg string }

func (e *EnvError) Error() string { return e.Msg }

// Image is the image a build runs, with its id for the record.
type Image struct {
	Ref string
	ID  string
}

// Source says where an image can come from: the official image (present or
// pulled), or the local one, made by Script when missing.
type Source struct {
	Official string
	Local    string
	Script   string // called as: bash Script Local
}

// DefaultSource is the course's: postgres:17, else replcourse/postgres:17
// built by stand/image/build.sh under root.
func DefaultSource(root string) Source {
	return Source{Official: OfficialImage, Local: LocalImage, Script: filepath.Join(root, "stand", "image", "build.sh")}
}

// EnsureImage returns an image the stand can run: the official image if
// present or pullable, else the local one, built if missing. Progress goes
// to log.
func EnsureImage(ctx context.Context, src Source, log io.Writer) (Image, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return Image{}, err
	}
	defer cli.Close()
	for _, ref := range []string{src.Official, src.Local} {
		if img, ok := inspectImage(ctx, cli, ref); ok {
			return img, nil
		}
	}
	fmt.Fprintf(log, "image: %s not present; trying to pull it\n", src.Official)
	if err := pull(ctx, cli, src.Official); err == nil {
		if img, ok := inspectImage(ctx, cli, src.Official); ok {
			return img, nil
		}
	} else {
		fmt.Fprintf(log, "image: pull failed (%v); building %s from Debian's packages\n", firstLine(err.Error()), src.Local)
	}
	if err := runBuild(ctx, src, log); err != nil {
		return Image{}, err
	}
	if img, ok := inspectImage(ctx, cli, src.Local); ok {
		return img, nil
	}
	return Image{}, &EnvError{Msg: fmt.Sprintf("image build finished but %s is missing; run `make image` to see why", src.Local)}
}

func inspectImage(ctx context.Context, cli *client.Client, ref string) (Image, bool) {
	res, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, false
	}
	return Image{Ref: ref, ID: res.ID}, true
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

func runBuild(ctx context.Context, src Source, log io.Writer) error {
	cmd := exec.CommandContext(ctx, "bash", src.Script, src.Local)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return &EnvError{Msg: fmt.Sprintf("building the PostgreSQL image failed (%v); run `make image` to retry and see its log", err)}
	}
	return nil
}

// newClient connects to the engine testcontainers would use (DOCKER_HOST or
// the local socket) and checks that it answers.
func newClient(ctx context.Context) (*client.Client, error) {
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, &EnvError{Msg: fmt.Sprintf("Docker client: %v", err)}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{}); err != nil {
		cli.Close()
		return nil, &EnvError{Msg: fmt.Sprintf("Docker is not reachable (%s); start the Docker engine or set DOCKER_HOST", firstLine(err.Error()))}
	}
	return cli, nil
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
