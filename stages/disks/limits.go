package disks

import (
	"fmt"

	"github.com/kindling-dev/kindling/config"
)

// maxPartitionNumber is the highest partition number the stage writes: a
// GPT as sfdisk creates it has 128 entries, and a number beyond them makes
// sfdisk fail only after earlier steps (deletions) have changed the table.
const maxPartitionNumber = 128

// checkUsable refuses a sector size the MiB arithmetic cannot use and,
// when partitions are to be placed, a disk too small to hold a GPT with
// any usable sector, before any arithmetic works with its negative usable
// area.
func (t *table) checkUsable(partitions bool) error {
	if t.sectorSize <= 0 || t.sectorSize > 1024*1024 || (1024*1024)%t.sectorSize != 0 {
		return fmt.Errorf("the disk's sector size (%d bytes) does not divide a MiB", t.sectorSize)
	}
	if partitions && t.lastUsable < t.firstUsable {
		return fmt.Errorf("the disk is too small for a GPT: it has no usable sector")
	}
	return nil
}

// usableMiB is how many whole MiB the usable area of the disk holds.
func (t *table) usableMiB() int64 { return (t.lastUsable - t.firstUsable + 1) / t.mib() }

// checkNumber refuses a partition number no GPT entry can hold.
func checkNumber(num int) error {
	if num < 0 || num > maxPartitionNumber {
		return fmt.Errorf("partition number %d is outside 1..%d, the entries of a GPT", num, maxPartitionNumber)
	}
	return nil
}

// checkExtent range-checks a partition's startMiB and sizeMiB against the
// disk before they are multiplied into sectors, so a value near the top
// of the integer range cannot wrap into a small, plausible one. Values
// checked here are later multiplied by the sectors per MiB without
// overflow: both are at most the disk's size in MiB.
func (t *table) checkExtent(p config.Partition) error {
	mib := t.mib()
	last := t.lastUsable / mib // the last MiB a partition can start in
	if s := p.StartMiB; s != nil {
		if *s < 0 {
			return fmt.Errorf("startMiB %d is negative", *s)
		}
		if int64(*s) > last {
			return fmt.Errorf("startMiB %d is outside the disk's usable area (MiB %d to %d)",
				*s, (t.firstUsable+mib-1)/mib, last)
		}
	}
	if s := p.SizeMiB; s != nil {
		if *s < 0 {
			return fmt.Errorf("sizeMiB %d is negative", *s)
		}
		if int64(*s) > t.usableMiB() {
			return fmt.Errorf("sizeMiB %d is larger than the disk's usable area (%d MiB)", *s, t.usableMiB())
		}
	}
	return nil
}
