package disks

import (
	"encoding/binary"
	"testing"

	"github.com/kindling-dev/kindling/config"
)

// fuzzReader hands out values from fuzz input; past the end it gives 0.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) u8() uint8 {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) i64() int64 {
	var buf [8]byte
	n := copy(buf[:], r.b)
	r.b = r.b[n:]
	return int64(binary.LittleEndian.Uint64(buf[:]))
}

// small is a value of either magnitude: mostly small MiB counts, which
// exercise placement, sometimes anything at all (overflow).
func (r *fuzzReader) small() int {
	if r.u8()%4 == 0 {
		return int(r.i64())
	}
	return int(r.u8()) - 8
}

// fuzzTable is a synthetic GPT: a sector size, a disk size and existing
// partitions laid one after another with gaps, all inside the disk.
func fuzzTable(r *fuzzReader) *table {
	ss := int64(512)
	if r.u8()%2 == 1 {
		ss = 4096
	}
	diskMiB := int64(r.u8())*4 + int64(r.u8()%8) // 0..1027 MiB: tiny disks too
	sectors := diskMiB * 1024 * 1024 / ss
	t := &table{label: "gpt", sectorSize: ss, firstUsable: 2 + entrySectors(ss),
		lastUsable: sectors - 2 - entrySectors(ss), parts: map[int]existing{}}
	next := t.firstUsable
	hostile := r.u8()%8 == 0 // a table from another disk, or forged
	for n := int(r.u8() % 6); n > 0; n-- {
		num := int(r.u8()%130) + 1
		start := next + int64(r.u8())*t.mib()/4
		if hostile {
			start = r.i64() % (2 * (t.lastUsable + 2)) // overlapping, past the end
		}
		end := start + int64(r.u8()%32+1)*t.mib() - 1
		if _, dup := t.parts[num]; dup || (!hostile && end > t.lastUsable) {
			continue
		}
		t.parts[num] = existing{number: num, start: start, end: end, typeGUID: linuxFilesystemType, label: "p"}
		next = end + 1
	}
	return t
}

func fuzzPartitions(r *fuzzReader) []config.Partition {
	var parts []config.Partition
	for n := int(r.u8() % 6); n > 0; n-- {
		p := config.Partition{Number: r.small()}
		flags := r.u8()
		if flags&1 != 0 {
			v := r.small()
			p.SizeMiB = &v
		}
		if flags&2 != 0 {
			v := r.small()
			p.StartMiB = &v
		}
		yes, no := true, false
		if flags&4 != 0 {
			p.ShouldExist = &no
		}
		if flags&8 != 0 {
			p.WipePartitionEntry = &yes
		}
		if flags&16 != 0 {
			p.Resize = &yes
		}
		parts = append(parts, p)
	}
	return parts
}

// FuzzPlanPartitions plans random partitions against a random table
// (sometimes a forged one: overlapping entries, entries past the end),
// with no disk: planning must not panic, and a plan it accepts keeps every
// partition inside the usable area, numbered within the GPT's entries and
// clear of every other partition.
func FuzzPlanPartitions(f *testing.F) {
	f.Add([]byte{0, 16, 0, 2, 1, 0, 4, 2, 3, 2, 5, 0, 0, 1, 16})
	f.Add([]byte{1, 255, 7, 3, 1, 0, 8, 2, 2, 0, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 32})
	f.Add([]byte{0, 0, 1, 0, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{b: data}
		tbl := fuzzTable(r)
		wipe := r.u8()%2 == 1
		d := config.Disk{Device: "/dev/fuzz", WipeTable: &wipe, Partitions: fuzzPartitions(r)}
		if wipe {
			tbl.parts = map[int]existing{}
		}
		plan := &diskPlan{device: d.Device, wipe: wipe}
		if err := plan.decide(d, tbl); err != nil {
			return
		}
		final := tbl.without(plan.deletes).parts
		for _, e := range plan.creates {
			if e.number < 1 || e.number > maxPartitionNumber {
				t.Fatalf("partition number %d outside 1..%d", e.number, maxPartitionNumber)
			}
			if e.start < tbl.firstUsable || e.end > tbl.lastUsable || e.start > e.end {
				t.Fatalf("partition %d at %d..%d outside the usable %d..%d", e.number, e.start, e.end, tbl.firstUsable, tbl.lastUsable)
			}
			if _, kept := final[e.number]; kept {
				t.Fatalf("partition %d created over a kept entry", e.number)
			}
			final[e.number] = e
		}
		// What the plan creates overlaps nothing; what the table had may
		// (a forged table), but that is not the plan's doing.
		for _, e := range plan.creates {
			for n, o := range final {
				if n != e.number && e.start <= o.end && o.start <= e.end {
					t.Fatalf("new partition %d (%d..%d) overlaps partition %d (%d..%d)", e.number, e.start, e.end, n, o.start, o.end)
				}
			}
		}
	})
}
