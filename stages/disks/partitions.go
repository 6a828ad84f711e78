package disks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/stages"
)

// linuxFilesystemType is the partition type used when the config names
// none (Linux filesystem data).
const linuxFilesystemType = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

// alignMiB is the alignment of new partitions, and the slack under which
// free space after a partition does not count.
const alignMiB = 1

// existing is one partition of a table, as read or as planned.
type existing struct {
	number     int
	start, end int64 // sectors, inclusive
	typeGUID   string
	guid       string
	label      string
	attrs      string // GPT attribute flags, as sfdisk spells them
}

// table is what sfdisk reports about a disk, with the usable area the
// disk's real size allows (a disk grown since its table was written gets
// its backup header moved to the end when the table is next written).
type table struct {
	label       string // "gpt", "dos", or "" when the disk has no table
	sectorSize  int64
	firstUsable int64
	lastUsable  int64
	parts       map[int]existing
}

// diskPlan is what will be done to one disk, decided before any write.
type diskPlan struct {
	index   int
	device  string // as in the config
	wipe    bool
	deletes []int      // existing partitions removed (resized ones too)
	creates []existing // partitions written, with their final geometry
	want    []wanted   // partitions to verify afterwards
	touches []int      // existing partition numbers changed or deleted
	fresh   bool       // the disk has no partition table yet: writing starts a GPT
}

// wanted is a partition the disk must have after the table is written.
type wanted struct {
	index int
	part  config.Partition
	num   int
}

func partPath(disk, part int) report.Path {
	return report.Path{"storage", "disks", disk, "partitions", part}
}

// planDisks reads every disk's table and decides what to do, failing on
// the first partition that cannot be satisfied.
func planDisks(ctx context.Context, disks []config.Disk) ([]*diskPlan, error) {
	var plans []*diskPlan
	for i, d := range disks {
		p, err := planDisk(ctx, i, d)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func planDisk(ctx context.Context, i int, d config.Disk) (*diskPlan, error) {
	dpath := report.Path{"storage", "disks", i}
	if err := waitForDevice(ctx, d.Device); err != nil {
		return nil, stages.Errorf(dpath, d.Device, "%w", err)
	}
	plan := &diskPlan{index: i, device: d.Device, wipe: boolv(d.WipeTable)}
	var tbl *table
	var err error
	if plan.wipe {
		if why := inUse(d.Device, true); why != "" {
			return nil, stages.Errorf(dpath, d.Device, "refusing to wipe the partition table: %s", why)
		}
		// Planned against an empty table: everything is created anew, and
		// whatever table there is need not be read.
		tbl, err = blankTable(d.Device)
	} else {
		tbl, err = readTable(ctx, d.Device)
	}
	if err != nil {
		return nil, stages.Errorf(dpath, d.Device, "%w", err)
	}
	plan.fresh = !plan.wipe && tbl.label == ""
	if !plan.wipe && tbl.label != "gpt" && tbl.label != "" && len(d.Partitions) > 0 {
		return nil, stages.Errorf(dpath, d.Device, "the disk has a %s partition table, not GPT; set wipeTable to replace it", tbl.label)
	}
	if err := plan.decide(d, tbl); err != nil {
		return nil, err
	}
	for _, n := range plan.touches {
		pp, err := partitionPath(d.Device, n)
		if err != nil {
			continue
		}
		if why := inUse(pp, false); why != "" {
			return nil, stages.Errorf(dpath, d.Device, "refusing to change partition %d: %s", n, why)
		}
	}
	return plan, nil
}

// change is a partition the plan creates (or re-creates, resized).
type change struct {
	j     int // index in the config
	num   int
	start int64 // sectors; 0 places the partition in the largest free area
	part  config.Partition
	attrs string // kept by a resized partition
}

// decide compares the config's partitions with the current table. Deletions
// are decided first and creations placed after them, in config order, as
// sgdisk-based tools do: freed space is available to new partitions.
func (plan *diskPlan) decide(d config.Disk, tbl *table) error {
	if err := tbl.checkUsable(len(d.Partitions) > 0); err != nil {
		return stages.Errorf(report.Path{"storage", "disks", plan.index}, d.Device, "%w", err)
	}
	mib := tbl.mib()
	used := map[int]bool{}
	for n := range tbl.parts {
		used[n] = true
	}
	var changes []change
	for j, p := range d.Partitions {
		path := partPath(plan.index, j)
		num := p.Number
		if err := checkNumber(num); err != nil {
			return stages.Errorf(path, d.Device, "%w", err)
		}
		// Validation refuses this too; the plan must not depend on it.
		if num != 0 && slices.ContainsFunc(d.Partitions[:j], func(q config.Partition) bool { return q.Number == num }) {
			return stages.Errorf(path, d.Device, "partition number %d appears twice", num)
		}
		ex, exists := tbl.parts[num]
		if p.ShouldExist != nil && !*p.ShouldExist {
			if !exists {
				continue
			}
			if !boolv(p.WipePartitionEntry) {
				return stages.Errorf(path, d.Device, "partition %d exists but shouldExist is false and wipePartitionEntry is not set", num)
			}
			plan.drop(num)
			delete(used, num)
			continue
		}
		if err := tbl.checkExtent(p); err != nil {
			return stages.Errorf(path, d.Device, "partition %d: %w", num, err)
		}
		if exists {
			why := mismatch(p, ex, tbl, mib)
			if why == "" && !tbl.startZeroMatches(p, ex, append(slices.Clone(plan.deletes), num)) {
				why = "start"
			}
			if why == "" {
				plan.want = append(plan.want, wanted{j, p, num})
				continue
			}
			if why == "size" && boolv(p.Resize) {
				// Keep start, GUIDs, label and attributes; only the end moves.
				kept := p
				kept.GUID, kept.TypeGUID, kept.Label = &ex.guid, &ex.typeGUID, &ex.label
				plan.drop(num)
				changes = append(changes, change{j: j, num: num, start: ex.start, part: kept, attrs: ex.attrs})
				plan.want = append(plan.want, wanted{j, p, num})
				continue
			}
			if !boolv(p.WipePartitionEntry) {
				return stages.Errorf(path, d.Device, "partition %d exists but does not match the config (%s differs) and wipePartitionEntry is not set", num, why)
			}
			plan.drop(num)
			delete(used, num)
		}
		if num == 0 {
			num = 1
			for used[num] {
				num++
			}
			if num > maxPartitionNumber {
				return stages.Errorf(path, d.Device, "no free partition number: all %d GPT entries are in use", maxPartitionNumber)
			}
		}
		used[num] = true
		changes = append(changes, change{j: j, num: num, start: int64(intv(p.StartMiB)) * mib, part: p})
		plan.want = append(plan.want, wanted{j, p, num})
	}
	layout := tbl.without(plan.deletes)
	for _, c := range changes {
		e, err := layout.place(c)
		if err != nil {
			return stages.Errorf(partPath(plan.index, c.j), d.Device, "partition %d: %w", c.num, err)
		}
		layout.parts[c.num] = e
		plan.creates = append(plan.creates, e)
	}
	return nil
}

// drop removes an existing partition from the table in the plan.
func (plan *diskPlan) drop(num int) {
	plan.deletes = append(plan.deletes, num)
	plan.touches = append(plan.touches, num)
}

// mib is the number of sectors in a mebibyte.
func (t *table) mib() int64 { return 1024 * 1024 / t.sectorSize }

// alignUp rounds a sector up to the next alignment boundary.
func (t *table) alignUp(s int64) int64 {
	g := alignMiB * t.mib()
	return (s + g - 1) / g * g
}

// without is a copy of the table lacking the given partitions.
func (t *table) without(nums []int) *table {
	c := *t
	c.parts = map[int]existing{}
	for n, e := range t.parts {
		if !slices.Contains(nums, n) {
			c.parts[n] = e
		}
	}
	return &c
}

// freeArea is a run of unpartitioned sectors, inclusive.
type freeArea struct{ start, end int64 }

// free lists the table's unpartitioned areas in disk order.
func (t *table) free() []freeArea {
	var parts []existing
	for _, e := range t.parts {
		parts = append(parts, e)
	}
	slices.SortFunc(parts, func(a, b existing) int { return int(a.start - b.start) })
	var areas []freeArea
	next := t.firstUsable
	for _, e := range parts {
		// An entry past the end of the disk (a table from a larger disk,
		// or a forged one) does not stretch the free space beyond it.
		if end := min(e.start-1, t.lastUsable); end >= next {
			areas = append(areas, freeArea{next, end})
		}
		next = max(next, e.end+1)
	}
	if next <= t.lastUsable {
		areas = append(areas, freeArea{next, t.lastUsable})
	}
	return areas
}

// place works out a new partition's sectors: at its start, or at the
// start of the largest free area; as large as asked, or to the end of its
// free area (rounded down to the alignment so the next one stays aligned).
func (t *table) place(c change) (existing, error) {
	mib := t.mib()
	var area freeArea
	start := c.start
	areas := t.free()
	if start == 0 {
		for _, a := range areas {
			if a.end-a.start > area.end-area.start {
				area = a
			}
		}
		start = t.alignUp(area.start)
		if area.end == 0 || start > area.end {
			return existing{}, fmt.Errorf("no free space left on the disk")
		}
	} else {
		found := false
		for _, a := range areas {
			if start >= a.start && start <= a.end {
				area, found = a, true
			}
		}
		if !found {
			return existing{}, fmt.Errorf("its start (sector %d) is not in free space", start)
		}
	}
	end := area.end
	if s := int64(intv(c.part.SizeMiB)); s > 0 {
		end = start + s*mib - 1
		if end > area.end {
			return existing{}, fmt.Errorf("%d MiB do not fit: the free space at sector %d holds %d MiB", s, start, (area.end-start+1)/mib)
		}
	} else if aligned := (area.end+1)/(alignMiB*mib)*(alignMiB*mib) - 1; aligned > start {
		end = aligned
	}
	e := existing{number: c.num, start: start, end: end, typeGUID: linuxFilesystemType,
		label: gptLabel(str(c.part.Label)), attrs: c.attrs}
	if p := c.part.TypeGUID; p != nil && *p != "" {
		e.typeGUID = *p
	}
	if p := c.part.GUID; p != nil && *p != "" {
		e.guid = *p
	}
	return e, nil
}

// gptLabel is the partition name a config label becomes: the text before
// the first colon, as with sgdisk (which splits its arguments on colons)
// and so with every tool that provisions with it; validation warns.
func gptLabel(label string) string {
	before, _, _ := strings.Cut(label, ":")
	return before
}

// mismatch names the first property of an existing partition that the
// config contradicts ("size" when only the size differs), or "".
func mismatch(p config.Partition, e existing, tbl *table, mib int64) string {
	// Sectors are divided into MiB rather than MiB multiplied: a value
	// from the config cannot overflow this way.
	if s := intv(p.StartMiB); s > 0 && !isMiB(e.start, s, mib) {
		return "start"
	}
	if p.TypeGUID != nil && *p.TypeGUID != "" && !strings.EqualFold(*p.TypeGUID, e.typeGUID) {
		return "typeGuid"
	}
	if p.GUID != nil && *p.GUID != "" && !strings.EqualFold(*p.GUID, e.guid) {
		return "guid"
	}
	if p.Label != nil && gptLabel(*p.Label) != e.label {
		return "label"
	}
	size := e.end - e.start + 1
	if s := intv(p.SizeMiB); s > 0 && !isMiB(size, s, mib) {
		return "size"
	}
	// An explicit 0 means as large as possible: the partition must not be
	// able to grow. Without a size any size matches.
	if p.SizeMiB != nil && *p.SizeMiB == 0 && tbl.freeAfter(e) >= alignMiB*mib {
		return "size"
	}
	return ""
}

// startZeroMatches says whether an existing partition e satisfies an
// explicit startMiB 0 ("the start of the largest free area", as for a new
// partition): as in Ignition, it matches only where the partition would
// be placed if it were removed (with the partitions in gone) and created
// again. Without startMiB, or with another value, it matches here.
func (t *table) startZeroMatches(p config.Partition, e existing, gone []int) bool {
	if p.StartMiB == nil || *p.StartMiB != 0 {
		return true
	}
	placed, err := t.without(gone).place(change{num: e.number, part: p})
	return err == nil && placed.start == e.start
}

// isMiB says whether a count of sectors is exactly n MiB.
func isMiB(sectors int64, n int, mib int64) bool {
	return sectors%mib == 0 && sectors/mib == int64(n)
}

// freeAfter counts the free sectors between e and the next partition or
// the end of the usable area.
func (t *table) freeAfter(e existing) int64 {
	next := t.lastUsable + 1
	for _, o := range t.parts {
		if o.start > e.end && o.start < next {
			next = o.start
		}
	}
	return next - e.end - 1
}

// sfdiskWrite is an sfdisk command line that writes without re-reading:
// the stage tells the kernel itself (partx works while other partitions of
// the disk are in use, and skips sfdisk's fixed pause before its re-read).
func sfdiskWrite(args ...string) []string {
	return append([]string{"--quiet", "--no-reread", "--no-tell-kernel"}, args...)
}

// apply writes the plan, has the kernel and udev take in the new table,
// verifies it and waits for the partitions' device nodes.
func (plan *diskPlan) apply(ctx context.Context) error {
	dpath := report.Path{"storage", "disks", plan.index}
	if err := plan.write(ctx); err != nil {
		return stages.Errorf(dpath, plan.device, "%w", err)
	}
	changed := plan.wipe || len(plan.deletes) > 0 || len(plan.creates) > 0
	if changed {
		written := make([]int, 0, len(plan.creates))
		for _, e := range plan.creates {
			written = append(written, e.number)
		}
		hasTable := !plan.wipe || len(plan.creates) > 0
		if err := tellKernel(ctx, plan.device, hasTable, plan.deletes, written); err != nil {
			return stages.Errorf(dpath, plan.device, "%w", err)
		}
	}
	// The table is read back while udev catches up with the new
	// partitions: neither waits for the other.
	var tbl *table
	var err error
	read := make(chan struct{})
	go func() {
		defer close(read)
		tbl, err = readTable(ctx, plan.device)
	}()
	if changed {
		announcePartitions(ctx, plan.device)
	}
	<-read
	if err != nil {
		return stages.Errorf(dpath, plan.device, "%w", err)
	}
	mib := tbl.mib()
	for _, w := range plan.want {
		path := partPath(plan.index, w.index)
		e, ok := tbl.parts[w.num]
		if !ok {
			return stages.Errorf(path, plan.device, "partition %d is missing after partitioning", w.num)
		}
		if why := mismatch(w.part, e, tbl, mib); why != "" {
			return stages.Errorf(path, plan.device, "partition %d does not match the config after partitioning (%s differs)", w.num, why)
		}
		dev, err := partitionPath(plan.device, w.num)
		if err != nil {
			return stages.Errorf(path, plan.device, "%w", err)
		}
		if err := waitForDevice(ctx, dev); err != nil {
			return stages.Errorf(path, plan.device, "%w", err)
		}
	}
	return nil
}

// write puts the plan on the disk: a wiped disk gets a fresh GPT with its
// partitions in one sfdisk run (or no table at all); otherwise deletions,
// then additions, edit the existing table in place, which keeps its disk
// GUID and the boot code in its protective MBR.
func (plan *diskPlan) write(ctx context.Context) error {
	lines, labels, err := plan.script()
	if err != nil {
		return err
	}
	switch {
	case plan.wipe && len(plan.creates) == 0:
		if _, err := command.Run(ctx, "wipefs", "--all", plan.device); err != nil {
			return fmt.Errorf("wiping the partition table: %w", err)
		}
		return nil
	case plan.wipe, plan.fresh && len(plan.creates) > 0:
		// sfdisk --append on a disk without a table would start a DOS
		// one, which cannot hold the GPT types: a blank disk gets a new
		// GPT, and only wipeTable wipes other signatures.
		script := "label: gpt\n" + lines
		wipe := "never"
		if plan.wipe {
			wipe = "always"
		}
		args := sfdiskWrite("--wipe", wipe, "--wipe-partitions", "never", plan.device)
		if _, err := command.RunOpts(ctx, command.Options{Stdin: []byte(script)}, "sfdisk", args...); err != nil {
			return fmt.Errorf("writing the partition table: %w", err)
		}
	default:
		if len(plan.deletes) > 0 {
			args := sfdiskWrite("--delete", plan.device)
			for _, n := range plan.deletes {
				args = append(args, strconv.Itoa(n))
			}
			if _, err := command.Run(ctx, "sfdisk", args...); err != nil {
				return fmt.Errorf("deleting partitions: %w", err)
			}
		}
		if len(plan.creates) > 0 {
			args := sfdiskWrite("--append", "--wipe", "never", "--wipe-partitions", "never", plan.device)
			if _, err := command.RunOpts(ctx, command.Options{Stdin: []byte(lines)}, "sfdisk", args...); err != nil {
				return fmt.Errorf("adding partitions: %w", err)
			}
		}
	}
	// Labels a script line cannot carry are set one by one.
	for _, n := range slices.Sorted(maps.Keys(labels)) {
		args := sfdiskWrite("--part-label", plan.device, strconv.Itoa(n), labels[n])
		if _, err := command.Run(ctx, "sfdisk", args...); err != nil {
			return fmt.Errorf("labelling partition %d: %w", n, err)
		}
	}
	return nil
}

// script renders the partitions to create as sfdisk script lines. A line
// names its partition by a device path ending in the partition number. A
// label with a double quote or a control character cannot be quoted in a
// script; those are returned to be set separately.
func (plan *diskPlan) script() (string, map[int]string, error) {
	var b strings.Builder
	labels := map[int]string{}
	for _, e := range plan.creates {
		node, err := partitionPath(plan.device, e.number)
		if err != nil {
			return "", nil, err
		}
		fmt.Fprintf(&b, "%s : start=%d, size=%d, type=%s", node, e.start, e.end-e.start+1, e.typeGUID)
		if e.guid != "" {
			fmt.Fprintf(&b, ", uuid=%s", e.guid)
		}
		switch {
		case strings.ContainsFunc(e.label, func(r rune) bool { return r == '"' || r < ' ' || r == 0x7f }):
			labels[e.number] = e.label
		case e.label != "":
			fmt.Fprintf(&b, ", name=\"%s\"", e.label)
		}
		if e.attrs != "" {
			fmt.Fprintf(&b, ", attrs=\"%s\"", e.attrs)
		}
		b.WriteString("\n")
	}
	return b.String(), labels, nil
}

// sfdiskTable is the part of `sfdisk --json` the stage reads.
type sfdiskTable struct {
	PartitionTable struct {
		Label      string `json:"label"`
		FirstLBA   int64  `json:"firstlba"`
		LastLBA    int64  `json:"lastlba"`
		SectorSize int64  `json:"sectorsize"`
		Partitions []struct {
			Node  string `json:"node"`
			Start int64  `json:"start"`
			Size  int64  `json:"size"`
			Type  string `json:"type"`
			UUID  string `json:"uuid"`
			Name  string `json:"name"`
			Attrs string `json:"attrs"`
		} `json:"partitions"`
	} `json:"partitiontable"`
}

// blankTable is an empty GPT for the disk: its usable area lies after the
// protective MBR, the header and the entries, and before the backup
// entries and header.
func blankTable(dev string) (*table, error) {
	sectorSize, sectors, err := geometry(dev)
	if err != nil {
		return nil, err
	}
	return &table{sectorSize: sectorSize, firstUsable: 2 + entrySectors(sectorSize),
		lastUsable: sectors - 2 - entrySectors(sectorSize), parts: map[int]existing{}}, nil
}

// readTable reads a disk's partition table with one `sfdisk --json`. A
// disk without any table reads as an empty one.
func readTable(ctx context.Context, dev string) (*table, error) {
	t, err := blankTable(dev)
	if err != nil {
		return nil, err
	}
	out, err := command.RunOpts(ctx, command.Options{Answers: []int{1}}, "sfdisk", "--json", dev)
	if err != nil {
		var ce *command.Error
		if errors.As(err, &ce) && strings.Contains(ce.Output, "does not contain a recognized partition table") {
			return t, nil
		}
		return nil, fmt.Errorf("reading the partition table: %w", err)
	}
	var st sfdiskTable
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return nil, fmt.Errorf("reading the partition table: sfdisk --json: %w", err)
	}
	pt := st.PartitionTable
	t.label = pt.Label
	if pt.SectorSize > 0 {
		t.sectorSize = pt.SectorSize
	}
	if pt.FirstLBA > 0 {
		t.firstUsable = pt.FirstLBA
	}
	// The real size counts, not the header's: a table written on a
	// smaller disk ends early (its backup header moves to the end when the
	// table is written), and one from a larger disk, or a forged one,
	// claims sectors the disk does not have.
	for _, p := range pt.Partitions {
		n, ok := trailingNumber(p.Node)
		if !ok {
			return nil, fmt.Errorf("reading the partition table: no partition number in %q", p.Node)
		}
		t.parts[n] = existing{number: n, start: p.Start, end: p.Start + p.Size - 1,
			typeGUID: p.Type, guid: p.UUID, label: p.Name, attrs: p.Attrs}
	}
	return t, nil
}

// entrySectors is the size of a GPT's standard array of 128 entries of
// 128 bytes, in sectors.
func entrySectors(sectorSize int64) int64 { return (128*128 + sectorSize - 1) / sectorSize }

// trailingNumber is the number a partition device name ends with.
func trailingNumber(node string) (int, bool) {
	i := len(node)
	for i > 0 && node[i-1] >= '0' && node[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(node[i:])
	return n, err == nil
}

// geometry reads a disk's logical sector size and its size in those
// sectors from sysfs.
func geometry(dev string) (sectorSize, sectors int64, err error) {
	name, err := sysName(dev)
	if err != nil {
		return 0, 0, err
	}
	read := func(rel string) (int64, error) {
		b, err := os.ReadFile(filepath.Join("/sys/class/block", name, rel))
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	sectorSize, err = read("queue/logical_block_size")
	if err != nil {
		return 0, 0, fmt.Errorf("sector size of %s: %w", dev, err)
	}
	size512, err := read("size") // always in 512-byte units
	if err != nil {
		return 0, 0, fmt.Errorf("size of %s: %w", dev, err)
	}
	return sectorSize, size512 * 512 / sectorSize, nil
}
