package disks

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/stages"
)

// linuxFilesystemType is sgdisk's default partition type (8300).
const linuxFilesystemType = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

// alignMiB is the slack under which free space after a partition does
// not count: sgdisk aligns partitions to 1 MiB.
const alignMiB = 1

// existing is one partition already on a disk.
type existing struct {
	number     int
	start, end int64 // sectors, inclusive
	typeGUID   string
	guid       string
	label      string
}

// table is what sgdisk reports about a disk.
type table struct {
	sectorSize int64
	lastUsable int64
	parts      map[int]existing
}

// diskPlan is what will be done to one disk, decided before any write.
type diskPlan struct {
	index   int
	device  string // as in the config
	wipe    bool
	args    []string // sgdisk operations, in order
	want    []wanted // partitions to verify afterwards
	touches []int    // existing partition numbers changed or deleted
}

// wanted is a partition the disk must have after sgdisk ran.
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
	tbl := &table{sectorSize: 512, parts: map[int]existing{}}
	if plan.wipe {
		if why := inUse(d.Device, true); why != "" {
			return nil, stages.Errorf(dpath, d.Device, "refusing to wipe the partition table: %s", why)
		}
		t, err := readTable(ctx, d.Device)
		if err != nil {
			return nil, stages.Errorf(dpath, d.Device, "%w", err)
		}
		tbl.sectorSize, tbl.lastUsable = t.sectorSize, t.lastUsable
	} else {
		t, err := readTable(ctx, d.Device)
		if err != nil {
			return nil, stages.Errorf(dpath, d.Device, "%w", err)
		}
		tbl = t
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

// decide turns the config's partitions into sgdisk arguments against the
// current table: deletions first, then matches, resizes and creations.
func (plan *diskPlan) decide(d config.Disk, tbl *table) error {
	mib := 1024 * 1024 / tbl.sectorSize
	used := map[int]bool{}
	for n := range tbl.parts {
		used[n] = true
	}
	// Number 0 is always a new partition in the next free slot: existing
	// partitions are matched by number only, never by label.
	numbers := make([]int, len(d.Partitions))
	for j, p := range d.Partitions {
		numbers[j] = p.Number
	}
	var deletes, creates []string
	for j, p := range d.Partitions {
		path := partPath(plan.index, j)
		num := numbers[j]
		ex, exists := tbl.parts[num]
		if p.ShouldExist != nil && !*p.ShouldExist {
			if !exists {
				continue
			}
			if !boolv(p.WipePartitionEntry) {
				return stages.Errorf(path, d.Device, "partition %d exists but shouldExist is false and wipePartitionEntry is not set", num)
			}
			deletes = append(deletes, "-d", strconv.Itoa(num))
			plan.touches = append(plan.touches, num)
			delete(used, num)
			continue
		}
		if exists {
			why := mismatch(p, ex, tbl, mib)
			if why == "" {
				plan.want = append(plan.want, wanted{j, p, num})
				continue
			}
			if why == "size" && boolv(p.Resize) {
				// Keep start, GUIDs and label; only the end moves.
				size := "0"
				if s := intv(p.SizeMiB); s > 0 {
					size = "+" + strconv.Itoa(s) + "M"
				}
				kept := p
				kept.GUID, kept.TypeGUID, kept.Label = &ex.guid, &ex.typeGUID, &ex.label
				deletes = append(deletes, "-d", strconv.Itoa(num))
				creates = append(creates, createArgs(num, strconv.FormatInt(ex.start, 10), size, kept)...)
				plan.touches = append(plan.touches, num)
				plan.want = append(plan.want, wanted{j, p, num})
				continue
			}
			if !boolv(p.WipePartitionEntry) {
				return stages.Errorf(path, d.Device, "partition %d exists but does not match the config (%s differs) and wipePartitionEntry is not set", num, why)
			}
			deletes = append(deletes, "-d", strconv.Itoa(num))
			plan.touches = append(plan.touches, num)
			delete(used, num)
		}
		if num == 0 {
			num = 1
			for used[num] {
				num++
			}
		}
		used[num] = true
		numbers[j] = num
		start := "0"
		if s := intv(p.StartMiB); s > 0 {
			start = strconv.FormatInt(int64(s)*mib, 10)
		}
		size := "0"
		if s := intv(p.SizeMiB); s > 0 {
			size = "+" + strconv.Itoa(s) + "M"
		}
		creates = append(creates, createArgs(num, start, size, p)...)
		plan.want = append(plan.want, wanted{j, p, num})
	}
	plan.args = append(deletes, creates...)
	return nil
}

func createArgs(num int, start, size string, p config.Partition) []string {
	n := strconv.Itoa(num)
	typ := linuxFilesystemType
	if p.TypeGUID != nil && *p.TypeGUID != "" {
		typ = *p.TypeGUID
	}
	args := []string{"-n", n + ":" + start + ":" + size, "-t", n + ":" + typ}
	if p.GUID != nil && *p.GUID != "" {
		args = append(args, "-u", n+":"+*p.GUID)
	}
	if p.Label != nil {
		args = append(args, "-c", n+":"+*p.Label)
	}
	return args
}

// mismatch names the first property of an existing partition that the
// config contradicts ("size" when only the size differs), or "".
func mismatch(p config.Partition, e existing, tbl *table, mib int64) string {
	if s := intv(p.StartMiB); s > 0 && int64(s)*mib != e.start {
		return "start"
	}
	if p.TypeGUID != nil && *p.TypeGUID != "" && !strings.EqualFold(*p.TypeGUID, e.typeGUID) {
		return "typeGuid"
	}
	if p.GUID != nil && *p.GUID != "" && !strings.EqualFold(*p.GUID, e.guid) {
		return "guid"
	}
	if p.Label != nil && *p.Label != e.label {
		return "label"
	}
	size := e.end - e.start + 1
	if s := intv(p.SizeMiB); s > 0 && int64(s)*mib != size {
		return "size"
	}
	// An explicit 0 means as large as possible: the partition must not be
	// able to grow. Without a size any size matches.
	if p.SizeMiB != nil && *p.SizeMiB == 0 && tbl.freeAfter(e) >= alignMiB*mib {
		return "size"
	}
	return ""
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

// apply writes the plan with one sgdisk run, has the kernel re-read the
// table, verifies it and waits for the partitions' device nodes.
func (plan *diskPlan) apply(ctx context.Context) error {
	dpath := report.Path{"storage", "disks", plan.index}
	switch {
	case plan.wipe && len(plan.args) == 0:
		// Nothing to create: leave the disk without any partition table.
		if _, err := command.Run(ctx, "sgdisk", "--zap-all", plan.device); err != nil {
			return stages.Errorf(dpath, plan.device, "wiping the partition table: %w", err)
		}
	case len(plan.args) > 0:
		// One sgdisk run: every run that writes ends with a sync and a
		// pause of its own, so wiping (--clear writes a fresh GPT and
		// protective MBR over whatever table was there; --mbrtogpt lets
		// it replace an MBR table) and creating together cost one write.
		var args []string
		if plan.wipe {
			args = append(args, "--mbrtogpt", "--clear")
		}
		args = append(append(args, plan.args...), plan.device)
		if _, err := command.Run(ctx, "sgdisk", args...); err != nil {
			return stages.Errorf(dpath, plan.device, "partitioning: %w", err)
		}
	}
	if plan.wipe || len(plan.args) > 0 {
		if err := rereadPartitions(ctx, plan.device); err != nil {
			return stages.Errorf(dpath, plan.device, "%w", err)
		}
	}
	tbl, err := readTable(ctx, plan.device)
	if err != nil {
		return stages.Errorf(dpath, plan.device, "%w", err)
	}
	mib := 1024 * 1024 / tbl.sectorSize
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

var (
	sectorSizeRe = regexp.MustCompile(`Sector size \(logical(?:/physical)?\): (\d+)`)
	lastUsableRe = regexp.MustCompile(`last usable sector is (\d+)`)
	partLineRe   = regexp.MustCompile(`^\s+(\d+)\s+(\d+)\s+(\d+)\s`)
)

// readTable lists a disk's GPT partitions (sgdisk -p) and details each one
// (sgdisk -i N).
func readTable(ctx context.Context, dev string) (*table, error) {
	out, err := command.Run(ctx, "sgdisk", "-p", dev)
	if err != nil {
		return nil, fmt.Errorf("reading the partition table: %w", err)
	}
	t := &table{sectorSize: 512, parts: map[int]existing{}}
	if m := sectorSizeRe.FindStringSubmatch(out); m != nil {
		t.sectorSize, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := lastUsableRe.FindStringSubmatch(out); m != nil {
		t.lastUsable, _ = strconv.ParseInt(m[1], 10, 64)
	}
	for _, line := range strings.Split(out, "\n") {
		m := partLineRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		e, err := readPartition(ctx, dev, n)
		if err != nil {
			return nil, err
		}
		t.parts[n] = e
	}
	return t, nil
}

func readPartition(ctx context.Context, dev string, n int) (existing, error) {
	out, err := command.Run(ctx, "sgdisk", "-i", strconv.Itoa(n), dev)
	if err != nil {
		return existing{}, fmt.Errorf("reading partition %d: %w", n, err)
	}
	e := existing{number: n}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		first := strings.Fields(v)
		switch k {
		case "Partition GUID code":
			e.typeGUID = first[0]
		case "Partition unique GUID":
			e.guid = first[0]
		case "First sector":
			e.start, _ = strconv.ParseInt(first[0], 10, 64)
		case "Last sector":
			e.end, _ = strconv.ParseInt(first[0], 10, 64)
		case "Partition name":
			e.label = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
		}
	}
	return e, nil
}
