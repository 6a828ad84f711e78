package config

import (
	"path"

	"github.com/kindling-dev/kindling/config/report"
)

// maxMode is the largest node mode: permission bits plus setuid, setgid and
// sticky.
const maxMode = 0o7777

// nodeRef is one file, directory or link, for rules across the three lists.
type nodeRef struct {
	path string
	at   report.Path // the entry, e.g. storage.files.3
	kind string      // "file", "directory", "link"
}

// nodes checks files, directories and links, which share one key space: a
// path may be named once across the three lists.
func (v *validator) nodes(c *Storage, base report.Path) {
	for i := range c.Files {
		v.file(&c.Files[i], base.Append("files", i))
	}
	for i := range c.Directories {
		p := base.Append("directories", i)
		v.node(&c.Directories[i].Node, p, "directory")
		v.mode(c.Directories[i].Mode, p.Append("mode"))
	}
	for i := range c.Links {
		v.link(&c.Links[i], base.Append("links", i))
	}
	refs := storageNodes(c, base)
	v.uniqueNodePaths(refs)
	v.nodesBelowLinks(refs)
	v.nodesBelowFiles(refs)
}

func storageNodes(c *Storage, base report.Path) []nodeRef {
	var refs []nodeRef
	for i := range c.Files {
		refs = append(refs, nodeRef{c.Files[i].Path, base.Append("files", i), "file"})
	}
	for i := range c.Directories {
		refs = append(refs, nodeRef{c.Directories[i].Path, base.Append("directories", i), "directory"})
	}
	for i := range c.Links {
		refs = append(refs, nodeRef{c.Links[i].Path, base.Append("links", i), "link"})
	}
	return refs
}

// node checks what files, directories and links share.
func (v *validator) node(n *Node, p report.Path, kind string) {
	switch problem := pathProblem(n.Path); {
	case n.Path == "":
		v.errorf(p.Append("path"), "%s path is required", kind)
	case problem != "":
		v.errorf(p.Append("path"), "%s path %q %s", kind, n.Path, problem)
	}
	// An empty name counts as unset, as the spec's tools treat it.
	if n.User.ID != nil && nonEmpty(n.User.Name) {
		v.errorf(p.Append("user"), "set either user id or user name, not both")
	}
	if n.Group.ID != nil && nonEmpty(n.Group.Name) {
		v.errorf(p.Append("group"), "set either group id or group name, not both")
	}
	v.id(n.User.ID, p.Append("user", "id"), "user id")
	v.id(n.Group.ID, p.Append("group", "id"), "group id")
}

func nonEmpty(s *string) bool { return s != nil && *s != "" }

// mode checks a file or directory mode. Translation from versions before
// 3.6.0 already dropped (and warned about) special bits in parsed configs;
// a config built in Go skips translation, so the same warning is given here
// for it.
func (v *validator) mode(m *int, p report.Path) {
	switch {
	case m == nil:
	case *m < 0 || *m > maxMode:
		v.errorf(p, "mode %d (%#o) is out of range; expected 0 to 07777 written in decimal (0644 is 420)", *m, *m)
	case *m&specialModeBits != 0 && !v.version.AtLeast(V3_6):
		v.warnf(p, "setuid/setgid/sticky bits (%#o) are not applied by spec %s; use spec %s or newer to set them", *m&specialModeBits, v.version, V3_6)
	}
}

func (v *validator) file(f *File, p report.Path) {
	v.node(&f.Node, p, "file")
	v.mode(f.Mode, p.Append("mode"))
	v.resource(&f.Contents, p.Append("contents"), "file contents")
	for i := range f.Append {
		v.resource(&f.Append[i], p.Append("append", i), "append fragment")
	}
	// Overwriting deletes what is at the path; without a source there is
	// nothing to put in its place.
	if isTrue(f.Overwrite) && f.Contents.Source == nil {
		v.errorf(p.Append("overwrite"), "overwrite is true but contents.source is not set; set a source (may be an empty data: URL) or drop overwrite")
	}
}

func (v *validator) link(l *Link, p report.Path) {
	v.node(&l.Node, p, "link")
	if l.Target == nil || *l.Target == "" {
		v.errorf(p.Append("target"), "link target is required")
		return
	}
	if !isTrue(l.Hard) {
		return
	}
	// A hard link names an existing file inside the target root; a relative
	// name would depend on the working directory of the files stage.
	if problem := pathProblem(*l.Target); problem != "" {
		v.errorf(p.Append("target"), "hard link target %q %s", *l.Target, problem)
	}
	if l.User != (NodeUser{}) || l.Group != (NodeGroup{}) {
		v.warnf(p, "a hard link shares its owner with its target; user and group are ignored")
	}
}

func (v *validator) uniqueNodePaths(refs []nodeRef) {
	seen := map[string]nodeRef{}
	for _, r := range refs {
		if r.path == "" {
			continue
		}
		if first, ok := seen[r.path]; ok {
			v.errorf(r.at.Append("path"), "%s path %q is already used by %s %s; every file, directory and link needs its own path", r.kind, r.path, first.kind, first.at)
			continue
		}
		seen[r.path] = r
	}
}

// nodesBelowLinks: writing below a configured link would follow it to
// wherever it points, maybe outside the intended filesystem.
func (v *validator) nodesBelowLinks(refs []nodeRef) {
	v.nodesBelow(refs, "link", "writing it would go through the link")
}

// nodesBelowFiles: a regular file cannot contain other nodes.
func (v *validator) nodesBelowFiles(refs []nodeRef) {
	v.nodesBelow(refs, "file", "a file cannot contain other nodes")
}

// nodesBelow reports every node that has a parentKind node among its
// ancestors. It walks each node's ancestors through a map of the parents,
// so a config with thousands of nodes stays linear in their count.
func (v *validator) nodesBelow(refs []nodeRef, parentKind, why string) {
	parents := map[string]nodeRef{}
	for _, r := range refs {
		if r.kind == parentKind && r.path != "" {
			parents[r.path] = r
		}
	}
	if len(parents) == 0 {
		return
	}
	for _, child := range refs {
		if child.path == "" || child.path == "/" {
			continue
		}
		for dir := path.Dir(child.path); ; dir = path.Dir(dir) {
			if parent, ok := parents[dir]; ok {
				v.errorf(child.at.Append("path"), "%s path %q lies below the %s %q (%s); %s", child.kind, child.path, parentKind, parent.path, parent.at, why)
			}
			if dir == "/" || dir == "." {
				break
			}
		}
	}
}
