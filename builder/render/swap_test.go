package render

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const oldFooter = "<footer class=\"site-foot\">\n<p>Outputs verified against PostgreSQL 17.6 (postgres:17 0123) on <time>25 November 2026</time>.</p>\n</footer>\n"

// put writes files (path → content; a path ending in / is a directory)
// under dir.
func put(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReplaceable(t *testing.T) {
	legacy := map[string]string{"index.html": "<html>" + oldFooter, "01-a.html": "x", "print.html": "x", "assets/site.css": "x"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range legacy {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		files map[string]string // nil: the directory does not exist
		want  string            // "" accepted, else in the refusal
	}{
		{"missing", nil, ""},
		{"empty", map[string]string{}, ""},
		{"marked", map[string]string{SiteMarker: markerText, "notes.txt": "kept with the site"}, ""},
		{"older site", legacy, ""},
		{"sources", map[string]string{"01-a.md": "---\ntitle: A\n---\n", "02-b.md": "x", "03-c.md": "x", "04-d.md": "x"}, "not a site written by coursebuild (no .coursebuild file; it holds 01-a.md, 02-b.md, 03-c.md and 1 more)"},
		{"older site with a file of someone's", with(map[string]string{"notes.txt": "mine"}), "not a site written by coursebuild"},
		{"older site with another folder", with(map[string]string{"drafts/": ""}), "not a site written by coursebuild"},
		{"html pages of another site", with(map[string]string{"index.html": "<html><footer>mine</footer></html>"}), "not a site written by coursebuild"},
		{"no assets", map[string]string{"index.html": "<html>" + oldFooter}, "not a site written by coursebuild"},
		{"no index", map[string]string{"01-a.html": "<html>" + oldFooter, "assets/": ""}, "not a site written by coursebuild"},
		{"marker is a directory", map[string]string{SiteMarker + "/": "", "a.txt": "x"}, "not a site written by coursebuild"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			if tc.files != nil {
				os.Mkdir(dir, 0o755)
				put(t, dir, tc.files)
			}
			err := Replaceable(dir)
			var re *RefusedError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &re) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
	t.Run("file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "public")
		os.WriteFile(f, []byte("x"), 0o644)
		if err := Replaceable(f); err == nil || !strings.Contains(err.Error(), "exists and is not a directory") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("symbolic link", func(t *testing.T) {
		dir := t.TempDir()
		link := filepath.Join(t.TempDir(), "public")
		os.Symlink(dir, link)
		if err := Replaceable(link); err == nil || !strings.Contains(err.Error(), "exists and is not a directory") {
			t.Errorf("got %v", err)
		}
	})
}

// TestWriteMarksTheSite: every site written carries the marker, so the
// next build may replace it.
func TestWriteMarksTheSite(t *testing.T) {
	public := filepath.Join(t.TempDir(), "public")
	for range 2 {
		if _, err := Write(context.Background(), testSite(t), public); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(public, SiteMarker))
		if err != nil || !strings.Contains(string(data), "written by coursebuild") {
			t.Fatalf("marker: %q %v", data, err)
		}
	}
}

// TestWriteRefusesAFolderItDidNotMake: a directory of someone's files is
// never replaced: the error says why, every file stays, and no temporary
// directory is left beside it.
func TestWriteRefusesAFolderItDidNotMake(t *testing.T) {
	parent := t.TempDir()
	public := filepath.Join(parent, "public")
	put(t, public, map[string]string{"01-intro.md": "---\ntitle: Intro\n---\n", "index.html": "<p>mine</p>", "assets/logo.svg": "<svg/>"})
	_, err := Write(context.Background(), testSite(t), public)
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "not a site written by coursebuild") {
		t.Fatalf("got %v", err)
	}
	for name, want := range map[string]string{"01-intro.md": "---\ntitle: Intro\n---\n", "index.html": "<p>mine</p>", "assets/logo.svg": "<svg/>"} {
		if got, err := os.ReadFile(filepath.Join(public, name)); err != nil || string(got) != want {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(public, SiteMarker)); !os.IsNotExist(err) {
		t.Error("the folder was marked as a site")
	}
	assertOnly(t, parent, "public")
}

// TestWriteReplacesAnOlderSite: a site from before the marker is replaced
// once; the new one carries the marker.
func TestWriteReplacesAnOlderSite(t *testing.T) {
	public := filepath.Join(t.TempDir(), "public")
	put(t, public, map[string]string{"index.html": "<html>" + oldFooter, "09-gone.html": "old", "assets/site.css": "old"})
	if _, err := Write(context.Background(), testSite(t), public); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(public, "09-gone.html")); !os.IsNotExist(err) {
		t.Error("a page of the older site survived")
	}
	if _, err := os.Stat(filepath.Join(public, SiteMarker)); err != nil {
		t.Error("the new site has no marker")
	}
}

// TestUnmarkedSiteOfThisThemeIsReplaceable: a site as this theme writes
// it, less the marker (what builds before the marker left), passes for a
// site; with one file of someone's added, it does not.
func TestUnmarkedSiteOfThisThemeIsReplaceable(t *testing.T) {
	public := filepath.Join(t.TempDir(), "public")
	if _, err := Write(context.Background(), testSite(t), public); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(public, SiteMarker)); err != nil {
		t.Fatal(err)
	}
	if err := Replaceable(public); err != nil {
		t.Fatalf("an unmarked site of this theme: %v", err)
	}
	put(t, public, map[string]string{"notes.txt": "mine"})
	if err := Replaceable(public); err == nil {
		t.Error("a site with someone's file in it passes for a site")
	}
}
