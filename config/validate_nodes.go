package config

import (
	"path"
	"strings"

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
		v.mode(c.Directories[i].Mode, "storage.directories.mode", p.Append("mode"))
	}
	for i := range c.Links {
		v.link(&c.Links[i], base.Append("links", i))
	}
	v.hardLinksToDirectories(c, base)
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
	default:
		v.creatablePath(n.Path, p.Append("path"), kind)
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

// Limits of Linux paths: NAME_MAX for one component, PATH_MAX for the whole
// path with its NUL.
const (
	maxNameBytes = 255
	maxPathBytes = 4095
)

// creatablePath applies the node-path rule to a clean absolute path: the
// files stage can never create "/", a path with NUL, a component longer
// than NAME_MAX or a path longer than PATH_MAX, and would fail half way.
func (v *validator) creatablePath(p string, at report.Path, kind string) {
	switch {
	case p == "/":
		v.safetyf(at, ruleNodePaths, "%s path \"/\" is the root itself, which cannot be replaced by a %s", kind, kind)
	case strings.ContainsRune(p, 0):
		v.safetyf(at, ruleNodePaths, "%s path %q contains NUL, which no file name can", kind, p)
	case len(p) > maxPathBytes:
		v.safetyf(at, ruleNodePaths, "%s path is %d bytes long; the limit is %d", kind, len(p), maxPathBytes)
	default:
		for _, c := range strings.Split(p[1:], "/") {
			if len(c) > maxNameBytes {
				v.safetyf(at, ruleNodePaths, "%s path has a component of %d bytes; the limit is %d", kind, len(c), maxNameBytes)
				return
			}
		}
	}
}

func nonEmpty(s *string) bool { return s != nil && *s != "" }

// mode checks a file or directory mode. Translation from versions before
// 3.6.0 already dropped (and warned about) special bits in parsed configs;
// a config built in Go skips translation, so the same warning is given here
// for it.
func (v *validator) mode(m *int, pattern string, p report.Path) {
	if m == nil {
		return
	}
	if *m < 0 || *m > maxMode {
		v.errorf(p, "mode %d (%#o) is out of range; expected 0 to 07777 written in decimal (0644 is 420)", *m, *m)
		return
	}
	if bits, since := unappliedModeBits(*m, pattern, v.version); bits != 0 {
		v.warnf(p, "setuid/setgid/sticky bits (%#o) are not applied by spec %s; use spec %s or newer to set them", bits, v.version, since)
	}
}

func (v *validator) file(f *File, p report.Path) {
	v.node(&f.Node, p, "file")
	v.mode(f.Mode, "storage.files.mode", p.Append("mode"))
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
		// Specs before 3.3.0 declare the target a plain string, so their
		// validator cannot tell a missing one from an empty one and lets
		// both pass.
		if v.version.Less(V3_3) {
			v.warnf(p.Append("target"), "link has no target; creating it will fail")
		} else {
			v.errorf(p.Append("target"), "link target is required")
		}
		return
	}
	if !isTrue(l.Hard) {
		return
	}
	switch t := *l.Target; {
	case !strings.HasPrefix(t, "/"):
		v.warnf(p.Append("target"), "hard link target %q is relative: it is resolved against the root, not against the link's directory", t)
	case path.Clean(t) != t:
		v.warnf(p.Append("target"), "hard link target %q is not clean; it is used as %q", t, path.Clean(t))
	}
	if l.User != (NodeUser{}) || l.Group != (NodeGroup{}) {
		v.refWarnf(p, "a hard link shares its owner with its target; user and group are ignored")
	}
}

// hardLinksToDirectories: a hard link cannot name a directory. The spec
// finds the target as it resolves it, a relative target joined to the
// link's own path.
func (v *validator) hardLinksToDirectories(c *Storage, base report.Path) {
	if len(c.Directories) == 0 {
		return
	}
	dirs := map[string]bool{}
	for _, d := range c.Directories {
		dirs[d.Path] = true
	}
	for i, l := range c.Links {
		if !isTrue(l.Hard) || l.Target == nil || *l.Target == "" {
			continue
		}
		target := path.Clean(*l.Target)
		if !path.IsAbs(target) {
			target = path.Join(l.Path, *l.Target)
		}
		if dirs[target] {
			v.errorf(base.Append("links", i), "hard link target %q is a directory of this config; directories cannot be hard linked", *l.Target)
		}
	}
}

// uniqueNodePaths: the spec keys files, directories and links together by
// path.
func (v *validator) uniqueNodePaths(refs []nodeRef) {
	seen := map[string]nodeRef{}
	for _, r := range refs {
		if first, ok := seen[r.path]; ok {
			v.errorf(r.at.Append("path"), "%s path %q is already used by %s %s; every file, directory and link needs its own path", r.kind, r.path, first.kind, first.at)
			continue
		}
		seen[r.path] = r
	}
}

// nodesBelowLinks: writing below a configured link would follow it to
// wherever it points, so the spec refuses it.
func (v *validator) nodesBelowLinks(refs []nodeRef) {
	v.nodesBelow(refs, "link", func(child, parent nodeRef) {
		v.errorf(child.at.Append("path"), "%s path %q lies below the link %q (%s); writing it would go through the link", child.kind, child.path, parent.path, parent.at)
	})
}

// nodesBelowFiles: a regular file cannot contain other nodes, so writing
// one below it fails.
func (v *validator) nodesBelowFiles(refs []nodeRef) {
	v.nodesBelow(refs, "file", func(child, parent nodeRef) {
		v.warnf(child.at.Append("path"), "%s path %q lies below the file %q (%s); a file cannot contain other nodes, so writing it will fail", child.kind, child.path, parent.path, parent.at)
	})
}

// nodesBelow calls found for every node that has a parentKind node among
// its ancestors other than "/" (the spec compares paths as strings with a
// "/" appended, which never matches below "/"). It walks each node's
// ancestors through a map of the parents, so a config with thousands of
// nodes stays linear in their count.
func (v *validator) nodesBelow(refs []nodeRef, parentKind string, found func(child, parent nodeRef)) {
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
		if !strings.HasPrefix(child.path, "/") {
			continue
		}
		for dir := path.Dir(child.path); dir != "/" && dir != "."; dir = path.Dir(dir) {
			if parent, ok := parents[dir]; ok {
				found(child, parent)
			}
		}
	}
}
