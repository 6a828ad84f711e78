package transpile

import (
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

// applySugar runs the sugar that adds entries to other lists of cfg.
func (d *decoder) applySugar(cfg *config.Config) {
	for _, t := range d.sugar.trees {
		d.applyTrees(cfg, t)
	}
	for _, m := range d.sugar.mountUnits {
		d.mountUnit(cfg, m)
	}
	if d.sugar.bootDevice != nil {
		d.applyBootDevice(cfg, d.sugar.bootDevice)
	}
	if d.sugar.grub != nil {
		d.applyGrub(cfg, d.sugar.grub)
	}
}

func ptr[T any](v T) *T { return &v }

type tree struct {
	Local string  `json:"local"`
	Path  *string `json:"path"`
}

// applyTrees walks each local directory into files, directories and links
// below the tree's path (default /). Explicit entries win; an explicit file
// without contents takes the tree's contents.
func (d *decoder) applyTrees(cfg *config.Config, n *yaml.Node) {
	var trees []tree
	d.decode(n, reflect.ValueOf(&trees).Elem(), report.Path{"storage", "trees"}, "trees")
	for i, t := range trees {
		tp := report.Path{"storage", "trees", i, "local"}
		clean, err := d.local.clean(t.Local)
		if err != nil {
			d.errorAt(n, tp, "%s", err)
			continue
		}
		dest := "/"
		if t.Path != nil {
			dest = *t.Path
		}
		fsys := d.local.root.FS()
		err = fs.WalkDir(fsys, clean, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(p, clean), "/")
			if rel == "" {
				return nil
			}
			return d.treeEntry(cfg, n, path.Join(dest, rel), p, e)
		})
		if err != nil {
			d.errorAt(n, tp, "tree %q: %s", t.Local, explainLocal(t.Local, err))
		}
	}
}

func (d *decoder) treeEntry(cfg *config.Config, n *yaml.Node, dest, local string, e fs.DirEntry) error {
	st := &cfg.Storage
	switch {
	case e.Type()&fs.ModeSymlink != 0:
		target, err := d.local.root.Readlink(local)
		if err != nil {
			return err
		}
		if !hasPath(st, dest) {
			d.mark(report.Path{"storage", "links", len(st.Links)}, n)
			st.Links = append(st.Links, config.Link{Node: config.Node{Path: dest}, Target: &target})
		}
	case e.IsDir():
		if !hasPath(st, dest) {
			d.mark(report.Path{"storage", "directories", len(st.Directories)}, n)
			st.Directories = append(st.Directories, config.Directory{Node: config.Node{Path: dest}, Mode: ptr(0o755)})
		}
	case e.Type().IsRegular():
		data, err := d.local.root.ReadFile(local)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		mode := 0o644
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		d.treeFile(st, n, dest, data, mode)
	default:
		return fmt.Errorf("%s is neither a file, a directory nor a symlink", local)
	}
	return nil
}

func (d *decoder) treeFile(st *config.Storage, n *yaml.Node, dest string, data []byte, mode int) {
	for i := range st.Files {
		if f := &st.Files[i]; f.Path == dest {
			if f.Contents.Source == nil {
				d.setResource(&f.Contents, data)
			}
			if f.Mode == nil {
				f.Mode = &mode
			}
			return
		}
	}
	if hasPath(st, dest) {
		return
	}
	f := config.File{Node: config.Node{Path: dest}, Mode: &mode}
	d.setResource(&f.Contents, data)
	d.mark(report.Path{"storage", "files", len(st.Files)}, n)
	st.Files = append(st.Files, f)
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

// unitEscape escapes a path the way systemd names mount and swap units.
func unitEscape(p string) string {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0:
			b.WriteString(`\x2e`)
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == ':', c == '_', c == '.':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}

// mountUnit adds the .mount (or .swap) unit for a filesystem.
func (d *decoder) mountUnit(cfg *config.Config, m mountUnitReq) {
	fsys := cfg.Storage.Filesystems[m.index]
	path := report.Path{"storage", "filesystems", m.index, "with_mount_unit"}
	format := ""
	if fsys.Format != nil {
		format = *fsys.Format
	}
	var name, contents string
	switch {
	case format == "swap":
		if !d.vv.has(featSwapUnit) {
			d.errorAt(m.node, path, "swap units from with_mount_unit are not available in %s", d.name)
			return
		}
		name = unitEscape(fsys.Device) + ".swap"
		contents = fmt.Sprintf("# Made by transpile from storage.filesystems (with_mount_unit).\n[Swap]\nWhat=%s\n\n[Install]\nRequiredBy=swap.target\n", fsys.Device)
	case fsys.Path == nil || format == "":
		d.errorAt(m.node, path, "with_mount_unit needs both path and format on the filesystem")
		return
	default:
		name = unitEscape(*fsys.Path) + ".mount"
		contents = mountContents(fsys, format)
	}
	d.mark(report.Path{"systemd", "units", len(cfg.Systemd.Units)}, m.node)
	cfg.Systemd.Units = append(cfg.Systemd.Units, config.Unit{Name: name, Enabled: ptr(true), Contents: &contents})
}

func mountContents(fsys config.Filesystem, format string) string {
	var b strings.Builder
	b.WriteString("# Made by transpile from storage.filesystems (with_mount_unit).\n[Unit]\n")
	dev := unitEscape(fsys.Device)
	if strings.HasPrefix(fsys.Device, "/dev/mapper/") {
		fmt.Fprintf(&b, "Requires=systemd-cryptsetup@%s.service\nAfter=systemd-cryptsetup@%s.service\n",
			strings.TrimPrefix(fsys.Device, "/dev/mapper/"), strings.TrimPrefix(fsys.Device, "/dev/mapper/"))
	}
	fmt.Fprintf(&b, "Requires=systemd-fsck@%s.service\nAfter=systemd-fsck@%s.service\n\n", dev, dev)
	fmt.Fprintf(&b, "[Mount]\nWhere=%s\nWhat=%s\nType=%s\n", *fsys.Path, fsys.Device, format)
	if len(fsys.MountOptions) > 0 {
		fmt.Fprintf(&b, "Options=%s\n", strings.Join(fsys.MountOptions, ","))
	}
	b.WriteString("\n[Install]\nRequiredBy=local-fs.target\n")
	return b.String()
}

type grubConfig struct {
	Users []grubUser `json:"users"`
}

type grubUser struct {
	Name         string  `json:"name"`
	PasswordHash *string `json:"passwordHash"`
}

// applyGrub writes the GRUB superusers file on the boot filesystem.
func (d *decoder) applyGrub(cfg *config.Config, n *yaml.Node) {
	var g grubConfig
	base := report.Path{"grub"}
	d.decode(n, reflect.ValueOf(&g).Elem(), base, "grub")
	if len(g.Users) == 0 {
		return
	}
	var names []string
	var lines strings.Builder
	for i, u := range g.Users {
		if u.Name == "" || u.PasswordHash == nil {
			d.errorAt(n, base.Append("users", i), "each grub user needs name and password_hash")
			return
		}
		names = append(names, u.Name)
		fmt.Fprintf(&lines, "password_pbkdf2 %s %s\n", u.Name, *u.PasswordHash)
	}
	text := fmt.Sprintf("# Made by transpile from grub.users.\nset superusers=%q\n%s", strings.Join(names, " "), lines.String())
	st := &cfg.Storage
	if !hasFilesystemPath(st, "/boot") {
		d.mark(report.Path{"storage", "filesystems", len(st.Filesystems)}, n)
		st.Filesystems = append(st.Filesystems, config.Filesystem{Device: "/dev/disk/by-label/boot", Format: ptr("ext4"), Path: ptr("/boot")})
	}
	f := config.File{Node: config.Node{Path: "/boot/grub2/user.cfg", Overwrite: ptr(true)}, Mode: ptr(0o600)}
	d.setResource(&f.Contents, []byte(text))
	d.mark(report.Path{"storage", "files", len(st.Files)}, n)
	st.Files = append(st.Files, f)
}

func hasFilesystemPath(st *config.Storage, p string) bool {
	for _, f := range st.Filesystems {
		if f.Path != nil && *f.Path == p {
			return true
		}
	}
	return false
}
