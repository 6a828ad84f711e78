package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf16"

	"github.com/kindling-dev/kindling/config/report"
)

// storage checks the storage section: block devices here, nodes in
// validate_nodes.go.
func (v *validator) storage(c *Storage) {
	base := report.Path{"storage"}
	v.disks(c.Disks, base.Append("disks"))
	v.raids(c.Raid, base.Append("raid"))
	v.luksVolumes(c.Luks, base.Append("luks"))
	v.filesystems(c.Filesystems, base.Append("filesystems"))
	v.nodes(c, base)
}

// devicePath checks a required device path: present, absolute and clean.
// Device paths are compared as strings to find duplicates, so an unclean
// spelling would hide a duplicate.
func (v *validator) devicePath(dev string, p report.Path, what string) bool {
	if dev == "" {
		v.errorf(p, "%s device is required", what)
		return false
	}
	if problem := pathProblem(dev); problem != "" {
		v.errorf(p, "%s device %q %s", what, dev, problem)
		return false
	}
	return true
}

// pathProblem says what is wrong with an absolute path, or "" when it is
// absolute and fully simplified (no "//", "/./", "..", trailing slash).
func pathProblem(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "is not absolute (it must start with /)"
	case strings.ContainsRune(p, 0):
		return "contains a NUL byte"
	case path.Clean(p) != p:
		return fmt.Sprintf("is not clean (no //, /./, /../ or trailing /; did you mean %q?)", path.Clean(p))
	}
	return ""
}

// unique reports key at p when an earlier entry (recorded in seen) had it.
func (v *validator) unique(seen map[string]int, key string, i int, p report.Path, what string) {
	if first, ok := seen[key]; ok {
		v.errorf(p, "duplicate %s %q (also entry %d)", what, key, first)
		return
	}
	seen[key] = i
}

// ---- disks and partitions ----

func (v *validator) disks(disks []Disk, p report.Path) {
	seen := map[string]int{}
	for i := range disks {
		dp := p.Append(i)
		if v.devicePath(disks[i].Device, dp.Append("device"), "disk") {
			v.unique(seen, disks[i].Device, i, dp.Append("device"), "disk device")
		}
		v.partitions(disks[i].Partitions, dp.Append("partitions"))
	}
}

func (v *validator) partitions(parts []Partition, p report.Path) {
	numbers := map[int]int{}
	deleting := false
	for i := range parts {
		v.partition(&parts[i], p.Append(i))
		pp := p.Append(i)
		if n := parts[i].Number; n != 0 {
			if first, ok := numbers[n]; ok {
				v.errorf(pp.Append("number"), "duplicate partition number %d (also entry %d)", n, first)
			} else {
				numbers[n] = i
			}
		}
		deleting = deleting || isFalse(parts[i].ShouldExist)
	}
	v.partitionLabels(parts, p)
	if deleting {
		v.zeroPlacementWithDeletion(parts, p)
	}
	v.overlaps(parts, p)
}

// partitionLabels: a partition with number 0 is found by its label, so that
// label must not appear on any other partition of the disk. Numbered
// partitions may share a label, but /dev/disk/by-partlabel then names only
// one of them, hence the warning.
func (v *validator) partitionLabels(parts []Partition, p report.Path) {
	first := map[string]int{}
	for i, q := range parts {
		if q.Label == nil {
			continue
		}
		j, dup := first[*q.Label]
		switch {
		case !dup:
			first[*q.Label] = i
		case q.Number == 0 || parts[j].Number == 0:
			v.errorf(p.Append(i, "label"), "duplicate partition label %q (also entry %d); a partition without a number is found by its label, which must be unique", *q.Label, j)
		default:
			v.warnf(p.Append(i, "label"), "partition label %q is also used by entry %d; /dev/disk/by-partlabel/%s will name only one of them", *q.Label, j, *q.Label)
		}
	}
}

// zeroPlacementWithDeletion: a start or size of 0 means "wherever there is
// room", and deleting partitions in the same run changes where the room is,
// so the spec refuses the combination.
func (v *validator) zeroPlacementWithDeletion(parts []Partition, p report.Path) {
	for i := range parts {
		if isFalse(parts[i].ShouldExist) {
			continue
		}
		for _, f := range []struct {
			val *int
			key string
		}{{parts[i].StartMiB, "startMiB"}, {parts[i].SizeMiB, "sizeMiB"}} {
			if f.val != nil && *f.val == 0 {
				v.errorf(p.Append(i, f.key), "%s 0 (placed by free space) cannot be combined with deleting partitions (shouldExist false) on the same disk; give an explicit value", f.key)
			}
		}
	}
}

// overlaps reports partitions whose explicit extents intersect.
func (v *validator) overlaps(parts []Partition, p report.Path) {
	type extent struct{ i, start, end int }
	var fixed []extent
	for i, q := range parts {
		if q.StartMiB == nil || q.SizeMiB == nil || *q.StartMiB <= 0 || *q.SizeMiB <= 0 || isFalse(q.ShouldExist) {
			continue
		}
		e := extent{i, *q.StartMiB, *q.StartMiB + *q.SizeMiB}
		for _, o := range fixed {
			if e.start < o.end && o.start < e.end {
				v.errorf(p.Append(i), "partition overlaps entry %d (MiB %d-%d against %d-%d)", o.i, e.start, e.end, o.start, o.end)
			}
		}
		fixed = append(fixed, e)
	}
}

func (v *validator) partition(q *Partition, p report.Path) {
	if q.Number < 0 {
		v.errorf(p.Append("number"), "partition number %d is negative; use 1 or more, or 0 for the next free slot", q.Number)
	}
	v.nonNegative(q.SizeMiB, p.Append("sizeMiB"), "sizeMiB")
	v.nonNegative(q.StartMiB, p.Append("startMiB"), "startMiB")
	v.guid(q.TypeGUID, p.Append("typeGuid"), "partition type GUID")
	v.guid(q.GUID, p.Append("guid"), "partition GUID")
	if q.Label != nil {
		v.partitionLabel(*q.Label, p.Append("label"))
	}
	if isFalse(q.ShouldExist) {
		v.deletedPartition(q, p)
	} else if q.Number == 0 && q.Label == nil {
		v.errorf(p, "partition needs a number of 1 or more or a label, so it can be told apart from the others")
	}
}

// deletedPartition checks shouldExist=false: the partition is found by number
// alone, and describing its layout would be meaningless.
func (v *validator) deletedPartition(q *Partition, p report.Path) {
	if q.Number == 0 {
		v.errorf(p.Append("number"), "a partition with shouldExist false needs a non-zero number")
	}
	var set []string
	if q.Label != nil {
		set = append(set, "label")
	}
	if q.StartMiB != nil {
		set = append(set, "startMiB")
	}
	if q.SizeMiB != nil {
		set = append(set, "sizeMiB")
	}
	if q.GUID != nil && *q.GUID != "" {
		set = append(set, "guid")
	}
	if q.TypeGUID != nil && *q.TypeGUID != "" {
		set = append(set, "typeGuid")
	}
	if len(set) > 0 {
		v.errorf(p.Append("shouldExist"), "a partition with shouldExist false must not set %s", strings.Join(set, ", "))
	}
	if isTrue(q.Resize) {
		v.warnf(p.Append("resize"), "resize is ignored for a partition with shouldExist false")
	}
}

// partitionLabel: a GPT partition name holds 36 UTF-16 code units. Labels
// with a colon are cut before it: sgdisk-based provisioning always did (it
// splits its arguments on colons) and the disks stage keeps that, so the
// spec warns that the text after it is lost.
func (v *validator) partitionLabel(label string, p report.Path) {
	if n := len(utf16.Encode([]rune(label))); n > 36 {
		v.errorf(p, "partition label is %d UTF-16 code units long; GPT allows at most 36", n)
	}
	if strings.ContainsRune(label, ':') {
		v.warnf(p, "partition label %q contains a colon; it will be cut to the text before the colon", label)
	}
}

func (v *validator) nonNegative(n *int, p report.Path, what string) {
	if n != nil && *n < 0 {
		v.errorf(p, "%s %d is negative", what, *n)
	}
}

// guid checks a GPT GUID; the empty string means "the default" and is
// accepted, as the spec's form allows it.
func (v *validator) guid(s *string, p report.Path, what string) {
	if s != nil && *s != "" && !isUUID(*s) {
		v.errorf(p, "%s %q is not a GUID of the form 01234567-89AB-CDEF-0123-456789ABCDEF", what, *s)
	}
}

// isUUID reports whether s is 8-4-4-4-12 hex digits (either case).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !isHexDigit(r) {
				return false
			}
		}
	}
	return true
}

func isHexDigit(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

// ---- raid ----

// raidLevels are the md levels the spec accepts, with mdadm's synonyms.
// spares make no sense for levels without redundancy.
var raidLevels = map[string]bool{ // level -> takes spares
	"linear": false, "raid0": false, "0": false, "stripe": false,
	"raid1": true, "1": true, "mirror": true,
	"raid4": true, "4": true,
	"raid5": true, "5": true,
	"raid6": true, "6": true,
	"raid10": true, "10": true,
}

func (v *validator) raids(arrays []Raid, p report.Path) {
	names := map[string]int{}
	for i := range arrays {
		rp := p.Append(i)
		if v.mdName(arrays[i].Name, rp.Append("name")) {
			v.unique(names, arrays[i].Name, i, rp.Append("name"), "RAID array name")
		}
		v.raid(&arrays[i], rp)
	}
}

// mdName: the name becomes /dev/md/NAME, so it must be one path element.
func (v *validator) mdName(name string, p report.Path) bool {
	switch {
	case name == "":
		v.errorf(p, "RAID array name is required")
	case name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || strings.TrimSpace(name) != name:
		v.errorf(p, "RAID array name %q cannot be a device name under /dev/md (no /, NUL, surrounding spaces, . or ..)", name)
	default:
		return true
	}
	return false
}

func (v *validator) raid(r *Raid, p report.Path) {
	takesSpares, known := false, false
	switch {
	case r.Level == nil || *r.Level == "":
		v.errorf(p.Append("level"), "RAID level is required")
	default:
		takesSpares, known = raidLevels[*r.Level]
		if !known {
			v.errorf(p.Append("level"), "unknown RAID level %q; expected linear, raid0, raid1, raid4, raid5, raid6 or raid10", *r.Level)
		}
	}
	if len(r.Devices) == 0 {
		v.errorf(p.Append("devices"), "RAID array needs at least one device")
	}
	seen := map[string]int{}
	for i, d := range r.Devices {
		if v.devicePath(d, p.Append("devices", i), "RAID member") {
			v.unique(seen, d, i, p.Append("devices", i), "RAID member")
		}
	}
	if r.Spares == nil {
		return
	}
	switch {
	case *r.Spares < 0:
		v.errorf(p.Append("spares"), "spares %d is negative", *r.Spares)
	case *r.Spares > 0 && known && !takesSpares:
		v.errorf(p.Append("spares"), "RAID level %q has no redundancy and cannot use spares", *r.Level)
	case *r.Spares >= len(r.Devices) && len(r.Devices) > 0:
		v.errorf(p.Append("spares"), "%d spares leave none of the %d devices active", *r.Spares, len(r.Devices))
	}
}

// ---- luks ----

// dmNameMax is the longest device-mapper name (DM_NAME_LEN 128 with NUL).
const dmNameMax = 127

// luksLabelMax is the room for a label in a LUKS2 header (48 bytes, NUL
// terminated).
const luksLabelMax = 47

func (v *validator) luksVolumes(vols []Luks, p report.Path) {
	names := map[string]int{}
	for i := range vols {
		lp := p.Append(i)
		if v.dmName(vols[i].Name, lp.Append("name")) {
			v.unique(names, vols[i].Name, i, lp.Append("name"), "LUKS volume name")
		}
		v.luks(&vols[i], lp)
	}
}

// dmName: the name becomes /dev/mapper/NAME.
func (v *validator) dmName(name string, p report.Path) bool {
	switch {
	case name == "":
		v.errorf(p, "LUKS volume name is required")
	case len(name) > dmNameMax:
		v.errorf(p, "LUKS volume name is %d bytes long; device-mapper allows at most %d", len(name), dmNameMax)
	case name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || strings.TrimSpace(name) != name:
		v.errorf(p, "LUKS volume name %q is not a valid device-mapper name (no /, NUL, surrounding spaces, . or ..)", name)
	default:
		return true
	}
	return false
}

func (v *validator) luks(l *Luks, p report.Path) {
	dev := ""
	if l.Device != nil {
		dev = *l.Device
	}
	v.devicePath(dev, p.Append("device"), "LUKS")
	v.resource(&l.KeyFile, p.Append("keyFile"), "key file")
	if l.Label != nil && len(*l.Label) > luksLabelMax {
		v.errorf(p.Append("label"), "LUKS label is %d bytes long; a LUKS2 header holds at most %d", len(*l.Label), luksLabelMax)
	}
	if l.UUID != nil && !isUUID(*l.UUID) {
		v.errorf(p.Append("uuid"), "LUKS uuid %q is not a UUID of the form 01234567-89ab-cdef-0123-456789abcdef", *l.UUID)
	}
	if isTrue(l.Cex.Enabled) {
		v.cexExclusions(l, p)
	}
	v.clevis(&l.Clevis, p.Append("clevis"))
	if isTrue(l.Discard) && containsOption(l.OpenOptions, "--allow-discards") {
		v.warnf(p.Append("openOptions"), "--allow-discards repeats discard: true")
	}
}

// cexExclusions: a CEX secure key is the volume key itself, so it cannot be
// combined with a key file or a clevis binding.
func (v *validator) cexExclusions(l *Luks, p report.Path) {
	if l.KeyFile.Source != nil {
		v.errorf(p.Append("keyFile"), "a key file cannot be combined with cex.enabled")
	}
	if !clevisEmpty(&l.Clevis) {
		v.errorf(p.Append("clevis"), "clevis cannot be combined with cex.enabled")
	}
}

func containsOption(opts []string, want string) bool {
	for _, o := range opts {
		if o == want || strings.HasPrefix(o, want+"=") {
			return true
		}
	}
	return false
}

func clevisEmpty(c *Clevis) bool {
	return len(c.Tang) == 0 && c.Tpm2 == nil && c.Threshold == nil && c.Custom == (ClevisCustom{})
}

func (v *validator) clevis(c *Clevis, p report.Path) {
	if c.Custom != (ClevisCustom{}) {
		v.clevisCustom(c, p)
		return
	}
	urls := map[string]int{}
	for i := range c.Tang {
		tp := p.Append("tang", i)
		v.tang(&c.Tang[i], tp)
		if c.Tang[i].URL != "" {
			v.unique(urls, c.Tang[i].URL, i, tp.Append("url"), "tang URL")
		}
	}
	if c.Threshold == nil {
		return
	}
	pins := len(c.Tang)
	if isTrue(c.Tpm2) {
		pins++
	}
	switch {
	case *c.Threshold < 1:
		v.errorf(p.Append("threshold"), "threshold %d must be 1 or more", *c.Threshold)
	case *c.Threshold > pins:
		v.errorf(p.Append("threshold"), "threshold %d is more than the %d configured pins (tang servers and tpm2) could ever satisfy", *c.Threshold, pins)
	}
}

// clevisCustom: custom hands pin and config to clevis as they are, so the
// structured fields would be silently ignored next to it.
func (v *validator) clevisCustom(c *Clevis, p report.Path) {
	cp := p.Append("custom")
	if len(c.Tang) > 0 || c.Tpm2 != nil || c.Threshold != nil {
		v.errorf(cp, "clevis.custom cannot be combined with tang, tpm2 or threshold")
	}
	switch pin := c.Custom.Pin; {
	case pin == nil || *pin == "":
		v.errorf(cp.Append("pin"), "clevis custom pin is required (tang, tpm2 or sss)")
	case *pin != "tang" && *pin != "tpm2" && *pin != "sss":
		v.errorf(cp.Append("pin"), "unknown clevis pin %q; expected tang, tpm2 or sss", *pin)
	}
	switch cfg := c.Custom.Config; {
	case cfg == nil || *cfg == "":
		v.errorf(cp.Append("config"), "clevis custom config is required")
	case !json.Valid([]byte(*cfg)):
		v.errorf(cp.Append("config"), "clevis custom config is not valid JSON")
	}
}

func (v *validator) tang(t *Tang, p report.Path) {
	if t.URL == "" {
		v.errorf(p.Append("url"), "tang url is required")
	} else if u, err := url.Parse(t.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.errorf(p.Append("url"), "tang url %q must be an http:// or https:// URL with a host", t.URL)
	}
	if t.Thumbprint == nil || *t.Thumbprint == "" {
		v.errorf(p.Append("thumbprint"), "tang thumbprint is required: it is how the server's key is trusted")
	}
	if t.Advertisement != nil {
		var adv map[string]any
		if err := json.Unmarshal([]byte(*t.Advertisement), &adv); err != nil {
			v.errorf(p.Append("advertisement"), "tang advertisement is not a JSON object: %v", err)
		}
	}
}

// ---- filesystems ----

// fsFormats lists each format, the first version that accepts it and its
// longest label in bytes (0: no label possible).
var fsFormats = map[string]struct {
	since    Version
	labelMax int
}{
	"ext4":  {V3_0, 16},
	"btrfs": {V3_0, 256},
	"xfs":   {V3_0, 12},
	"vfat":  {V3_0, 11},
	"swap":  {V3_0, 15},
	"none":  {V3_3, 0},
}

func (v *validator) filesystems(fss []Filesystem, p report.Path) {
	seen := map[string]int{}
	for i := range fss {
		fp := p.Append(i)
		if v.devicePath(fss[i].Device, fp.Append("device"), "filesystem") {
			v.unique(seen, fss[i].Device, i, fp.Append("device"), "filesystem device")
		}
		v.filesystem(&fss[i], fp)
	}
}

func (v *validator) filesystem(f *Filesystem, p report.Path) {
	if f.Path != nil {
		if problem := pathProblem(*f.Path); problem != "" {
			v.errorf(p.Append("path"), "filesystem path %q %s", *f.Path, problem)
		}
	}
	format := ""
	if f.Format != nil {
		format = *f.Format
	}
	if format == "" {
		if set := fsSetFields(f); len(set) > 0 {
			v.errorf(p.Append("format"), "format is required when %s %s set", strings.Join(set, ", "), pluralVerb(len(set)))
		}
		return
	}
	spec, ok := fsFormats[format]
	if !ok || !v.version.AtLeast(spec.since) {
		v.errorf(p.Append("format"), "unknown filesystem format %q; spec %s accepts %s", format, v.version, v.formatList())
		return
	}
	if format == "swap" || format == "none" {
		v.unmountable(f, format, p)
	}
	if f.Label != nil && format != "none" && len(*f.Label) > spec.labelMax {
		v.errorf(p.Append("label"), "%s labels hold at most %d bytes; this one has %d", format, spec.labelMax, len(*f.Label))
	}
	if f.UUID != nil {
		v.fsUUID(*f.UUID, format, p.Append("uuid"))
	}
}

// unmountable: swap and none are never mounted; none creates nothing, so it
// has no label, uuid or mkfs options either. Warnings, not errors: such
// configs are accepted by the other tools in this field, and the fields are
// harmless; the mount stage skips these filesystems.
func (v *validator) unmountable(f *Filesystem, format string, p report.Path) {
	if f.Path != nil {
		v.warnf(p.Append("path"), "a %s filesystem cannot be mounted, so path is ignored", format)
	}
	if len(f.MountOptions) > 0 {
		v.warnf(p.Append("mountOptions"), "a %s filesystem is never mounted, so mountOptions do nothing", format)
	}
	if format != "none" {
		return
	}
	for _, field := range []struct {
		set bool
		key string
	}{{f.Label != nil, "label"}, {f.UUID != nil, "uuid"}, {len(f.Options) > 0, "options"}} {
		if field.set {
			v.warnf(p.Append(field.key), "format none creates no filesystem, so %s does nothing", field.key)
		}
	}
}

func fsSetFields(f *Filesystem) []string {
	var set []string
	for _, field := range []struct {
		set bool
		key string
	}{{f.Path != nil, "path"}, {f.Label != nil, "label"}, {f.UUID != nil, "uuid"}, {len(f.Options) > 0, "options"}, {len(f.MountOptions) > 0, "mountOptions"}, {isTrue(f.WipeFilesystem), "wipeFilesystem"}} {
		if field.set {
			set = append(set, field.key)
		}
	}
	return set
}

// fsUUID: vfat has a 32-bit volume id (XXXX-XXXX or 8 hex digits), the
// others a 128-bit UUID.
func (v *validator) fsUUID(u, format string, p report.Path) {
	if format == "vfat" {
		if !isVfatID(u) {
			v.errorf(p, "vfat volume id %q must be 8 hex digits, written XXXXXXXX or XXXX-XXXX", u)
		}
		return
	}
	if !isUUID(u) {
		v.errorf(p, "%s uuid %q is not a UUID of the form 01234567-89ab-cdef-0123-456789abcdef", format, u)
	}
}

func isVfatID(s string) bool {
	if len(s) == 9 && s[4] == '-' {
		s = s[:4] + s[5:]
	}
	if len(s) != 8 {
		return false
	}
	for _, r := range s {
		if !isHexDigit(r) {
			return false
		}
	}
	return true
}

func (v *validator) formatList() string {
	var names []string
	for _, f := range []string{"ext4", "btrfs", "xfs", "vfat", "swap", "none"} {
		if v.version.AtLeast(fsFormats[f].since) {
			names = append(names, f)
		}
	}
	return strings.Join(names, ", ")
}
