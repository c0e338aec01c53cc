package record

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"replcourse/builder/topology"
)

// What the pages say about a run — "Outputs verified against SERVER
// (IMAGE) on DATE" — comes from the record's server, image and
// verified_at, which no block's key covers. A record whose values are not
// ones a run writes is not shown as verified; the rules are those of the
// run that writes them:
//
//   - verified_at: set to the time the run ended, so never later than now
//     (allowing clockSkew between the machine that ran and this one) nor
//     earlier than the record's format existed (formatSince);
//   - image: stand.Image.Label for each image reference of the compose
//     file, in the order of the record's images, comma-separated — the
//     reference itself, or the fallback's tag the key names followed by
//     "for" and the reference, with the engine's short id (12 hex digits
//     of a sha256 id);
//   - server: SELECT version() of the first server an sql block reached
//     ("PostgreSQL 17.12 (Debian …) on …"), "" when no sql block ran; its
//     version is every diagram state's when the stand runs one image, and
//     its major version (like each diagram state's) that of an image
//     reference whose tag names one (postgres:17).
//
// Outputs that match an expected output with {{...}} placeholders can
// only be checked against that expectation: what the placeholder stands
// for is the chapter's choice.

// formatSince is when each record format came into use: a record of that
// format saying it was verified earlier is not one a run wrote. Bumping
// builder.RecordFormat adds an entry (TestFormatSince holds them together).
var formatSince = map[int]time.Time{
	2: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
}

// clockSkew is how far in the future verified_at may be, for a record
// written on a machine whose clock runs ahead of this one's.
const clockSkew = 5 * time.Minute

// now is the clock verified_at is held against; tests set it.
var now = time.Now

var (
	// shortID is stand.Image.Label's id: a sha256 image id's first 12
	// hex digits.
	shortID = regexp.MustCompile(`^[0-9a-f]{12}$`)
	// serverVersion reads SELECT version(): "PostgreSQL 17.12 (…) on …",
	// "PostgreSQL 18beta1 on …"; the version is what server_version
	// gives, as topology reads it.
	serverVersion = regexp.MustCompile(`^PostgreSQL (\d{1,3}(?:\.\d{1,3}){0,2}(?:devel|(?:alpha|beta|rc)\d{1,2})?)(?: |$)`)
	// tagMajor is the major version an image tag begins with: 17 in
	// postgres:17 or postgres:17.6-bookworm, 9.6 in postgres:9.6.
	tagMajor = regexp.MustCompile(`^(\d+(?:\.\d+)?)`)
)

// checkVerified holds r's verified_at, image and server to what a run of
// blocks writes, the diagram states the record holds (states) included;
// ranSQL says whether an sql block is among the blocks.
func (r *Record) checkVerified(ranSQL bool, states []*topology.State) error {
	if err := checkTime(r.VerifiedAt, r.Format); err != nil {
		return err
	}
	if err := checkImage(r.Image, r.Images); err != nil {
		return err
	}
	return checkServer(r.Server, r.Images, ranSQL, states)
}

func checkTime(at time.Time, format int) error {
	since, ok := formatSince[format]
	switch {
	case at.IsZero():
		return errors.New("the record does not say when it was verified")
	case !ok:
		return fmt.Errorf("record format %d has no date it came into use", format)
	case at.After(now().Add(clockSkew)):
		return fmt.Errorf("verified_at %s is in the future", at.Format(time.RFC3339))
	case at.Before(since):
		return fmt.Errorf("verified_at %s is before record format %d existed (%s)", at.Format(time.RFC3339), format, since.Format(time.DateOnly))
	}
	return nil
}

// checkImage holds label to stand.Image.Label of each image the keys
// (imageKeys: "REF" or "REF else TAG by RECIPE sha256:…") allow.
func checkImage(label string, keys []string) error {
	if label == "" {
		return errors.New("the record does not say which image it was verified on")
	}
	labels := strings.Split(label, ", ")
	if len(labels) != len(keys) {
		return fmt.Errorf("image %q names %d images, the stand has %d", label, len(labels), len(keys))
	}
	for i, l := range labels {
		ref, tag := imageKey(keys[i])
		f := strings.Fields(l)
		ok := len(f) == 2 && f[0] == ref ||
			len(f) == 4 && tag != "" && f[0] == tag && f[2] == "for" && f[3] == ref
		if !ok || !shortID.MatchString(f[1]) {
			want := ref + " ID"
			if tag != "" {
				want += " or " + tag + " ID for " + ref
			}
			return fmt.Errorf("image %q is not one the stand may run (%s, ID the engine's short id)", l, want)
		}
	}
	return nil
}

// imageKey reads an image key: the reference, and the fallback's tag or "".
func imageKey(key string) (ref, tag string) {
	ref, rest, ok := strings.Cut(key, " else ")
	if ok {
		tag, _, _ = strings.Cut(rest, " ")
	}
	return ref, tag
}

// checkServer holds server to SELECT version() of the stand the keys name,
// in agreement with the diagram states.
func checkServer(server string, keys []string, ranSQL bool, states []*topology.State) error {
	if server == "" {
		if ranSQL {
			return errors.New("the record does not say what server its sql blocks ran against")
		}
	} else if len(server) > 1024 || strings.ContainsAny(server, "\n\r\t<>") || !serverVersion.MatchString(server) {
		return fmt.Errorf("server %.80q is not what SELECT version() returns", server)
	}
	var majors []string // of the images, where their tags say
	for _, k := range keys {
		ref, _ := imageKey(k)
		repo, tag, ok := strings.Cut(ref[strings.LastIndex(ref, "/")+1:], ":")
		if m := tagMajor.FindString(tag); ok && strings.Contains(repo, "postgres") && m != "" {
			majors = append(majors, major(m))
		}
	}
	var versions []string
	if server != "" {
		versions = append(versions, serverVersion.FindStringSubmatch(server)[1])
	}
	for _, st := range states {
		for _, s := range st.Services {
			if s.Postgres != nil {
				versions = append(versions, s.Postgres.Version)
			}
		}
	}
	for _, v := range versions {
		if len(majors) > 0 && !slices.Contains(majors, major(v)) {
			return fmt.Errorf("PostgreSQL %s is not the major version of the stand's images (%s)", v, strings.Join(majors, ", "))
		}
		if len(keys) == 1 && v != versions[0] {
			return fmt.Errorf("a diagram shows PostgreSQL %s, the record's server is %s, on one image", v, versions[0])
		}
	}
	return nil
}

// major is a version's major version: its first number, or its first two
// before PostgreSQL 10 (9.6).
func major(v string) string {
	n := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if n < 0 {
		n = len(v)
	}
	if v[:n] == "" || len(v[:n]) > 1 || n == len(v) || v[n] != '.' {
		return v[:n]
	}
	rest := v[n+1:]
	if m := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); m >= 0 {
		rest = rest[:m]
	}
	return v[:n] + "." + rest
}
