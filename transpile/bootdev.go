package transpile

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

type bootDevice struct {
	Layout *string    `json:"layout"`
	Luks   bootLuks   `json:"luks"`
	Mirror bootMirror `json:"mirror"`
}

type bootLuks struct {
	Device    *string       `json:"device"`
	Tang      []config.Tang `json:"tang"`
	Tpm2      *bool         `json:"tpm2"`
	Threshold *int          `json:"threshold"`
	Discard   *bool         `json:"discard"`
	Cex       config.Cex    `json:"cex"`
}

type bootMirror struct {
	Devices []string `json:"devices"`
}

// partSpec is one partition of a mirrored boot disk layout.
type partSpec struct {
	label    string
	sizeMiB  int // 0: the rest of the disk
	typeGUID string
}

const (
	biosBootType = "21686148-6449-6E6F-744E-656564454649"
	espType      = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
	prepType     = "9E1A2D38-C612-4316-AA26-8B49521E5A8B"
)

// bootLayouts: the partitions each architecture's boot disk needs, in order.
var bootLayouts = map[string][]partSpec{
	"x86_64":     {{"bios", 1, biosBootType}, {"esp", 127, espType}, {"boot", 384, ""}, {"root", 0, ""}},
	"aarch64":    {{"esp", 127, espType}, {"boot", 384, ""}, {"root", 0, ""}},
	"ppc64le":    {{"prep", 4, prepType}, {"boot", 384, ""}, {"root", 0, ""}},
	"s390x-eckd": {{"boot", 384, ""}, {"root", 0, ""}},
	"s390x-zfcp": {{"boot", 384, ""}, {"root", 0, ""}},
	"s390x-virt": {{"boot", 384, ""}, {"root", 0, ""}},
}

// applyBootDevice turns boot_device into the disks, RAID arrays, LUKS
// volume and filesystems it stands for.
func (d *decoder) applyBootDevice(cfg *config.Config, n *yaml.Node) {
	var bd bootDevice
	base := report.Path{"boot_device"}
	before := len(d.rep.Entries)
	d.decode(n, reflect.ValueOf(&bd).Elem(), base, "bootDevice")
	if len(d.rep.Entries) > before && d.rep.IsFatal() {
		return
	}
	layout := "x86_64"
	if bd.Layout != nil {
		layout = *bd.Layout
	}
	if _, ok := bootLayouts[layout]; !ok {
		d.errorAt(n, base.Append("layout"), "unknown boot_device layout %q (known: x86_64, aarch64, ppc64le, s390x-eckd, s390x-zfcp, s390x-virt)", layout)
		return
	}
	if strings.HasPrefix(layout, "s390x") && !d.vv.has(featS390x) {
		d.errorAt(n, base.Append("layout"), "layout %s is not available in %s", layout, d.name)
		return
	}
	if bd.Luks.Discard != nil && !d.vv.has(featBootDiscard) {
		d.errorAt(n, base.Append("luks", "discard"), "boot_device.luks.discard is not available in %s", d.name)
		return
	}
	if bd.Luks.Cex.Enabled != nil && !d.vv.has(featBootCex) {
		d.errorAt(n, base.Append("luks", "cex"), "boot_device.luks.cex is not available in %s", d.name)
		return
	}
	for _, t := range bd.Luks.Tang {
		if t.Advertisement != nil && d.vv.spec.Less(config.V3_4) {
			d.errorAt(n, base.Append("luks", "tang"), "tang advertisement is not available in %s", d.name)
			return
		}
	}
	mark := d.marker(n)
	rootDev := "/dev/disk/by-partlabel/root"
	if bd.Luks.Device != nil {
		rootDev = *bd.Luks.Device
	}
	if len(bd.Mirror.Devices) > 0 {
		if len(bd.Mirror.Devices) < 2 {
			d.errorAt(n, base.Append("mirror", "devices"), "a mirror needs at least two devices")
			return
		}
		d.mirror(cfg, layout, bd.Mirror.Devices, mark)
		rootDev = "/dev/md/md-root"
	}
	luksOn := bd.Luks.Tpm2 != nil && *bd.Luks.Tpm2 || len(bd.Luks.Tang) > 0 || bd.Luks.Cex.Enabled != nil && *bd.Luks.Cex.Enabled
	st := &cfg.Storage
	switch {
	case luksOn:
		mark("luks", len(st.Luks))
		d.copyPositions(pathKey(base.Append("luks")), pathKey(report.Path{"storage", "luks", len(st.Luks), "clevis"}))
		st.Luks = append(st.Luks, bootLuksVolume(bd.Luks, rootDev))
		mark("filesystems", len(st.Filesystems))
		st.Filesystems = append(st.Filesystems, rootFilesystem("/dev/mapper/root"))
	case len(bd.Mirror.Devices) > 0:
		mark("filesystems", len(st.Filesystems))
		st.Filesystems = append(st.Filesystems, rootFilesystem(rootDev))
	}
}

// marker returns a function recording that a generated list entry came
// from node n.
func (d *decoder) marker(n *yaml.Node) func(list string, i int) {
	return func(list string, i int) {
		d.mark(report.Path{"storage", list, i}, n)
	}
}

func bootLuksVolume(l bootLuks, device string) config.Luks {
	v := config.Luks{
		Name:       "root",
		Label:      ptr("luks-root"),
		Device:     &device,
		WipeVolume: ptr(true),
		Discard:    l.Discard,
	}
	if l.Cex.Enabled != nil && *l.Cex.Enabled {
		v.Cex = l.Cex
		return v
	}
	v.Clevis = config.Clevis{Tpm2: l.Tpm2, Tang: l.Tang, Threshold: l.Threshold}
	return v
}

func rootFilesystem(device string) config.Filesystem {
	return config.Filesystem{Device: device, Format: ptr("xfs"), Label: ptr("root"), WipeFilesystem: ptr(true)}
}

// mirror partitions every device alike and builds RAID1 arrays for /boot
// and the root filesystem.
func (d *decoder) mirror(cfg *config.Config, layout string, devices []string, mark func(string, int)) {
	st := &cfg.Storage
	var boots, roots []string
	for i, dev := range devices {
		disk := config.Disk{Device: dev, WipeTable: ptr(true)}
		for _, p := range bootLayouts[layout] {
			label := fmt.Sprintf("%s-%d", p.label, i+1)
			part := config.Partition{Label: ptr(label)}
			if p.sizeMiB > 0 {
				part.SizeMiB = ptr(p.sizeMiB)
			}
			if p.typeGUID != "" {
				part.TypeGUID = ptr(p.typeGUID)
			}
			disk.Partitions = append(disk.Partitions, part)
		}
		boots = append(boots, fmt.Sprintf("/dev/disk/by-partlabel/boot-%d", i+1))
		roots = append(roots, fmt.Sprintf("/dev/disk/by-partlabel/root-%d", i+1))
		mark("disks", len(st.Disks))
		st.Disks = append(st.Disks, disk)
	}
	mark("raid", len(st.Raid))
	st.Raid = append(st.Raid, config.Raid{Name: "md-boot", Level: ptr("raid1"), Devices: boots, Options: []string{"--metadata=1.0"}})
	mark("raid", len(st.Raid))
	st.Raid = append(st.Raid, config.Raid{Name: "md-root", Level: ptr("raid1"), Devices: roots})
	mark("filesystems", len(st.Filesystems))
	st.Filesystems = append(st.Filesystems, config.Filesystem{Device: "/dev/md/md-boot", Format: ptr("ext4"), Label: ptr("boot"), WipeFilesystem: ptr(true)})
}

// copyPositions makes the generated paths below to point at the YAML nodes
// recorded below from, so that validation of, say, a tang URL inside the
// generated LUKS volume lands on the boot_device line that wrote it.
func (d *decoder) copyPositions(from, to string) {
	for k, p := range d.where {
		if rest, ok := strings.CutPrefix(k, from); ok && rest != "" {
			d.where[to+rest] = p
		}
	}
}
