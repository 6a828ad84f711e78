package files

import (
	"context"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

// Default modes the spec gives new nodes.
const (
	defaultFileMode = 0o644
	defaultDirMode  = 0o755
)

// node is one storage.files, .directories or .links entry.
type node struct {
	kind  int // kindDir, kindFile, kindLink, kindHardLink: also the order at equal depth
	index int
	depth int
}

const (
	kindDir = iota
	kindFile
	kindLink
	kindHardLink
)

// orderNodes puts parents before children: by path depth, directories
// before files before symlinks at equal depth, config order otherwise.
// Hard links come last, so that their targets (often files of the same
// config) exist.
func orderNodes(s config.Storage) []node {
	var out []node
	depth := func(p string) int { return strings.Count(path.Clean(p), "/") }
	for i, d := range s.Directories {
		out = append(out, node{kindDir, i, depth(d.Path)})
	}
	for i, f := range s.Files {
		out = append(out, node{kindFile, i, depth(f.Path)})
	}
	for i, l := range s.Links {
		k := kindLink
		if boolOr(l.Hard, false) {
			k = kindHardLink
		}
		out = append(out, node{k, i, depth(l.Path)})
	}
	sort.SliceStable(out, func(a, b int) bool {
		ha, hb := out[a].kind == kindHardLink, out[b].kind == kindHardLink
		if ha != hb {
			return hb
		}
		if out[a].depth != out[b].depth {
			return out[a].depth < out[b].depth
		}
		return out[a].kind < out[b].kind
	})
	return out
}

// checkOwners makes sure every node path is usable and every owner named
// in the config will exist once users and groups are created, so a typo
// fails before the first write.
func (p *provisioner) checkOwners(context.Context) error {
	accts, err := readAccounts(p.root)
	if err != nil {
		return err
	}
	users, groups := map[string]bool{}, map[string]bool{}
	for n := range accts.users {
		users[n] = true
	}
	for n := range accts.groups {
		groups[n] = true
	}
	for _, g := range p.cfg.Passwd.Groups {
		groups[g.Name] = boolOr(g.ShouldExist, true)
	}
	for _, u := range p.cfg.Passwd.Users {
		exists := boolOr(u.ShouldExist, true)
		users[u.Name] = exists
		if exists && !boolOr(u.NoUserGroup, false) && u.PrimaryGroup == nil {
			if _, known := groups[u.Name]; !known {
				groups[u.Name] = true // useradd makes a group named after the user
			}
		}
	}
	check := func(n config.Node, path report.Path) error {
		if !strings.HasPrefix(n.Path, "/") {
			return stages.Errorf(path.Append("path"), n.Path, "the path must be absolute")
		}
		if name := str(n.User.Name); name != "" && n.User.ID == nil && !users[name] {
			return stages.Errorf(path.Append("user", "name"), n.Path, "user %q does not exist in the target and the config does not create it", name)
		}
		if name := str(n.Group.Name); name != "" && n.Group.ID == nil && !groups[name] {
			return stages.Errorf(path.Append("group", "name"), n.Path, "group %q does not exist in the target and the config does not create it", name)
		}
		return nil
	}
	s := p.cfg.Storage
	for i := range s.Files {
		if err := check(s.Files[i].Node, report.Path{"storage", "files", i}); err != nil {
			return err
		}
	}
	for i := range s.Directories {
		if err := check(s.Directories[i].Node, report.Path{"storage", "directories", i}); err != nil {
			return err
		}
	}
	for i, l := range s.Links {
		path := report.Path{"storage", "links", i}
		if err := check(l.Node, path); err != nil {
			return err
		}
		if str(l.Target) == "" {
			return stages.Errorf(path.Append("target"), l.Path, "a link needs a target")
		}
	}
	return nil
}

// nodes writes directories, files and links in dependency order.
func (p *provisioner) nodes(context.Context) error {
	s := p.cfg.Storage
	if len(s.Files)+len(s.Directories)+len(s.Links) == 0 {
		return nil
	}
	accts, err := readAccounts(p.root) // now including the users just made
	if err != nil {
		return err
	}
	p.accts = accts
	order := orderNodes(p.storage)
	done := 0
	for len(order) > 0 {
		n := batchLen(order, p.storage)
		var err error
		if n > 1 {
			err = p.filesInParallel(order[:n])
		} else {
			err = p.node(order[0])
		}
		if err != nil {
			return err
		}
		if (done+n)/500 != done/500 {
			p.status("files: %d nodes written", done+n)
		}
		done += n
		order = order[n:]
	}
	p.status("files: %d nodes written", done)
	p.env.Log.Info("wrote nodes", "files", len(s.Files), "directories", len(s.Directories), "links", len(s.Links))
	return nil
}

func (p *provisioner) node(nd node) error {
	switch nd.kind {
	case kindDir:
		return p.directory(nd.index)
	case kindFile:
		return p.file(nd.index)
	default:
		return p.link(nd.index)
	}
}

// writers is how many files are written at once. Creating files is mostly
// filesystem work in the kernel, which overlaps well across a few threads.
const writers = 4

// batchLen returns how many nodes from the start of order can be written
// at once: a run of files at the same depth with distinct paths. None of
// them can be another's parent, and their parents are all done.
func batchLen(order []node, s config.Storage) int {
	first := order[0]
	if first.kind != kindFile {
		return 1
	}
	seen := map[string]bool{}
	n := 0
	for _, nd := range order {
		if nd.kind != kindFile || nd.depth != first.depth {
			break
		}
		p := path.Clean(s.Files[nd.index].Path)
		if seen[p] {
			break
		}
		seen[p] = true
		n++
	}
	return n
}

// filesInParallel writes a batch of files with a few workers and returns
// the error of the earliest failing file in config order.
func (p *provisioner) filesInParallel(batch []node) error {
	errs := make([]error, len(batch))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(writers, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = p.file(batch[i].index)
			}
		}()
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
	var first error
	firstIndex := -1
	for i, err := range errs {
		if err != nil && (firstIndex < 0 || batch[i].index < firstIndex) {
			first, firstIndex = err, batch[i].index
		}
	}
	return first
}

// owner resolves a node's owner and group. Unset parts fall back to def
// (the existing node's owner, or root for a new one).
func (p *provisioner) owner(n config.Node, path report.Path, def rootfs.Owner) (rootfs.Owner, error) {
	o := def
	uid, ok, err := p.accts.uidOf(n.User)
	if err != nil {
		return o, stages.Errorf(path.Append("user"), n.Path, "%w", err)
	}
	if ok {
		o.UID = uid
	}
	gid, ok, err := p.accts.gidOf(n.Group)
	if err != nil {
		return o, stages.Errorf(path.Append("group"), n.Path, "%w", err)
	}
	if ok {
		o.GID = gid
	}
	return o, nil
}

var rootOwner = rootfs.Owner{UID: 0, GID: 0}

func (p *provisioner) directory(i int) error {
	d := p.cfg.Storage.Directories[i]
	e, err := p.look("directories", i, d.Node, p.storage.Directories[i].Path)
	if err != nil {
		return err
	}
	if e.exists && !e.overwrite {
		if !e.st.IsDir() {
			return stages.Errorf(e.path, e.what, "a %s is in the way and overwrite is false", describe(e.st))
		}
		// Keep the directory: only what the config sets changes.
		o, err := p.owner(d.Node, e.path, rootfs.Owner{UID: e.st.UID, GID: e.st.GID})
		if err != nil {
			return err
		}
		return p.adjustKept(e, o, d.Mode)
	}
	if e.exists {
		if err := p.root.RemoveAll(e.at); err != nil {
			return stages.Errorf(e.path.Append("overwrite"), e.what, "%w", err)
		}
	}
	o, err := p.owner(d.Node, e.path, rootOwner)
	if err != nil {
		return err
	}
	mode := uint32(defaultDirMode)
	if d.Mode != nil {
		mode = uint32(*d.Mode)
	}
	if err := p.root.Mkdir(e.at, mode, o); err != nil {
		return stages.Errorf(e.path, e.what, "%w", err)
	}
	return nil
}
func (p *provisioner) file(i int) error {
	f := p.cfg.Storage.Files[i]
	e, err := p.look("files", i, f.Node, p.storage.Files[i].Path)
	if err != nil {
		return err
	}
	contents := p.contents[i]
	keep := e.exists && !e.overwrite
	if keep {
		// Without overwrite an existing file is only kept when the config
		// gives no new contents; then fragments are appended to it.
		if !e.st.IsRegular() {
			return stages.Errorf(e.path, e.what, "a %s is in the way and overwrite is false", describe(e.st))
		}
		if contents != nil {
			return stages.Errorf(e.path.Append("overwrite"), e.what, "the file already exists; set overwrite to true to replace it")
		}
	}
	def, mode := rootOwner, uint32(defaultFileMode)
	if keep {
		def, mode = rootfs.Owner{UID: e.st.UID, GID: e.st.GID}, e.st.Perm()
	}
	if f.Mode != nil {
		mode = uint32(*f.Mode)
	}
	o, err := p.owner(f.Node, e.path, def)
	if err != nil {
		return err
	}
	if keep && !hasAppends(p.appends[i]) {
		return p.adjustKept(e, o, f.Mode)
	}
	readers := make([]io.Reader, 0, 1+len(p.appends[i]))
	for _, b := range append([]*blob{contents}, p.appends[i]...) {
		if b == nil {
			continue
		}
		r, err := b.reader()
		if err != nil {
			return stages.Errorf(e.path, e.what, "%w", err)
		}
		readers = append(readers, r)
	}
	opts := rootfs.WriteOptions{Mode: mode, Owner: o, Append: keep}
	if err := p.root.WriteFileParts(e.at, readers, opts); err != nil {
		return stages.Errorf(e.path, e.what, "%w", err)
	}
	return nil
}
func hasAppends(list []*blob) bool {
	for _, b := range list {
		if b != nil {
			return true
		}
	}
	return false
}

// existing is a node of the config and what is at its place now.
type existing struct {
	at        string      // its path, resolved inside the root
	path      report.Path // the entry's config path
	what      string      // the path as the config gives it, for messages
	st        rootfs.Stat // the node at at, when exists
	exists    bool
	overwrite bool
}

// look finds what is at entry i of list ("directories", "files",
// "links"): n is the entry as the config gives it, at its resolved path.
func (p *provisioner) look(list string, i int, n config.Node, at string) (existing, error) {
	path := report.Path{"storage", list, i}
	st, exists, err := p.root.Lstat(at)
	if err != nil {
		return existing{}, stages.Errorf(path, n.Path, "%w", err)
	}
	return existing{at: at, path: path, what: n.Path, st: st, exists: exists, overwrite: boolOr(n.Overwrite, false)}, nil
}

// adjustKept applies owner and mode to a node the config keeps; only what
// differs from e.st changes.
func (p *provisioner) adjustKept(e existing, o rootfs.Owner, mode *int) error {
	if o.UID != e.st.UID || o.GID != e.st.GID {
		if err := p.root.Chown(e.at, o.UID, o.GID); err != nil {
			return stages.Errorf(e.path, e.what, "%w", err)
		}
	}
	if mode != nil && uint32(*mode) != e.st.Perm() {
		if err := p.root.Chmod(e.at, uint32(*mode)); err != nil {
			return stages.Errorf(e.path.Append("mode"), e.what, "%w", err)
		}
	}
	return nil
}

func (p *provisioner) link(i int) error {
	l := p.cfg.Storage.Links[i]
	e, err := p.look("links", i, l.Node, p.storage.Links[i].Path)
	if err != nil {
		return err
	}
	target := str(l.Target)
	if target == "" {
		return stages.Errorf(e.path.Append("target"), e.what, "a link needs a target")
	}
	hard := boolOr(l.Hard, false)
	if e.exists && !e.overwrite {
		same, err := p.sameLink(e.at, target, hard, e.st)
		if err != nil {
			return stages.Errorf(e.path, e.what, "%w", err)
		}
		if !same {
			return stages.Errorf(e.path, e.what, "a %s is in the way and overwrite is false", describe(e.st))
		}
		if hard {
			return nil // a hard link's owner is its target's
		}
		o, err := p.owner(l.Node, e.path, rootfs.Owner{UID: e.st.UID, GID: e.st.GID})
		if err != nil {
			return err
		}
		return p.adjustKept(e, o, nil)
	}
	if hard {
		if err := p.root.HardLink(target, e.at); err != nil {
			return stages.Errorf(e.path, e.what, "%w", err)
		}
		return nil
	}
	o, err := p.owner(l.Node, e.path, rootOwner)
	if err != nil {
		return err
	}
	if err := p.root.Symlink(target, e.at, o); err != nil {
		return stages.Errorf(e.path, e.what, "%w", err)
	}
	return nil
}

// sameLink reports whether the existing node already is the asked-for link.
func (p *provisioner) sameLink(at, target string, hard bool, st rootfs.Stat) (bool, error) {
	if !hard {
		if !st.IsSymlink() {
			return false, nil
		}
		got, err := p.root.Readlink(at)
		return got == target, err
	}
	tst, ok, err := p.root.Lstat(target)
	if err != nil || !ok {
		return false, err
	}
	return tst.Dev == st.Dev && tst.Ino == st.Ino, nil
}

func describe(st rootfs.Stat) string {
	switch {
	case st.IsDir():
		return "directory"
	case st.IsSymlink():
		return "symlink"
	case st.IsRegular():
		return "regular file"
	}
	return "special file"
}

func (p *provisioner) status(format string, args ...any) { p.env.Progress(format, args...) }
