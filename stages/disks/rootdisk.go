package disks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/kcmdline"
)

// LeavesRootAlone reports whether the storage section is sure to leave
// alone every disk under the root filesystem that the kernel command
// line's root= names. When it is, the boot checks and mounts the root
// while the disks stage works on the other disks; when it is not, or when
// that cannot be told (an unusual root=, a device that cannot be traced to
// a disk), it says why and the root waits for the disks stage.
func LeavesRootAlone(ctx context.Context, st config.Storage, cmdline string) (bool, string) {
	if noStorage(st) {
		return true, "the config has no storage to set up"
	}
	root := rootDevice(cmdline)
	if root == "" {
		return false, "root= names no device path this check understands"
	}
	if err := waitForDevice(ctx, root); err != nil {
		return false, err.Error()
	}
	rootDisks, err := disksUnder(root)
	if err != nil {
		return false, err.Error()
	}
	var refs []string
	for _, d := range st.Disks {
		// The stage waits for these too; they normally appear with the root.
		if err := waitForDevice(ctx, d.Device); err != nil {
			return false, err.Error()
		}
		refs = append(refs, d.Device)
	}
	r := resolver{made: madeDevices(st), seen: map[string]bool{}}
	for _, rd := range st.Raid {
		refs = append(refs, rd.Devices...)
	}
	for _, l := range st.Luks {
		refs = append(refs, str(l.Device))
	}
	for _, f := range st.Filesystems {
		refs = append(refs, f.Device)
	}
	for _, ref := range refs {
		disks, err := r.disks(ref)
		if err != nil {
			return false, err.Error()
		}
		for d := range disks {
			if rootDisks[d] {
				return false, fmt.Sprintf("%s is on /dev/%s, which holds the root %s", ref, d, root)
			}
		}
	}
	return true, "no storage entry is on the root's disks"
}

// rootDevice turns root= into a device path: /dev/... as it is, and
// LABEL=, UUID=, PARTUUID= and PARTLABEL= into udev's /dev/disk links.
// Values udev would have to escape are left out ("").
func rootDevice(cmdline string) string {
	root, _ := kcmdline.Value(cmdline, "root")
	links := map[string]string{"LABEL=": "by-label", "UUID=": "by-uuid", "PARTUUID=": "by-partuuid", "PARTLABEL=": "by-partlabel"}
	for prefix, dir := range links {
		if v, ok := strings.CutPrefix(root, prefix); ok {
			if v == "" || !udevPlain(v) {
				return ""
			}
			return "/dev/disk/" + dir + "/" + v
		}
	}
	if strings.HasPrefix(root, "/dev/") {
		return root
	}
	return ""
}

// udevPlain reports whether udev names a /dev/disk link after v as it is:
// it escapes every byte but letters, digits, "#+-.:=@_" and UTF-8
// sequences, and Kindling does not guess its escapes.
func udevPlain(v string) bool {
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("#+-.:=@_", r):
		case r >= 0x80 && r != utf8.RuneError:
		default:
			return false
		}
	}
	return true
}

// madeDevices maps the device paths the storage section creates (new
// partitions' by-partlabel links and, for numbered ones, kernel names;
// arrays; LUKS mappings) to the devices they are made from. The config's
// disks must exist.
func madeDevices(st config.Storage) map[string][]string {
	made := map[string][]string{}
	for _, d := range st.Disks {
		for _, p := range d.Partitions {
			if l := str(p.Label); l != "" {
				made["/dev/disk/by-partlabel/"+gptLabel(l)] = append(made["/dev/disk/by-partlabel/"+gptLabel(l)], d.Device)
			}
			if p.Number > 0 {
				if node, err := partitionPath(d.Device, p.Number); err == nil {
					made[node] = append(made[node], d.Device)
				}
			}
		}
	}
	for _, r := range st.Raid {
		made[mdPath(r.Name)] = r.Devices
	}
	for _, l := range st.Luks {
		made["/dev/mapper/"+l.Name] = []string{str(l.Device)}
		made["/dev/disk/by-id/dm-name-"+l.Name] = []string{str(l.Device)}
	}
	return made
}

// resolver traces config device paths to the whole disks under them.
type resolver struct {
	made map[string][]string
	seen map[string]bool // the paths being traced: a config whose devices loop fails
}

// disks returns the kernel names of the disks under ref: through the
// device itself when it exists, else through what the config makes it of.
func (r resolver) disks(ref string) (map[string]bool, error) {
	if _, err := os.Stat(ref); err == nil {
		return disksUnder(ref)
	}
	from, ok := r.made[ref]
	if !ok || r.seen[ref] {
		return nil, fmt.Errorf("%s does not exist yet and is not made by the config", ref)
	}
	r.seen[ref] = true
	defer delete(r.seen, ref)
	all := map[string]bool{}
	for _, f := range from {
		d, err := r.disks(f)
		if err != nil {
			return nil, err
		}
		for k := range d {
			all[k] = true
		}
	}
	return all, nil
}

// disksUnder returns the kernel names of the whole disks a block device
// lives on: a partition's disk, and for device-mapper and md devices the
// disks of every device they are built from.
func disksUnder(path string) (map[string]bool, error) {
	name, err := sysName(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	var walk func(name string, depth int) error
	walk = func(name string, depth int) error {
		if depth > 16 {
			return fmt.Errorf("/dev/%s: too many stacked devices", name)
		}
		dir := filepath.Join("/sys/class/block", name)
		if _, err := os.Stat(filepath.Join(dir, "partition")); err == nil {
			real, err := filepath.EvalSymlinks(dir)
			if err != nil {
				return err
			}
			return walk(filepath.Base(filepath.Dir(real)), depth+1)
		}
		slaves, _ := os.ReadDir(filepath.Join(dir, "slaves"))
		if len(slaves) == 0 {
			out[name] = true
			return nil
		}
		for _, s := range slaves {
			if err := walk(s.Name(), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(name, 0)
}
