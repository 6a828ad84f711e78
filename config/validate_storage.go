package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/kindling-dev/kindling/config/report"
)

// storage checks the storage section: block devices here, nodes in
// validate_nodes.go.
func (v *validator) storage(c *Storage) {
	base := report.Path{"storage"}
	deviceEntries(v, c.Disks, base.Append("disks"), "disk", func(d *Disk) string { return d.Device }, v.disk)
	namedVolumes(v, c.Raid, base.Append("raid"), "RAID array name", func(r *Raid) string { return r.Name }, v.mdName, v.raid)
	namedVolumes(v, c.Luks, base.Append("luks"), "LUKS volume name", func(l *Luks) string { return l.Name }, v.dmName, v.luks)
	deviceEntries(v, c.Filesystems, base.Append("filesystems"), "filesystem", func(f *Filesystem) string { return f.Device }, v.filesystem)
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
	if strings.ContainsRune(dev, 0) {
		v.warnf(p, "%s device %q contains NUL, which no device path can; the disks stage will fail", what, dev)
	}
	return true
}

// pathProblem says what is wrong with an absolute path, or "" when it is
// absolute and fully simplified (no "//", "/./", "..", trailing slash).
func pathProblem(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "is not absolute (it must start with /)"
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

func (v *validator) disk(d *Disk, p report.Path) { v.partitions(d.Partitions, p.Append("partitions")) }

// deviceEntries checks a list of entries known by device (disks,
// filesystems): each device a usable path and, when it is, unique; then
// each entry (check).
func deviceEntries[T any](v *validator, items []T, p report.Path, what string, device func(*T) string, check func(*T, report.Path)) {
	seen := map[string]int{}
	for i := range items {
		ip := p.Append(i)
		if dev := device(&items[i]); v.devicePath(dev, ip.Append("device"), what) {
			v.unique(seen, dev, i, ip.Append("device"), what+" device")
		}
		check(&items[i], ip)
	}
}

func (v *validator) partitions(parts []Partition, p report.Path) {
	keys := map[string]int{}
	numbered, deleting := false, false
	for i := range parts {
		pp := p.Append(i)
		v.partition(&parts[i], pp)
		// The spec keys partitions by number, or label when unnumbered.
		k, at := specPartitionKey(&parts[i]), pp.Append("number")
		if parts[i].Number == 0 && parts[i].Label != nil {
			at = pp.Append("label")
		}
		if first, ok := keys[k]; ok {
			v.errorf(at, "duplicate partition %s (also entry %d)", k, first)
		} else {
			keys[k] = i
		}

		numbered = numbered || parts[i].Number == 0
		deleting = deleting || isFalse(parts[i].ShouldExist)
	}
	v.partitionLabels(parts, p)
	if deleting && numbered {
		v.errorf(p, "a partition has shouldExist false while another has no number (0): deleting partitions needs every partition of the disk numbered")
	}
	if deleting {
		v.zeroPlacementWithDeletion(parts, p)
	}
	v.overlaps(parts, p)
}

// specPartitionKey names a partition as the spec keys the list: its number, or
// its label when it has none.
func specPartitionKey(q *Partition) string {
	switch {
	case q.Number != 0:
		return fmt.Sprintf("number %d", q.Number)
	case q.Label != nil:
		return fmt.Sprintf("label %q", *q.Label)
	}
	return "without number or label"
}

// partitionLabels: labels are unique on a disk.
func (v *validator) partitionLabels(parts []Partition, p report.Path) {
	first := map[string]int{}
	for i, q := range parts {
		if q.Label == nil {
			continue
		}
		if j, dup := first[*q.Label]; dup {
			v.errorf(p.Append(i, "label"), "duplicate partition label %q (also entry %d)", *q.Label, j)
			continue
		}
		first[*q.Label] = i
	}
}

// zeroPlacementWithDeletion: a start or size of 0 means "wherever there is
// room", and deleting partitions in the same run changes where the room is.
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
				v.warnf(p.Append(i, f.key), "%s 0 is placed in the free space left after the partitions with shouldExist false on this disk are deleted", f.key)
			}
		}
	}
}

// overlaps reports partitions whose explicit extents intersect, as the
// spec computes them: only partitions with both start and size and a
// non-zero start count, a size of 0 ends where it starts, and an extent is
// inclusive of its last MiB.
func (v *validator) overlaps(parts []Partition, p report.Path) {
	type extent struct{ i, start, end int }
	var fixed []extent
	for i, q := range parts {
		if q.StartMiB == nil || q.SizeMiB == nil || *q.StartMiB == 0 {
			continue
		}
		e := extent{i, *q.StartMiB, *q.StartMiB}
		if *q.SizeMiB != 0 {
			e.end = *q.StartMiB + *q.SizeMiB - 1
		}
		for _, o := range fixed {
			if e.start <= o.end && o.start <= e.end || e.start < o.start && e.end > o.end {
				v.errorf(p.Append(i), "partition overlaps entry %d (MiB %d-%d against %d-%d)", o.i, e.start, e.end, o.start, o.end)
			}
		}
		fixed = append(fixed, e)
	}
}

// Limits of partition numbers and extents: the kernel addresses at most
// 256 partitions of a disk, and a byte offset in MiB must fit in 63 bits.
const (
	maxPartitionNumber = 256
	maxMiB             = 1<<43 - 1
)

func (v *validator) partition(q *Partition, p report.Path) {
	if q.Number < 0 || q.Number > maxPartitionNumber {
		v.safetyf(p.Append("number"), ruleRanges, "partition number %d is out of range; the limit is 0 (next free) to %d", q.Number, maxPartitionNumber)
	}
	v.miB(q.SizeMiB, p.Append("sizeMiB"), "sizeMiB")
	v.miB(q.StartMiB, p.Append("startMiB"), "startMiB")
	if q.SizeMiB != nil && q.StartMiB != nil && *q.SizeMiB >= 0 && *q.StartMiB >= 0 && *q.SizeMiB <= maxMiB && *q.StartMiB <= maxMiB && *q.StartMiB+*q.SizeMiB > maxMiB {
		v.safetyf(p, ruleRanges, "partition ends at MiB %d; the limit is %d (2^63 bytes)", *q.StartMiB+*q.SizeMiB, maxMiB)
	}
	v.guid(q.TypeGUID, p.Append("typeGuid"), "partition type GUID")
	v.guid(q.GUID, p.Append("guid"), "partition GUID")
	if q.Label != nil {
		v.partitionLabel(*q.Label, p.Append("label"))
	}
	if q.Number == 0 && q.Label == nil {
		v.errorf(p, "partition needs a number of 1 or more or a label, so it can be told apart from the others")
	}
	if isFalse(q.ShouldExist) {
		v.deletedPartition(q, p)
	}
}

// deletedPartition checks shouldExist=false: the partition is found by number
// alone, and describing its layout would be meaningless.
func (v *validator) deletedPartition(q *Partition, p report.Path) {
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

// partitionLabel: the spec allows 36 bytes and no colon. A GPT partition
// name holds 36 UTF-16 code units, which non-ASCII labels of 36 bytes or
// less always fit.
func (v *validator) partitionLabel(label string, p report.Path) {
	if len(label) > 36 {
		v.errorf(p, "partition label is %d bytes long; at most 36 are allowed", len(label))
	}
	if strings.ContainsRune(label, ':') {
		v.errorf(p, "partition label %q contains a colon, which is not allowed (tools cut the label before it)", label)
	}
}

// miB checks a partition start or size: not negative, and small enough
// that its byte count fits in 63 bits.
func (v *validator) miB(n *int, p report.Path, what string) {
	if n != nil && (*n < 0 || *n > maxMiB) {
		v.safetyf(p, ruleRanges, "%s %d is out of range; the limit is 0 to %d (2^63 bytes)", what, *n, maxMiB)
	}
}

// guid checks a GPT GUID; the empty string means "the default" and is
// accepted, as the spec's form allows it.
func (v *validator) guid(s *string, p report.Path, what string) {
	if s != nil && *s != "" && !isUUID(*s) {
		// The spec's form: 8-4-4-4-12 hex digits.
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

// namedVolumes checks a list of volumes known by name (RAID arrays, LUKS
// volumes): each name unique and usable under its device directory
// (checkName), then each volume (check).
func namedVolumes[T any](v *validator, vols []T, p report.Path, what string, name func(*T) string, checkName func(string, report.Path), check func(*T, report.Path)) {
	names := map[string]int{}
	for i := range vols {
		vp := p.Append(i)
		n := name(&vols[i])
		v.unique(names, n, i, vp.Append("name"), what)
		checkName(n, vp.Append("name"))
		check(&vols[i], vp)
	}
}

// mdName: the name becomes /dev/md/NAME, so it must be one path element
// for mdadm to create the array.
func (v *validator) mdName(name string, p report.Path) {
	switch {
	case name == "":
		v.warnf(p, "RAID array has no name; mdadm cannot create it and the disks stage will fail")
	case name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || strings.TrimSpace(name) != name:
		v.warnf(p, "RAID array name %q is not a device name under /dev/md (no /, NUL, surrounding spaces, . or ..); mdadm cannot create it and the disks stage will fail", name)
	}
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
		v.unique(seen, d, i, p.Append("devices", i), "RAID member")
		v.devicePath(d, p.Append("devices", i), "RAID member")
	}
	if r.Spares == nil {
		return
	}
	switch {
	case *r.Spares != 0 && known && !takesSpares:
		v.errorf(p.Append("spares"), "RAID level %q has no redundancy and cannot use spares", *r.Level)
	case *r.Spares < 0:
		v.warnf(p.Append("spares"), "spares %d is negative; mdadm refuses it and the disks stage will fail", *r.Spares)
	case *r.Spares >= len(r.Devices) && len(r.Devices) > 0:
		v.warnf(p.Append("spares"), "%d spares leave none of the %d devices active; mdadm refuses it and the disks stage will fail", *r.Spares, len(r.Devices))
	}
}

// ---- luks ----

// dmNameMax is the longest device-mapper name (DM_NAME_LEN 128 with NUL).
const dmNameMax = 127

// luksLabelMax is the room for a label in a LUKS2 header (48 bytes, NUL
// terminated).
const luksLabelMax = 47

// dmName: the name becomes /dev/mapper/NAME and the first field of its
// crypttab line.
func (v *validator) dmName(name string, p report.Path) {
	switch {
	case strings.Contains(name, "/"):
		v.errorf(p, "LUKS volume name %q contains '/'; it becomes /dev/mapper/NAME", name)
	case hasControl(name) || strings.ContainsAny(name, " "):
		v.safetyf(p, ruleLineFields, "LUKS volume name %q contains whitespace or a control character, which would split or add a line of /etc/crypttab", name)
	case name == "":
		v.warnf(p, "LUKS volume has no name; cryptsetup cannot open it and the disks stage will fail")
	case len(name) > dmNameMax:
		v.warnf(p, "LUKS volume name is %d bytes long; device-mapper allows at most %d, so opening it will fail", len(name), dmNameMax)
	case name == "." || name == "..":
		v.warnf(p, "LUKS volume name %q is not a valid device-mapper name; opening it will fail", name)
	}
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
		v.warnf(p.Append("uuid"), "LUKS uuid %q is not a UUID of the form 01234567-89ab-cdef-0123-456789abcdef; cryptsetup refuses it and the disks stage will fail", *l.UUID)
	}
	if isTrue(l.Cex.Enabled) {
		v.cexExclusions(l, p)
	}
	v.clevis(&l.Clevis, p.Append("clevis"), v.customPresent(l, p))
	seen := map[string]int{}
	for i, o := range l.OpenOptions {
		v.unique(seen, o, i, p.Append("openOptions", i), "open option")
	}
	if isTrue(l.Discard) && containsOption(l.OpenOptions, "--allow-discards") {
		v.warnf(p.Append("openOptions"), "--allow-discards repeats discard: true")
	}
	for i, o := range l.OpenOptions {
		v.lineField(o, p.Append("openOptions", i), "LUKS open option", "/etc/crypttab", true)
	}
	v.lineField(dev, p.Append("device"), "LUKS device", "/etc/crypttab", true)
}

// cexExclusions: a CEX secure key is the volume key itself, so it cannot be
// combined with a key file or a clevis binding.
func (v *validator) cexExclusions(l *Luks, p report.Path) {
	if nonEmpty(l.KeyFile.Source) {
		v.errorf(p.Append("keyFile"), "a key file cannot be combined with cex.enabled")
	}
	if clevisPresent(&l.Clevis) {
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

// clevisPresent reports whether a clevis binding is asked for, as the spec
// decides it.
func clevisPresent(c *Clevis) bool {
	return nonEmpty(c.Custom.Pin) || len(c.Tang) > 0 || isTrue(c.Tpm2) || (c.Threshold != nil && *c.Threshold != 0)
}

// customPresent reports whether a volume's clevis.custom counts as given
// when other pins are set: from spec 3.3.0 when it names a pin; in 3.2.0,
// where custom is a pointer, when the object is there at all.
func (v *validator) customPresent(l *Luks, p report.Path) bool {
	if v.version != V3_2 {
		return nonEmpty(l.Clevis.Custom.Pin)
	}
	if v.customGiven != nil {
		i, _ := p[len(p)-1].(int)
		return v.customGiven[i]
	}
	return l.Clevis.Custom != (ClevisCustom{})
}

func (v *validator) clevis(c *Clevis, p report.Path, customGiven bool) {
	v.clevisCustom(c, p, customGiven)
	urls := map[string]int{}
	for i := range c.Tang {
		tp := p.Append("tang", i)
		v.unique(urls, c.Tang[i].URL, i, tp.Append("url"), "tang URL")
		v.tang(&c.Tang[i], tp)
	}
	if c.Threshold == nil || nonEmpty(c.Custom.Pin) {
		return
	}
	pins := len(c.Tang)
	if isTrue(c.Tpm2) {
		pins++
	}
	switch {
	case *c.Threshold < 0:
		v.warnf(p.Append("threshold"), "threshold %d is negative; clevis refuses it and the disks stage will fail", *c.Threshold)
	case *c.Threshold > pins:
		v.warnf(p.Append("threshold"), "threshold %d is more than the %d configured pins (tang servers and tpm2) can satisfy; binding the volume will fail", *c.Threshold, pins)
	}
}

// clevisPins are the per-version values of a custom clevis pin.
var clevisPins = mustValues("storage.luks.clevis.custom.pin")

// clevisCustom: custom hands pin and config to clevis as they are, so the
// structured fields cannot be used next to it. Specs before 3.6.0 know only
// the pins in clevisPins.
func (v *validator) clevisCustom(c *Clevis, p report.Path, customGiven bool) {
	cc := &c.Custom
	if customGiven && (len(c.Tang) > 0 || isTrue(c.Tpm2) || (c.Threshold != nil && *c.Threshold != 0)) {
		v.errorf(p, "clevis.custom cannot be combined with tang, tpm2 or threshold")
	}
	// From spec 3.3.0 needsNetwork alone asks for a custom pin too.
	asked := nonEmpty(cc.Pin) || nonEmpty(cc.Config) || (isTrue(cc.NeedsNetwork) && v.version.AtLeast(V3_3))
	if !asked {
		return
	}
	cp := p.Append("custom")
	switch pin := cc.Pin; {
	case !nonEmpty(pin):
		v.errorf(cp.Append("pin"), "clevis custom pin is required (tang, tpm2 or sss)")
	case !clevisPins.Accepts(*pin, v.version):
		v.errorf(cp.Append("pin"), "unknown clevis pin %q; spec %s accepts %s (any pin from spec %s)", *pin, v.version, strings.Join(clevisPins.In(v.version), ", "), clevisPins.AnyFrom)
	}
	switch cfg := cc.Config; {
	case !nonEmpty(cfg):
		v.errorf(cp.Append("config"), "clevis custom config is required")
	case !json.Valid([]byte(*cfg)):
		v.warnf(cp.Append("config"), "clevis custom config is not valid JSON; clevis refuses it and binding the volume will fail")
	}
}

func (v *validator) tang(t *Tang, p report.Path) {
	switch u, err := url.Parse(t.URL); {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https"):
		v.errorf(p.Append("url"), "tang url %q must be an http:// or https:// URL", t.URL)
	case u.Host == "":
		v.warnf(p.Append("url"), "tang url %q has no host; binding the volume will fail", t.URL)
	}
	if !nonEmpty(t.Thumbprint) {
		v.errorf(p.Append("thumbprint"), "tang thumbprint is required: it is how the server's key is trusted")
	}
	if nonEmpty(t.Advertisement) {
		var adv any
		if err := json.Unmarshal([]byte(*t.Advertisement), &adv); err != nil {
			v.errorf(p.Append("advertisement"), "tang advertisement is not JSON: %v", err)
		} else if _, ok := adv.(map[string]any); !ok {
			v.warnf(p.Append("advertisement"), "tang advertisement is not a JSON object; clevis refuses it and binding the volume will fail")
		}
	}
}

// ---- filesystems ----

// fsLabelMax is each format's longest label in bytes (0: no label
// possible); which versions accept a format is in valueSince.
var fsLabelMax = map[string]int{
	"ext4":  16,
	"btrfs": 256,
	"xfs":   12,
	"vfat":  11,
	"swap":  15,
	"none":  0,
}

// fsFormats are the per-version values of a filesystem's format.
var fsFormats = mustValues("storage.filesystems.format")

func (v *validator) filesystem(f *Filesystem, p report.Path) {
	if f.Path != nil && *f.Path != "" {
		if problem := pathProblem(*f.Path); problem != "" {
			v.errorf(p.Append("path"), "filesystem path %q %s", *f.Path, problem)
		}
		v.lineField(*f.Path, p.Append("path"), "mount path", "the mount unit", false)
	}
	v.lineField(f.Device, p.Append("device"), "filesystem device", "the mount unit", false)
	for i, o := range f.MountOptions {
		v.lineField(o, p.Append("mountOptions", i), "mount option", "the mount unit", true)
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
	since, ok := fsFormats.Since(format)
	if !ok || !v.version.AtLeast(since) {
		v.errorf(p.Append("format"), "unknown filesystem format %q; spec %s accepts %s", format, v.version, v.formatList())
		return
	}
	if format == "swap" || format == "none" {
		v.unmountable(f, format, p)
	}
	if nonEmpty(f.Label) && format != "none" && len(*f.Label) > fsLabelMax[format] {
		v.errorf(p.Append("label"), "%s labels hold at most %d bytes; this one has %d", format, fsLabelMax[format], len(*f.Label))
	}
	if nonEmpty(f.UUID) {
		v.fsUUID(*f.UUID, format, p.Append("uuid"))
	}
}

// lineField applies the line-field rule to a value written into a line of
// a system file: no control characters, and no whitespace either where
// the value is one whitespace-separated field.
func (v *validator) lineField(s string, p report.Path, what, file string, noSpace bool) {
	switch {
	case hasControl(s):
		v.safetyf(p, ruleLineFields, "%s %q contains a control character, which would split or add a line of %s", what, s, file)
	case noSpace && strings.ContainsAny(s, " "):
		v.safetyf(p, ruleLineFields, "%s %q contains whitespace, which would split a field of %s", what, s, file)
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
	}{{nonEmpty(f.Path), "path"}, {nonEmpty(f.Label), "label"}, {nonEmpty(f.UUID), "uuid"}, {len(f.Options) > 0, "options"}, {len(f.MountOptions) > 0, "mountOptions"}, {isTrue(f.WipeFilesystem), "wipeFilesystem"}} {
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
			v.warnf(p, "vfat volume id %q is not 8 hex digits (XXXXXXXX or XXXX-XXXX); mkfs.vfat refuses it and the disks stage will fail", u)
		}
		return
	}
	if !isUUID(u) {
		v.warnf(p, "%s uuid %q is not a UUID of the form 01234567-89ab-cdef-0123-456789abcdef; mkfs refuses it and the disks stage will fail", format, u)
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
	return strings.Join(fsFormats.In(v.version), ", ")
}
