package transpile

import (
	"fmt"
	"reflect"
	"regexp"
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

const (
	biosBootType = "21686148-6449-6E6F-744E-656564454649"
	espType      = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
	prepType     = "9E1A2D38-C612-4316-AA26-8B49521E5A8B"
	reservedType = "8DA63339-0007-60C0-C436-083AC8230908"
)

// slot is one of the first two partitions of a mirrored boot disk: the
// firmware partition an architecture needs, or a 1 MiB reserved stand-in
// that keeps the boot and root partitions at the same numbers everywhere.
type slot struct {
	label   string
	sizeMiB int
	guid    string
}

var reservedSlot = slot{"reserved", 1, reservedType}

// bootLayout is what one boot_device.layout means: the two leading
// partitions of a mirrored disk, and the suffix that turns luks.device
// (the whole disk) into the root partition (s390x DASD and zFCP only).
type bootLayout struct {
	first, second slot
	luksSuffix    string
	s390x         bool
}

// bootLayouts follow the OS images' disk layouts, as Butane encodes them.
var bootLayouts = map[string]bootLayout{
	"x86_64":     {first: slot{"bios", 1, biosBootType}, second: slot{"esp", 127, espType}},
	"aarch64":    {first: reservedSlot, second: slot{"esp", 127, espType}},
	"ppc64le":    {first: slot{"prep", 4, prepType}, second: reservedSlot},
	"s390x-eckd": {first: reservedSlot, second: reservedSlot, luksSuffix: "2", s390x: true},
	"s390x-zfcp": {first: reservedSlot, second: reservedSlot, luksSuffix: "4", s390x: true},
	"s390x-virt": {first: reservedSlot, second: reservedSlot, s390x: true},
}

// applyBootDevice turns boot_device into the disks, RAID arrays, LUKS
// volume and filesystems it stands for, rendered as the parent of the
// author's config so that entries the author wrote for the same devices
// merge into them.
func (d *decoder) applyBootDevice(cfg *config.Config, n *yaml.Node) {
	var bd bootDevice
	base := report.Path{"boot_device"}
	before := len(d.rep.Entries)
	d.decode(d.withoutUnavailable(n), reflect.ValueOf(&bd).Elem(), base, "bootDevice")
	if len(d.rep.Entries) > before && d.rep.IsFatal() {
		return
	}
	layout, ok := d.checkBootDevice(n, bd)
	if !ok {
		return
	}
	wantLuks := isTrue(bd.Luks.Tpm2) || len(bd.Luks.Tang) > 0 || isTrue(bd.Luks.Cex.Enabled)
	wantMirror := len(bd.Mirror.Devices) > 0
	if !wantLuks && !wantMirror {
		return
	}
	var gen config.Config
	st := &gen.Storage
	rootDev := "/dev/md/md-root"
	if wantMirror {
		mirror(st, layout, bd.Mirror.Devices)
	}
	if wantLuks {
		luksDev := "/dev/disk/by-partlabel/root"
		switch {
		case layout.luksSuffix != "" && bd.Luks.Device != nil:
			luksDev = *bd.Luks.Device + layout.luksSuffix
		case wantMirror:
			luksDev = "/dev/md/md-root"
		}
		st.Luks = []config.Luks{bootLuksVolume(bd.Luks, luksDev)}
		rootDev = "/dev/mapper/root"
	}
	st.Filesystems = append(st.Filesystems, config.Filesystem{Device: rootDev, Format: ptr("xfs"), Label: ptr("root"), WipeFilesystem: ptr(true)})
	d.mergeGenerated(cfg, gen, n)
	if wantLuks {
		d.copyPositions(pathKey(base.Append("luks")), pathKey(report.Path{"storage", "luks", 0, "clevis"}))
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

// bootLuksSince names the boot_device.luks keys that came later than
// boot_device itself, with the feature that brought each.
var bootLuksSince = map[string]string{"discard": featBootDiscard, "cex": featBootCex, "device": featS390x}

// withoutUnavailable returns boot_device's mapping without the keys this
// dialect version lacks, warning about each as Butane does (its schema
// does not have them, so their values are never even read).
func (d *decoder) withoutUnavailable(n *yaml.Node) *yaml.Node {
	bd, ok := d.peek(n)
	if !ok || bd.Kind != yaml.MappingNode {
		return n
	}
	out := *bd
	out.Content = nil
	for i := 0; i+1 < len(bd.Content); i += 2 {
		k, v := bd.Content[i], bd.Content[i+1]
		if lv, ok := d.peek(v); ok && k.Value == "luks" && lv.Kind == yaml.MappingNode {
			luks := *lv
			luks.Content = nil
			for j := 0; j+1 < len(lv.Content); j += 2 {
				lk, lval := lv.Content[j], lv.Content[j+1]
				if feat, later := bootLuksSince[lk.Value]; later && !d.vv.has(feat) {
					d.warnAt(lk, report.Path{"boot_device", "luks", lk.Value}, "unknown key %q: boot_device.luks.%s is not in %s", lk.Value, lk.Value, d.name)
					continue
				}
				if lk.Value == "tang" && d.vv.spec.Less(config.V3_4) {
					lval = d.tangWithoutAdvertisement(lval)
				}
				luks.Content = append(luks.Content, lk, lval)
			}
			v = &luks
		}
		out.Content = append(out.Content, k, v)
	}
	return &out
}

// tangWithoutAdvertisement drops advertisement (spec 3.4.0) from tang
// servers of an older spec, with the unknown-key warning.
func (d *decoder) tangWithoutAdvertisement(n *yaml.Node) *yaml.Node {
	list, ok := d.peek(n)
	if !ok || list.Kind != yaml.SequenceNode {
		return n
	}
	out := *list
	out.Content = nil
	for i, item := range list.Content {
		m, ok := d.peek(item)
		if ok && m.Kind == yaml.MappingNode {
			c := *m
			c.Content = nil
			for j := 0; j+1 < len(m.Content); j += 2 {
				if m.Content[j].Value == "advertisement" {
					d.warnAt(m.Content[j], report.Path{"boot_device", "luks", "tang", i, "advertisement"}, "unknown key \"advertisement\": it needs spec 3.4.0, %s makes %s", d.name, d.vv.spec)
					continue
				}
				c.Content = append(c.Content, m.Content[j], m.Content[j+1])
			}
			item = &c
		}
		out.Content = append(out.Content, item)
	}
	return &out
}

// checkBootDevice applies the rules on boot_device's combination of keys
// and returns the layout.
func (d *decoder) checkBootDevice(n *yaml.Node, bd bootDevice) (bootLayout, bool) {
	base := report.Path{"boot_device"}
	name := "x86_64"
	if bd.Layout != nil {
		name = *bd.Layout
	}
	layout, known := bootLayouts[name]
	ok := true
	fail := func(p report.Path, format string, args ...any) {
		d.errorAt(n, base.Append(p...), format, args...)
		ok = false
	}
	switch {
	case !known:
		fail(report.Path{"layout"}, "unknown boot_device layout %q (known: x86_64, aarch64, ppc64le, s390x-eckd, s390x-zfcp, s390x-virt)", name)
		return layout, false
	case layout.s390x && !d.vv.has(featS390x):
		fail(report.Path{"layout"}, "layout %s is not available in %s", name, d.name)
	}
	if len(bd.Mirror.Devices) > 0 && bd.Layout == nil {
		// Butane made this an error in fcos 1.7.0; before, a warning.
		msg := "boot_device.layout should be specified when boot_device.mirror is specified (x86_64 is assumed)"
		if d.vv.has(featTreeAttrs) {
			fail(report.Path{"mirror"}, "%s", msg)
		} else {
			d.warnAt(n, base.Append("mirror"), "%s", msg)
		}
	}
	if len(bd.Mirror.Devices) == 1 {
		fail(report.Path{"mirror", "devices"}, "a mirror needs at least two devices")
	}
	if layout.luksSuffix != "" {
		dev := ""
		if bd.Luks.Device != nil {
			dev = *bd.Luks.Device
		}
		re := map[string]*regexp.Regexp{"2": dasdDevice, "4": scsiDevice}[layout.luksSuffix]
		switch {
		case dev == "":
			fail(report.Path{"layout"}, "luks.device is required for layouts s390x-eckd and s390x-zfcp")
		case !re.MatchString(dev):
			fail(report.Path{"layout"}, "luks.device %q is not a whole disk of the kind layout %s needs", dev, name)
		}
	}
	if layout.s390x && len(bd.Mirror.Devices) > 0 {
		fail(report.Path{"layout"}, "mirroring the boot disk is not supported on s390x")
	}
	if isTrue(bd.Luks.Cex.Enabled) {
		if bd.Layout == nil {
			fail(report.Path{"luks", "cex"}, "cex needs an s390x layout")
		} else if !layout.s390x {
			fail(report.Path{"layout"}, "cex needs an s390x layout")
		}
		if len(bd.Luks.Tang) > 0 || isTrue(bd.Luks.Tpm2) {
			fail(report.Path{"luks"}, "cex cannot be combined with tang or tpm2")
		}
	}
	if d.vv.has(featLuksMethod) && bd.Luks.Device != nil && *bd.Luks.Device != "" && !isTrue(bd.Luks.Tpm2) && !isTrue(bd.Luks.Cex.Enabled) && !hasTang(bd.Luks.Tang) {
		fail(report.Path{"luks"}, "luks.device is set but no unlocking method (tpm2, tang or cex) is")
	}
	return layout, ok
}

var (
	dasdDevice = regexp.MustCompile(`/dev/dasd[a-z]$`)
	scsiDevice = regexp.MustCompile(`/dev/sd[a-z]$`)
)

func hasTang(ts []config.Tang) bool {
	for _, t := range ts {
		if !reflect.ValueOf(t).IsZero() {
			return true
		}
	}
	return false
}

func bootLuksVolume(l bootLuks, device string) config.Luks {
	v := config.Luks{
		Name:       "root",
		Label:      ptr("luks-root"),
		Device:     &device,
		WipeVolume: ptr(true),
		Discard:    l.Discard,
	}
	if isTrue(l.Cex.Enabled) {
		v.Cex = l.Cex
		return v
	}
	v.Clevis = config.Clevis{Tpm2: l.Tpm2, Tang: l.Tang, Threshold: l.Threshold}
	return v
}

// mirror partitions every device alike, with an ESP filesystem on each
// when the layout has one, and builds RAID1 arrays for /boot and root.
func mirror(st *config.Storage, layout bootLayout, devices []string) {
	var boots, roots []string
	for i, dev := range devices {
		n := i + 1
		disk := config.Disk{Device: dev, WipeTable: ptr(true)}
		for _, s := range []slot{layout.first, layout.second} {
			disk.Partitions = append(disk.Partitions, config.Partition{
				Label: ptr(fmt.Sprintf("%s-%d", s.label, n)), SizeMiB: ptr(s.sizeMiB), TypeGUID: ptr(s.guid)})
		}
		disk.Partitions = append(disk.Partitions,
			config.Partition{Label: ptr(fmt.Sprintf("boot-%d", n)), SizeMiB: ptr(384)},
			config.Partition{Label: ptr(fmt.Sprintf("root-%d", n))})
		st.Disks = append(st.Disks, disk)
		if layout.second.label == "esp" {
			st.Filesystems = append(st.Filesystems, config.Filesystem{
				Device: fmt.Sprintf("/dev/disk/by-partlabel/esp-%d", n), Format: ptr("vfat"),
				Label: ptr(fmt.Sprintf("esp-%d", n)), WipeFilesystem: ptr(true)})
		}
		boots = append(boots, fmt.Sprintf("/dev/disk/by-partlabel/boot-%d", n))
		roots = append(roots, fmt.Sprintf("/dev/disk/by-partlabel/root-%d", n))
	}
	st.Raid = []config.Raid{
		{Name: "md-boot", Level: ptr("raid1"), Devices: boots, Options: []string{"--metadata=1.0"}},
		{Name: "md-root", Level: ptr("raid1"), Devices: roots},
	}
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

// mirrorDevices lists boot_device.mirror.devices as written (they get
// wipe_table from the sugar), read without reporting: applyBootDevice
// reports problems of boot_device.
func (d *decoder) mirrorDevices() map[string]bool {
	out := map[string]bool{}
	n := d.sugar.bootDevice
	if n == nil {
		return out
	}
	var bd bootDevice
	quiet := &decoder{vv: d.vv, name: d.name, where: map[string]pos{}, local: d.local, budget: d.budget}
	quiet.decode(n, reflect.ValueOf(&bd).Elem(), nil, "bootDevice")
	for _, dev := range bd.Mirror.Devices {
		out[dev] = true
	}
	return out
}
