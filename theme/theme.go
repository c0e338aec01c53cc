// Package theme holds the look of the course site: the page templates and
// the static assets, embedded so the builder works from any directory.
//
// The templates are html/template files. layout.html defines "layout", the
// page shell (CSP meta, header with the search form, footer); each page
// file (index.html, chapter.html, print.html) defines "main" and is
// executed as "layout". The data each template reads is described at the
// top of the template file.
//
// The chapter body is produced by the renderer, not by a template; site.css
// styles the markup it emits:
//
//	figure.block.{run|norun|file|display}[.node-cN|.node-host]#block-N
//	  figcaption.block-head  > span.node.{node-cN|node-host}, span.lang, span.path,
//	                           span.status, span.note, a.anchor
//	  pre.chroma > code      (chroma, CSS classes only)
//	  div.output.{verified|nocompare}
//	    > p.output-label, pre.output-text > samp | p.output-empty
//	figure.chart-figure      > svg.chart (.chart-*), figcaption.chart-caption
//	figure.diagram-figure    > div.diagram-scroll > svg.topology (.topo-*;
//	                           a service's g.topo-node.topo-cN[.topo-down])
//
// Nodes are coloured from a palette, not by name: the renderer gives the
// course's services node-c1 … node-cN (N = NodeColours; CSS variables
// --node-1 …) in the order the course first uses them, and the host, the
// builder's own node, node-host.
// The pages carry a Content-Security-Policy that allows only the site's own
// files ('self', which Chromium matches against file:// pages too), no
// inline script and no style attributes; everything here keeps to it.
package theme

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Chroma styles the renderer writes into assets/chroma.css: the light one
// applies unless the reader's system prefers dark.
const (
	LightStyle = "github"
	DarkStyle  = "github-dark"
)

// NodeColours is the size of the node palette in site.css (--node-1 …,
// .node-c1 …, .topo-c1 …): the number of services that get distinct
// colours.
const NodeColours = 8

// ChromaCSS is where the renderer writes the generated highlighting rules,
// relative to the site root.
const ChromaCSS = "assets/chroma.css"

// Stylesheets returns the stylesheets every page links, relative to the site
// root, in load order: site.css comes after chroma.css so its panel colours
// win over the chroma styles' backgrounds.
func Stylesheets() []string { return []string{ChromaCSS, "assets/site.css"} }

// Scripts returns the scripts every page links. They only enhance: copy
// buttons (site.js) and search (search.js, which loads the renderer's
// assets/search-index.js when the reader first searches). Every page reads
// fully without them.
func Scripts() []string { return []string{"assets/site.js", "assets/search.js"} }

// FS returns every embedded file (templates/ and static/).
func FS() fs.FS { return files }

// Static returns the files to copy into the site's assets/ directory.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil { // cannot happen: "static" is a valid embedded path
		panic(err)
	}
	return sub
}

// Page parses the layout together with one page template (index.html or
// chapter.html); execute the result with ExecuteTemplate(w, "layout", data).
func Page(name string) (*template.Template, error) {
	return template.New(name).ParseFS(files, "templates/layout.html", "templates/"+name)
}
