package transpile

import (
	"path"
	"reflect"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

// systemd.quadlets (experimental dialect versions): Podman quadlet files
// written below /etc/containers/systemd (rootful) or its users/ directory,
// with drop-ins beside them; a template instance (name@x.container)
// becomes a link to its template (name@.container).

type quadlet struct {
	Name          string          `json:"name"`
	Contents      *string         `json:"contents"`
	ContentsLocal *string         `json:"contentsLocal"`
	Rootful       bool            `json:"rootful"`
	Dropins       []quadletDropin `json:"dropins"`
}

type quadletDropin struct {
	Name          string  `json:"name"`
	Contents      *string `json:"contents"`
	ContentsLocal *string `json:"contentsLocal"`
}

// quadletKinds are the file name extensions podman-systemd.unit reads.
var quadletKinds = []string{".container", ".volume", ".network", ".kube", ".image", ".build", ".pod", ".artifact"}

func quadletDir(rootful bool) string {
	if rootful {
		return "/etc/containers/systemd"
	}
	return "/etc/containers/systemd/users"
}

// templateOf returns the template a quadlet name instantiates, if any.
func templateOf(name string) (string, bool) {
	at := strings.Index(name, "@")
	dot := strings.LastIndex(name, ".")
	if at < 0 || dot < 0 || at+1 == dot {
		return "", false
	}
	return name[:at] + "@." + name[dot+1:], true
}

func (d *decoder) applyQuadlets(cfg *config.Config, n *yaml.Node) {
	var qs []quadlet
	base := report.Path{"systemd", "quadlets"}
	d.decode(n, reflect.ValueOf(&qs).Elem(), base, "quadlets")
	st := &cfg.Storage
	for i, q := range qs {
		at := base.Append(i)
		if !hasKindSuffix(q.Name) {
			d.errorAt(n, at.Append("name"), "quadlet name %q needs one of the extensions %s", q.Name, strings.Join(quadletKinds, ", "))
			continue
		}
		dest := path.Join(quadletDir(q.Rootful), q.Name)
		if tmpl, ok := templateOf(q.Name); ok {
			if q.Contents != nil || q.ContentsLocal != nil {
				d.errorAt(n, at, "a template instance cannot have contents; it links to %s", tmpl)
				continue
			}
			if hasPath(st, dest) {
				d.errorAt(n, at, "%s is already in the config", dest)
				continue
			}
			d.mark(report.Path{"storage", "links", len(st.Links)}, n)
			st.Links = append(st.Links, config.Link{Node: config.Node{Path: dest}, Target: ptr(tmpl)})
		} else {
			d.quadletFile(st, n, at, dest, q.Contents, q.ContentsLocal)
		}
		for j, dr := range q.Dropins {
			d.quadletFile(st, n, at.Append("dropins", j), dest+".d/"+dr.Name, dr.Contents, dr.ContentsLocal)
		}
	}
}

func hasKindSuffix(name string) bool {
	for _, k := range quadletKinds {
		if strings.HasSuffix(name, k) {
			return true
		}
	}
	return false
}

// quadletFile adds one file from inline or local contents (not both).
func (d *decoder) quadletFile(st *config.Storage, n *yaml.Node, at report.Path, dest string, inline, local *string) {
	if inline != nil && local != nil {
		d.errorAt(n, at.Append("contents_local"), "contents and contents_local cannot both be set")
		return
	}
	if hasPath(st, dest) {
		d.errorAt(n, at, "%s is already in the config", dest)
		return
	}
	var data []byte
	switch {
	case local != nil && *local != "":
		b, err := d.local.read(*local)
		if err != nil {
			d.errorAt(n, at.Append("contents_local"), "%s", err)
			return
		}
		data = b
	case inline != nil:
		data = []byte(*inline)
	}
	f := config.File{Node: config.Node{Path: dest}, Mode: ptr(0o644)}
	d.setResource(&f.Contents, data)
	d.mark(report.Path{"storage", "files", len(st.Files)}, n)
	st.Files = append(st.Files, f)
}
