package transpile

import (
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

// applySugar runs the sugar that adds entries to other lists of cfg, in
// Butane's order: mount units, trees, boot_device, grub.
func (d *decoder) applySugar(cfg *config.Config) {
	d.checkFcosInput(cfg, d.sugar.mountUnits, d.mirrorDevices())
	if len(d.sugar.mountUnits) > 0 {
		d.mountUnits(cfg)
	}
	for _, t := range d.sugar.trees {
		d.applyTrees(cfg, t)
	}
	for _, q := range d.sugar.quadlets {
		d.applyQuadlets(cfg, q)
	}
	if d.sugar.bootDevice != nil {
		d.applyBootDevice(cfg, d.sugar.bootDevice)
	}
	d.checkFcosPartitions(cfg)
	if d.sugar.grub != nil {
		d.applyGrub(cfg, d.sugar.grub)
	}
}

func ptr[T any](v T) *T { return &v }

type tree struct {
	Local    string           `json:"local"`
	Path     *string          `json:"path"`
	User     config.NodeUser  `json:"user"`
	Group    config.NodeGroup `json:"group"`
	FileMode *int             `json:"fileMode"`
	DirMode  *int             `json:"dirMode"`
}

// attrs reports whether the tree sets any ownership or mode of its own.
func (t tree) attrs() bool {
	return t.FileMode != nil || t.DirMode != nil || !reflect.ValueOf(t.User).IsZero() || !reflect.ValueOf(t.Group).IsZero()
}

// applyTrees walks each local directory into files and links below the
// tree's path (default /), as Butane does: an entry the author wrote for
// the same path may only add attributes (a file without contents, a link
// without target); directories become entries only when the tree gives
// them an owner or mode.
func (d *decoder) applyTrees(cfg *config.Config, n *yaml.Node) {
	var trees []tree
	if !d.vv.has(featTreeAttrs) {
		n = d.withoutTreeAttrs(n)
	}
	d.decode(n, reflect.ValueOf(&trees).Elem(), report.Path{"storage", "trees"}, "trees")
	for i, t := range trees {
		tp := report.Path{"storage", "trees", i, "local"}
		clean, err := d.local.clean(t.Local)
		if err != nil {
			d.errorAt(n, tp, "%s", err)
			continue
		}
		dest := "/"
		if t.Path != nil && *t.Path != "" {
			dest = *t.Path
		}
		fsys := d.local.root.FS()
		err = fs.WalkDir(fsys, clean, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel := "."
			if p != clean {
				rel = strings.TrimPrefix(p, clean+"/")
				if clean == "." {
					rel = p
				}
			}
			if rel == "." && !e.IsDir() {
				return fmt.Errorf("%s is not a directory", t.Local)
			}
			// The tree's own directory counts too: with an owner or
			// dir_mode it gets an entry at path, as in Butane.
			if msg := d.treeEntry(cfg, t, path.Join(dest, rel), p, e); msg != "" {
				d.errorAt(n, tp, "tree %q: %s", t.Local, msg)
			}
			return nil
		})
		if err != nil {
			d.errorAt(n, tp, "tree %q: %s", t.Local, explainLocal(t.Local, err))
		}
	}
}

// treeAttrKeys came to trees in fcos 1.7.0.
var treeAttrKeys = map[string]bool{"user": true, "group": true, "file_mode": true, "dir_mode": true}

// withoutTreeAttrs drops the keys of treeAttrKeys from each tree of an
// older dialect version, with the unknown-key warning Butane gives.
func (d *decoder) withoutTreeAttrs(n *yaml.Node) *yaml.Node {
	return d.withoutItemKeys(n, func(k *yaml.Node, i int) bool {
		if !treeAttrKeys[k.Value] {
			return false
		}
		d.unknownKey(k, report.Path{"storage", "trees", i}, "unknown key %q: trees have it from fcos 1.7.0, not in %s", k.Value, d.name)
		return true
	})
}

// withoutItemKeys returns a copy of the list n in which each mapping item
// lacks the keys drop says to drop (given the key node and the item's
// index; it reports them). The source nodes are left as they are.
func (d *decoder) withoutItemKeys(n *yaml.Node, drop func(key *yaml.Node, item int) bool) *yaml.Node {
	list, ok := d.peek(n)
	if !ok || list.Kind != yaml.SequenceNode {
		return n
	}
	out := *list
	out.Content = nil
	for i, item := range list.Content {
		if m, ok := d.peek(item); ok && m.Kind == yaml.MappingNode {
			c := *m
			c.Content = nil
			for j := 0; j+1 < len(m.Content); j += 2 {
				if !drop(m.Content[j], i) {
					c.Content = append(c.Content, m.Content[j], m.Content[j+1])
				}
			}
			item = &c
		}
		out.Content = append(out.Content, item)
	}
	return &out
}

// treeEntry adds one walked entry; it returns a message when the entry
// cannot be added.
func (d *decoder) treeEntry(cfg *config.Config, t tree, dest, local string, e fs.DirEntry) string {
	st := &cfg.Storage
	node := config.Node{Path: dest, User: t.User, Group: t.Group}
	exists := fmt.Sprintf("%s is already in the config", dest)
	switch {
	case e.Type()&fs.ModeSymlink != 0:
		target, err := d.local.root.Readlink(local)
		if err != nil {
			return err.Error()
		}
		for i := range st.Links {
			if l := &st.Links[i]; l.Path == dest {
				if l.Target != nil && *l.Target != "" {
					return exists
				}
				l.Target = &target
				return ""
			}
		}
		if hasPath(st, dest) {
			return exists
		}
		st.Links = append(st.Links, config.Link{Node: node, Target: &target})
	case e.IsDir():
		if t.DirMode == nil && reflect.ValueOf(t.User).IsZero() && reflect.ValueOf(t.Group).IsZero() {
			return ""
		}
		if hasPath(st, dest) {
			return exists
		}
		mode := 0o755
		if t.DirMode != nil {
			mode = *t.DirMode
		}
		st.Directories = append(st.Directories, config.Directory{Node: node, Mode: &mode})
	case e.Type().IsRegular():
		info, err := e.Info()
		if err != nil {
			return err.Error()
		}
		mode := 0o644
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		if t.FileMode != nil {
			mode = *t.FileMode
		}
		return d.treeFile(st, node, local, mode)
	default:
		return fmt.Sprintf("%s is neither a file, a directory nor a symlink", local)
	}
	return ""
}

func (d *decoder) treeFile(st *config.Storage, node config.Node, local string, mode int) string {
	var f *config.File
	for i := range st.Files {
		if st.Files[i].Path == node.Path {
			f = &st.Files[i]
		}
	}
	if f != nil && f.Contents.Source != nil && *f.Contents.Source != "" || f == nil && hasPath(st, node.Path) {
		return fmt.Sprintf("%s is already in the config", node.Path)
	}
	data, err := d.local.read(local)
	if err != nil {
		return err.Error()
	}
	if f == nil {
		st.Files = append(st.Files, config.File{Node: node})
		f = &st.Files[len(st.Files)-1]
	}
	d.setResource(&f.Contents, data)
	if f.Mode == nil {
		f.Mode = &mode
	}
	return ""
}

func hasPath(st *config.Storage, p string) bool {
	for _, f := range st.Files {
		if f.Path == p {
			return true
		}
	}
	for _, x := range st.Directories {
		if x.Path == p {
			return true
		}
	}
	for _, l := range st.Links {
		if l.Path == p {
			return true
		}
	}
	return false
}

// mountUnits renders the .mount and .swap units of with_mount_unit into a
// config of their own, the parent of the author's config.
func (d *decoder) mountUnits(cfg *config.Config) {
	var gen config.Config
	var first *yaml.Node
	for _, m := range d.sugar.mountUnits {
		u, ok := d.mountUnit(cfg, m)
		if !ok {
			continue
		}
		if first == nil {
			first = m.node
		}
		gen.Systemd.Units = append(gen.Systemd.Units, u)
	}
	if len(gen.Systemd.Units) > 0 {
		d.mergeGenerated(cfg, gen, first)
	}
}

// mountUnit makes the unit of one filesystem.
func (d *decoder) mountUnit(cfg *config.Config, m mountUnitReq) (config.Unit, bool) {
	fsys := cfg.Storage.Filesystems[m.index]
	path := report.Path{"storage", "filesystems", m.index, "with_mount_unit"}
	format := ""
	if fsys.Format != nil {
		format = *fsys.Format
	}
	swap := format == "swap" && d.vv.has(featSwapUnit)
	if format == "swap" && !swap && fsys.Path == nil {
		d.errorAt(m.node, path, "swap units from with_mount_unit are not available in %s; give the filesystem a path", d.name)
		return config.Unit{}, false
	}
	if format == "" || !swap && fsys.Path == nil {
		d.errorAt(m.node, path, "with_mount_unit needs both path and format on the filesystem")
		return config.Unit{}, false
	}
	remote := d.vv.has(featRemoteMount) && onTangLuks(cfg, fsys.Device)
	var name, contents string
	if swap {
		name = unit.UnitNamePathEscape(fsys.Device) + ".swap"
		contents = swapContents(fsys, remote)
	} else {
		name = unit.UnitNamePathEscape(*fsys.Path) + ".mount"
		contents = mountContents(fsys, format, remote)
	}
	return config.Unit{Name: name, Enabled: ptr(true), Contents: &contents}, true
}

// onTangLuks reports whether device is a LUKS volume of the config opened
// with a tang server, which needs the network: its mount is a remote one.
func onTangLuks(cfg *config.Config, device string) bool {
	for _, l := range cfg.Storage.Luks {
		if (device == "/dev/mapper/"+l.Name || device == "/dev/disk/by-id/dm-name-"+l.Name) && len(l.Clevis.Tang) > 0 {
			return true
		}
	}
	return false
}

// mountOptions is the Options= line: the filesystem's options, then
// _netdev for a remote mount.
func mountOptions(b *strings.Builder, fsys config.Filesystem, remote bool) {
	opts := append([]string(nil), fsys.MountOptions...)
	if remote {
		opts = append(opts, "_netdev")
	}
	if len(opts) > 0 {
		fmt.Fprintf(b, "\nOptions=%s", strings.Join(opts, ","))
	}
}

// The unit texts are Butane's, byte for byte (no trailing newline), so a
// config moved between the tools renders the same units.
func mountContents(fsys config.Filesystem, format string, remote bool) string {
	var b strings.Builder
	dev := unit.UnitNamePathEscape(fsys.Device)
	fmt.Fprintf(&b, "# Generated by Butane\n[Unit]\nRequires=systemd-fsck@%s.service\nAfter=systemd-fsck@%s.service\n\n", dev, dev)
	fmt.Fprintf(&b, "[Mount]\nWhere=%s\nWhat=%s\nType=%s", *fsys.Path, fsys.Device, format)
	mountOptions(&b, fsys, remote)
	target := "local-fs.target"
	if remote {
		target = "remote-fs.target"
	}
	fmt.Fprintf(&b, "\n\n[Install]\nRequiredBy=%s", target)
	return b.String()
}

func swapContents(fsys config.Filesystem, remote bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by Butane\n[Swap]\nWhat=%s", fsys.Device)
	mountOptions(&b, fsys, remote)
	b.WriteString("\n\n[Install]\nRequiredBy=swap.target")
	return b.String()
}

type grubConfig struct {
	Users []grubUser `json:"users"`
}

type grubUser struct {
	Name         string  `json:"name"`
	PasswordHash *string `json:"passwordHash"`
}

// applyGrub appends the GRUB superusers to /boot/grub2/user.cfg on the boot
// filesystem, in Butane's words.
func (d *decoder) applyGrub(cfg *config.Config, n *yaml.Node) {
	var g grubConfig
	base := report.Path{"grub"}
	d.decode(n, reflect.ValueOf(&g).Elem(), base, "grub")
	if len(g.Users) == 0 {
		return
	}
	var names, cmds []string
	for i, u := range g.Users {
		if u.Name == "" || u.PasswordHash == nil || *u.PasswordHash == "" {
			d.errorAt(n, base.Append("users", i), "each grub user needs name and password_hash")
			return
		}
		names = append(names, u.Name)
		cmds = append(cmds, fmt.Sprintf("password_pbkdf2 %s %s", u.Name, *u.PasswordHash))
	}
	text := fmt.Sprintf("# Generated by Butane\n\nset superusers=\"%s\"\n%s\n", strings.Join(names, " "), strings.Join(cmds, "\n"))
	var gen config.Config
	gen.Storage.Filesystems = []config.Filesystem{{Device: "/dev/disk/by-label/boot", Format: ptr("ext4"), Path: ptr("/boot")}}
	var r config.Resource
	d.setResource(&r, []byte(text))
	gen.Storage.Files = []config.File{{Node: config.Node{Path: "/boot/grub2/user.cfg"}, Append: []config.Resource{r}}}
	d.mergeGenerated(cfg, gen, n)
}
