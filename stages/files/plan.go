package files

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

// plan decides, before the first write, everything about the config that
// can be known from the root as it is: where each node lands once the
// symlinks among its parents are followed (as Ignition does), that no two
// nodes land on the same path, that nodes the config does not allow to
// overwrite are not in the way, that nothing in the way of a parent
// directory blocks it, that removing what overwrite replaces stays on one
// filesystem, that every owner and supplementary group will exist, and
// that unit names are safe. A config that fails here leaves the root
// untouched.
func (p *provisioner) plan(ctx context.Context) error {
	if err := p.checkOwners(ctx); err != nil {
		return err
	}
	if err := p.checkUserGroups(); err != nil {
		return err
	}
	if err := p.resolveNodes(); err != nil {
		return err
	}
	if err := p.checkExisting(); err != nil {
		return err
	}
	return p.planUnits()
}

// entry names one node for messages: its config path and its path.
type entry struct {
	at   report.Path
	path string
}

func (e entry) String() string { return fmt.Sprintf("%s (%s)", e.at, stages.QuoteIfNeeded(e.path)) }

// resolveNodes fills p.storage: the config's nodes with their paths
// resolved inside the root.
func (p *provisioner) resolveNodes() error {
	s := p.cfg.Storage
	p.storage = config.Storage{
		Files:       append([]config.File(nil), s.Files...),
		Directories: append([]config.Directory(nil), s.Directories...),
		Links:       append([]config.Link(nil), s.Links...),
	}
	seen := map[string]entry{}
	// Nodes share parents: each parent directory is resolved once.
	dirs := map[string]string{}
	resolveIn := func(clean string) (string, error) {
		dir, name := path.Split(clean)
		if real, ok := dirs[dir]; ok {
			return path.Join(real, name), nil
		}
		real, err := p.root.ResolveParents(clean)
		if err != nil {
			return "", err
		}
		dirs[dir] = path.Dir(real)
		return real, nil
	}
	resolve := func(n *config.Node, at report.Path) error {
		orig := n.Path
		real, err := resolveIn(path.Clean(orig))
		if err != nil {
			return stages.Errorf(at.Append("path"), orig, "%w", err)
		}
		if other, dup := seen[real]; dup {
			return stages.Errorf(at.Append("path"), orig, "resolves to %s after following symlinks, where %s also lands", stages.QuoteIfNeeded(real), other)
		}
		seen[real] = entry{at, orig}
		if real != path.Clean(orig) {
			p.env.Log.Info("path resolved through a symlink", "path", orig, "resolved", real)
		}
		n.Path = real
		return nil
	}
	for i := range p.storage.Directories {
		if err := resolve(&p.storage.Directories[i].Node, report.Path{"storage", "directories", i}); err != nil {
			return err
		}
	}
	for i := range p.storage.Directories {
		if err := p.followDirLink(&p.storage.Directories[i]); err != nil {
			return stages.Errorf(report.Path{"storage", "directories", i, "path"}, s.Directories[i].Path, "%w", err)
		}
	}
	for i := range p.storage.Files {
		if err := resolve(&p.storage.Files[i].Node, report.Path{"storage", "files", i}); err != nil {
			return err
		}
	}
	for i := range p.storage.Links {
		if err := resolve(&p.storage.Links[i].Node, report.Path{"storage", "links", i}); err != nil {
			return err
		}
	}
	return nil
}

// followDirLink: a directory entry whose path is a symlink to an existing
// directory (without overwrite) means that directory, as in Ignition,
// whose mkdir -p is satisfied by it and whose chmod and chown follow the
// link. The directory is found inside the root, never outside.
func (p *provisioner) followDirLink(d *config.Directory) error {
	if boolOr(d.Overwrite, false) {
		return nil
	}
	st, exists, err := p.root.Lstat(d.Path)
	if err != nil || !exists || !st.IsSymlink() {
		return err
	}
	inner, err := p.root.ResolveParents(d.Path + "/x")
	if err != nil {
		return err
	}
	target := strings.TrimSuffix(inner, "/x")
	if target == "" {
		return nil // a link to the root itself stays a symlink in the way
	}
	tst, ok, err := p.root.Lstat(target)
	if err != nil || !ok || !tst.IsDir() {
		return err
	}
	p.env.Log.Info("directory is a symlink to a directory; using that directory", "path", d.Path, "resolved", target)
	d.Path = target
	return nil
}

// checkExisting compares every node with what the root holds at its
// resolved path and at its parents.
func (p *provisioner) checkExisting() error {
	s := p.storage
	// Directories the config makes with overwrite may replace a
	// non-directory standing where a parent must go.
	replacedByDir := map[string]bool{}
	for _, d := range s.Directories {
		if boolOr(d.Overwrite, false) {
			replacedByDir[d.Path] = true
		}
	}
	checked := map[string]bool{} // parent directories known to be fine
	check := func(n config.Node, at report.Path, ok func(st rootfs.Stat) error) error {
		orig := entry{at, n.Path}
		if err := p.checkParents(n.Path, replacedByDir, checked); err != nil {
			return stages.Errorf(at, orig.path, "%w", err)
		}
		st, exists, err := p.root.Lstat(n.Path)
		if err != nil {
			return stages.Errorf(at, orig.path, "%w", err)
		}
		if !exists {
			return nil
		}
		if boolOr(n.Overwrite, false) && st.IsDir() {
			if err := p.root.CheckRemovable(n.Path); err != nil {
				return stages.Errorf(at.Append("overwrite"), orig.path, "%w", err)
			}
		}
		return ok(st)
	}
	for i, d := range s.Directories {
		at := report.Path{"storage", "directories", i}
		orig := p.cfg.Storage.Directories[i].Path
		if err := check(d.Node, at, func(st rootfs.Stat) error {
			if !boolOr(d.Overwrite, false) && !st.IsDir() {
				return stages.Errorf(at, orig, "a %s is in the way and overwrite is false", describe(st))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for i, f := range s.Files {
		at := report.Path{"storage", "files", i}
		orig := p.cfg.Storage.Files[i].Path
		if err := check(f.Node, at, func(st rootfs.Stat) error {
			if boolOr(f.Overwrite, false) {
				return nil
			}
			if !st.IsRegular() {
				return stages.Errorf(at, orig, "a %s is in the way and overwrite is false", describe(st))
			}
			if hasSource(f.Contents) {
				return stages.Errorf(at.Append("overwrite"), orig, "the file already exists; set overwrite to true to replace it")
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for i, l := range s.Links {
		at := report.Path{"storage", "links", i}
		orig := p.cfg.Storage.Links[i].Path
		if err := check(l.Node, at, func(st rootfs.Stat) error {
			if boolOr(l.Overwrite, false) {
				return nil
			}
			same, err := p.sameLink(l.Path, str(l.Target), boolOr(l.Hard, false), st)
			if err != nil {
				return stages.Errorf(at, orig, "%w", err)
			}
			if !same {
				return stages.Errorf(at, orig, "a %s is in the way and overwrite is false", describe(st))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// checkParents fails when something other than a directory stands where
// one of real's parent directories must be (and no directory entry of the
// config with overwrite replaces it).
func (p *provisioner) checkParents(real string, replaced, checked map[string]bool) error {
	if checked[path.Dir(real)] {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(real, "/"), "/")
	for i := 1; i < len(parts); i++ {
		dir := "/" + strings.Join(parts[:i], "/")
		if checked[dir] {
			continue
		}
		st, exists, err := p.root.Lstat(dir)
		if err != nil {
			return err
		}
		if !exists {
			checked[path.Dir(real)] = true
			return nil // the rest is created
		}
		if st.IsDir() || replaced[dir] {
			checked[dir] = true
			continue
		}
		return fmt.Errorf("a %s is in the way of the parent directory %s", describe(st), stages.QuoteIfNeeded(dir))
	}
	return nil
}

// checkUserGroups makes sure every user's primary and supplementary
// groups exist in the root or are created by the config, so useradd does
// not fail after other accounts were made.
func (p *provisioner) checkUserGroups() error {
	accts, err := readAccounts(p.root)
	if err != nil {
		return err
	}
	groups := map[string]bool{}
	for name := range accts.groups {
		groups[name] = true
	}
	for _, g := range p.cfg.Passwd.Groups {
		groups[g.Name] = boolOr(g.ShouldExist, true)
	}
	known := func(g string) bool {
		if groups[g] {
			return true
		}
		_, numeric := parseID(g)
		return numeric
	}
	for i, u := range p.cfg.Passwd.Users {
		if !boolOr(u.ShouldExist, true) {
			continue
		}
		at := report.Path{"passwd", "users", i}
		if pg := str(u.PrimaryGroup); pg != "" && !known(pg) {
			return stages.Errorf(at.Append("primaryGroup"), u.Name, "group %q does not exist in the target and the config does not create it", pg)
		}
		for j, g := range u.Groups {
			if !known(g) {
				return stages.Errorf(at.Append("groups", j), u.Name, "group %q does not exist in the target and the config does not create it", g)
			}
		}
	}
	return nil
}

// parseID reports whether s is a numeric id (useradd accepts those for
// groups).
func parseID(s string) (int, bool) {
	n := 0
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
