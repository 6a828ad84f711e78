package config

import "strconv"

// Merge returns the config that results from merging child into parent, the
// way ignition.config.merge combines a referenced config with the config that
// references it. The rules follow the Ignition spec's documented merge
// semantics:
//
//   - A scalar set in the child replaces the parent's; one the child leaves
//     unset keeps the parent's value.
//   - Objects merge field by field, recursively.
//   - Lists of objects merge by key: an item whose key the child repeats is
//     merged with the child's item in place; parent items keep their order and
//     child items with new keys are appended in the child's order. The keys
//     are: files, directories and links by path, in ONE key space shared by
//     the three lists (a child entry at a path replaces a parent entry of
//     another kind there, which is removed from its list); units and dropins
//     by name; users and groups by name; disks by device; partitions by
//     number, or by label when the number is 0; filesystems by device; raid
//     and luks volumes by name; tang servers by url; config references, CAs
//     and other resources by source; HTTP headers by name, where a child
//     header without a value removes the parent's header of that name.
//   - Lists of plain values (SSH keys, a user's groups, noProxy, RAID
//     devices, LUKS open options) are sets: the parent's values are kept and
//     the child's values the parent lacks are appended.
//   - Lists that are command arguments (filesystem options and mountOptions,
//     raid options, luks options) and file append fragments are concatenated,
//     parent first, since repeating an argument or a fragment can matter.
//   - kernelArguments.shouldExist and shouldNotExist share one key space: a
//     child argument in one list removes the same argument from the parent's
//     other list, so the child's wish wins.
//
// ignition.config.merge and ignition.config.replace of the child are merged
// by the same rules; following them is the renderer's job, not Merge's. Both
// configs are normally of the canonical version (Parse translates every
// config to it); if they declare different versions the result declares the
// newer one, whose rules accept the fields of both since versions only add.
//
// Merge works on Config values, not on source text, so report positions do
// not carry over: validate the result with Validate, whose entries have paths
// but no line and column. Neither input is modified; the result may share
// pointed-to scalars with them, so treat all three as read-only or copy.
func Merge(parent, child Config) Config {
	return Config{
		Ignition:        mergeIgnition(parent.Ignition, child.Ignition),
		KernelArguments: mergeKernelArguments(parent.KernelArguments, child.KernelArguments),
		Passwd:          mergePasswd(parent.Passwd, child.Passwd),
		Storage:         mergeStorage(parent.Storage, child.Storage),
		Systemd:         Systemd{Units: mergeKeyed(parent.Systemd.Units, child.Systemd.Units, unitKey, mergeUnit)},
	}
}

// --- generic rules ---

// pick is the scalar rule: the child's value when set, else the parent's.
func pick[T any](parent, child *T) *T {
	if child != nil {
		return child
	}
	return parent
}

// mergeKeyed merges two lists of objects by key. A parent item the child
// repeats is merged with the child's item (the last one, should the child
// repeat a key) and stays at the parent's position; child items with keys
// the parent lacks are appended in order.
func mergeKeyed[T any](parent, child []T, key func(T) string, merge func(p, c T) T) []T {
	if len(parent)+len(child) == 0 {
		return nil
	}
	childByKey := make(map[string]int, len(child))
	for i, c := range child {
		childByKey[key(c)] = i
	}
	parentKeys := make(map[string]bool, len(parent))
	out := make([]T, 0, len(parent)+len(child))
	for _, p := range parent {
		k := key(p)
		parentKeys[k] = true
		if i, ok := childByKey[k]; ok {
			out = append(out, merge(p, child[i]))
		} else {
			out = append(out, p)
		}
	}
	for _, c := range child {
		if !parentKeys[key(c)] {
			out = append(out, c)
		}
	}
	return out
}

// mergeSet merges lists of plain values as sets: parent values first, then
// child values the parent lacks.
func mergeSet(parent, child []string) []string {
	return mergeKeyed(parent, child, identity, takeChild)
}

// concat is the rule for argument lists: everything, parent first.
func concat[T any](parent, child []T) []T {
	if len(parent)+len(child) == 0 {
		return nil
	}
	out := make([]T, 0, len(parent)+len(child))
	return append(append(out, parent...), child...)
}

func identity(s string) string     { return s }
func takeChild(_, c string) string { return c }

// --- ignition ---

func mergeIgnition(p, c Ignition) Ignition {
	return Ignition{
		Config: IgnitionConfig{
			Merge:   mergeKeyed(p.Config.Merge, c.Config.Merge, resourceKey, mergeResource),
			Replace: mergeResource(p.Config.Replace, c.Config.Replace),
		},
		Proxy: Proxy{
			HTTPProxy:  pick(p.Proxy.HTTPProxy, c.Proxy.HTTPProxy),
			HTTPSProxy: pick(p.Proxy.HTTPSProxy, c.Proxy.HTTPSProxy),
			NoProxy:    mergeSet(p.Proxy.NoProxy, c.Proxy.NoProxy),
		},
		Security: Security{TLS: TLS{
			CertificateAuthorities: mergeKeyed(p.Security.TLS.CertificateAuthorities, c.Security.TLS.CertificateAuthorities, resourceKey, mergeResource),
		}},
		Timeouts: Timeouts{
			HTTPResponseHeaders: pick(p.Timeouts.HTTPResponseHeaders, c.Timeouts.HTTPResponseHeaders),
			HTTPTotal:           pick(p.Timeouts.HTTPTotal, c.Timeouts.HTTPTotal),
		},
		Version: mergeVersion(p.Version, c.Version),
	}
}

// mergeVersion keeps the newer of two readable versions. Otherwise the
// scalar rule applies (the child's when set), so an unreadable version is
// kept for Validate to report.
func mergeVersion(p, c string) string {
	pv, perr := ParseVersion(p)
	cv, cerr := ParseVersion(c)
	if c == "" || (perr == nil && cerr == nil && cv.Less(pv)) {
		return p
	}
	return c
}

func resourceKey(r Resource) string {
	if r.Source == nil {
		return ""
	}
	return *r.Source
}

func mergeResource(p, c Resource) Resource {
	return Resource{
		Compression:  pick(p.Compression, c.Compression),
		HTTPHeaders:  mergeHeaders(p.HTTPHeaders, c.HTTPHeaders),
		Source:       pick(p.Source, c.Source),
		Verification: Verification{Hash: pick(p.Verification.Hash, c.Verification.Hash)},
	}
}

// mergeHeaders merges by name; a child header without a value deletes the
// parent's header of that name instead of merging with it.
func mergeHeaders(parent, child []HTTPHeader) []HTTPHeader {
	deleted := make(map[string]bool)
	for _, c := range child {
		deleted[c.Name] = c.Value == nil
	}
	merged := mergeKeyed(parent, child, headerKey, mergeHeader)
	out := merged[:0:0]
	for i, h := range merged {
		fromParent := i < len(parent) // mergeKeyed keeps parent items first
		if fromParent && deleted[h.Name] {
			continue
		}
		out = append(out, h)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func headerKey(h HTTPHeader) string { return h.Name }

func mergeHeader(p, c HTTPHeader) HTTPHeader {
	return HTTPHeader{Name: c.Name, Value: pick(p.Value, c.Value)}
}

// --- kernel arguments ---

// mergeKernelArguments treats the two lists as one key space: an argument
// the child puts in one list is dropped from the parent's other list, so the
// child's wish wins; within a list the set rule applies.
func mergeKernelArguments(p, c KernelArguments) KernelArguments {
	return KernelArguments{
		ShouldExist:    mergeSet(movedAway(p.ShouldExist, c.ShouldNotExist, c.ShouldExist), c.ShouldExist),
		ShouldNotExist: mergeSet(movedAway(p.ShouldNotExist, c.ShouldExist, c.ShouldNotExist), c.ShouldNotExist),
	}
}

// movedAway returns the parent's list without the arguments the child names
// in the other list (unless the child also keeps them in this one).
func movedAway(parent, childOther, childSame []string) []string {
	if len(childOther) == 0 {
		return parent
	}
	drop := make(map[string]bool, len(childOther))
	for _, a := range childOther {
		drop[a] = true
	}
	for _, a := range childSame {
		delete(drop, a)
	}
	var out []string
	for _, a := range parent {
		if !drop[a] {
			out = append(out, a)
		}
	}
	return out
}

// --- passwd ---

func mergePasswd(p, c Passwd) Passwd {
	return Passwd{
		Groups: mergeKeyed(p.Groups, c.Groups, groupKey, mergeGroup),
		Users:  mergeKeyed(p.Users, c.Users, userKey, mergeUser),
	}
}

func groupKey(g PasswdGroup) string { return g.Name }
func userKey(u PasswdUser) string   { return u.Name }

func mergeGroup(p, c PasswdGroup) PasswdGroup {
	return PasswdGroup{
		Gid:          pick(p.Gid, c.Gid),
		Name:         c.Name,
		PasswordHash: pick(p.PasswordHash, c.PasswordHash),
		ShouldExist:  pick(p.ShouldExist, c.ShouldExist),
		System:       pick(p.System, c.System),
	}
}

func mergeUser(p, c PasswdUser) PasswdUser {
	return PasswdUser{
		Gecos:             pick(p.Gecos, c.Gecos),
		Groups:            mergeSet(p.Groups, c.Groups),
		HomeDir:           pick(p.HomeDir, c.HomeDir),
		Name:              c.Name,
		NoCreateHome:      pick(p.NoCreateHome, c.NoCreateHome),
		NoLogInit:         pick(p.NoLogInit, c.NoLogInit),
		NoUserGroup:       pick(p.NoUserGroup, c.NoUserGroup),
		PasswordHash:      pick(p.PasswordHash, c.PasswordHash),
		PrimaryGroup:      pick(p.PrimaryGroup, c.PrimaryGroup),
		ShouldExist:       pick(p.ShouldExist, c.ShouldExist),
		SSHAuthorizedKeys: mergeSet(p.SSHAuthorizedKeys, c.SSHAuthorizedKeys),
		Shell:             pick(p.Shell, c.Shell),
		System:            pick(p.System, c.System),
		UID:               pick(p.UID, c.UID),
	}
}

// --- systemd ---

func unitKey(u Unit) string     { return u.Name }
func dropinKey(d Dropin) string { return d.Name }

func mergeUnit(p, c Unit) Unit {
	return Unit{
		Contents: pick(p.Contents, c.Contents),
		Dropins:  mergeKeyed(p.Dropins, c.Dropins, dropinKey, mergeDropin),
		Enabled:  pick(p.Enabled, c.Enabled),
		Mask:     pick(p.Mask, c.Mask),
		Name:     c.Name,
	}
}

func mergeDropin(p, c Dropin) Dropin {
	return Dropin{Contents: pick(p.Contents, c.Contents), Name: c.Name}
}

// --- storage ---

func mergeStorage(p, c Storage) Storage {
	files, dirs, links := mergeNodes(p, c)
	return Storage{
		Directories: dirs,
		Disks:       mergeKeyed(p.Disks, c.Disks, diskKey, mergeDisk),
		Files:       files,
		Filesystems: mergeKeyed(p.Filesystems, c.Filesystems, filesystemKey, mergeFilesystem),
		Links:       links,
		Luks:        mergeKeyed(p.Luks, c.Luks, luksKey, mergeLuks),
		Raid:        mergeKeyed(p.Raid, c.Raid, raidKey, mergeRaid),
	}
}

// mergeNodes merges files, directories and links in one key space, the
// path: same-kind entries merge as usual, and a parent entry whose path the
// child uses for another kind of node is dropped (the child's entry is then
// new to its own list and appended there).
func mergeNodes(p, c Storage) (files []File, dirs []Directory, links []Link) {
	childKind := make(map[string]byte, len(c.Files)+len(c.Directories)+len(c.Links))
	for _, d := range c.Directories {
		childKind[d.Path] = 'd'
	}
	for _, f := range c.Files {
		childKind[f.Path] = 'f'
	}
	for _, l := range c.Links {
		childKind[l.Path] = 'l'
	}
	files = mergeKeyed(keepUnlessOther(p.Files, fileKey, childKind, 'f'), c.Files, fileKey, mergeFile)
	dirs = mergeKeyed(keepUnlessOther(p.Directories, dirKey, childKind, 'd'), c.Directories, dirKey, mergeDirectory)
	links = mergeKeyed(keepUnlessOther(p.Links, linkKey, childKind, 'l'), c.Links, linkKey, mergeLink)
	return files, dirs, links
}

// keepUnlessOther drops the parent items whose path the child claims for a
// node of another kind. A path the child lists under several kinds (an
// invalid child) counts as the kind of its last list in the order
// directories, files, links.
func keepUnlessOther[T any](parent []T, key func(T) string, childKind map[string]byte, kind byte) []T {
	var out []T
	for _, item := range parent {
		if k, ok := childKind[key(item)]; ok && k != kind {
			continue
		}
		out = append(out, item)
	}
	return out
}

func fileKey(f File) string             { return f.Path }
func dirKey(d Directory) string         { return d.Path }
func linkKey(l Link) string             { return l.Path }
func diskKey(d Disk) string             { return d.Device }
func filesystemKey(f Filesystem) string { return f.Device }
func luksKey(l Luks) string             { return l.Name }
func raidKey(r Raid) string             { return r.Name }
func tangKey(t Tang) string             { return t.URL }

// partitionKey is the number, or the label for number 0 ("next free").
// Unnumbered partitions without a label all share the empty key, as in the
// spec's merge rules.
func partitionKey(p Partition) string {
	switch {
	case p.Number != 0:
		return "number:" + strconv.Itoa(p.Number)
	case p.Label != nil:
		return "label:" + *p.Label
	}
	return ""
}

func mergeNode(p, c Node) Node {
	return Node{
		Group:     NodeGroup{ID: pick(p.Group.ID, c.Group.ID), Name: pick(p.Group.Name, c.Group.Name)},
		Overwrite: pick(p.Overwrite, c.Overwrite),
		Path:      c.Path,
		User:      NodeUser{ID: pick(p.User.ID, c.User.ID), Name: pick(p.User.Name, c.User.Name)},
	}
}

func mergeFile(p, c File) File {
	return File{
		Node:     mergeNode(p.Node, c.Node),
		Append:   concat(p.Append, c.Append),
		Contents: mergeResource(p.Contents, c.Contents),
		Mode:     pick(p.Mode, c.Mode),
	}
}

func mergeDirectory(p, c Directory) Directory {
	return Directory{Node: mergeNode(p.Node, c.Node), Mode: pick(p.Mode, c.Mode)}
}

func mergeLink(p, c Link) Link {
	return Link{Node: mergeNode(p.Node, c.Node), Hard: pick(p.Hard, c.Hard), Target: pick(p.Target, c.Target)}
}

func mergeDisk(p, c Disk) Disk {
	return Disk{
		Device:     c.Device,
		Partitions: mergeKeyed(p.Partitions, c.Partitions, partitionKey, mergePartition),
		WipeTable:  pick(p.WipeTable, c.WipeTable),
	}
}

func mergePartition(p, c Partition) Partition {
	return Partition{
		GUID:               pick(p.GUID, c.GUID),
		Label:              pick(p.Label, c.Label),
		Number:             c.Number,
		Resize:             pick(p.Resize, c.Resize),
		ShouldExist:        pick(p.ShouldExist, c.ShouldExist),
		SizeMiB:            pick(p.SizeMiB, c.SizeMiB),
		StartMiB:           pick(p.StartMiB, c.StartMiB),
		TypeGUID:           pick(p.TypeGUID, c.TypeGUID),
		WipePartitionEntry: pick(p.WipePartitionEntry, c.WipePartitionEntry),
	}
}

func mergeFilesystem(p, c Filesystem) Filesystem {
	return Filesystem{
		Device:         c.Device,
		Format:         pick(p.Format, c.Format),
		Label:          pick(p.Label, c.Label),
		MountOptions:   concat(p.MountOptions, c.MountOptions),
		Options:        concat(p.Options, c.Options),
		Path:           pick(p.Path, c.Path),
		UUID:           pick(p.UUID, c.UUID),
		WipeFilesystem: pick(p.WipeFilesystem, c.WipeFilesystem),
	}
}

func mergeRaid(p, c Raid) Raid {
	return Raid{
		Devices: mergeSet(p.Devices, c.Devices),
		Level:   pick(p.Level, c.Level),
		Name:    c.Name,
		Options: concat(p.Options, c.Options),
		Spares:  pick(p.Spares, c.Spares),
	}
}

func mergeLuks(p, c Luks) Luks {
	return Luks{
		Cex: Cex{Enabled: pick(p.Cex.Enabled, c.Cex.Enabled)},
		Clevis: Clevis{
			Custom: ClevisCustom{
				Config:       pick(p.Clevis.Custom.Config, c.Clevis.Custom.Config),
				NeedsNetwork: pick(p.Clevis.Custom.NeedsNetwork, c.Clevis.Custom.NeedsNetwork),
				Pin:          pick(p.Clevis.Custom.Pin, c.Clevis.Custom.Pin),
			},
			Tang:      mergeKeyed(p.Clevis.Tang, c.Clevis.Tang, tangKey, mergeTang),
			Threshold: pick(p.Clevis.Threshold, c.Clevis.Threshold),
			Tpm2:      pick(p.Clevis.Tpm2, c.Clevis.Tpm2),
		},
		Device:      pick(p.Device, c.Device),
		Discard:     pick(p.Discard, c.Discard),
		KeyFile:     mergeResource(p.KeyFile, c.KeyFile),
		Label:       pick(p.Label, c.Label),
		Name:        c.Name,
		OpenOptions: mergeSet(p.OpenOptions, c.OpenOptions),
		Options:     concat(p.Options, c.Options),
		UUID:        pick(p.UUID, c.UUID),
		WipeVolume:  pick(p.WipeVolume, c.WipeVolume),
	}
}

func mergeTang(p, c Tang) Tang {
	return Tang{
		Advertisement: pick(p.Advertisement, c.Advertisement),
		Thumbprint:    pick(p.Thumbprint, c.Thumbprint),
		URL:           c.URL,
	}
}
