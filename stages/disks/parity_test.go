package disks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Cases found by running Ignition's blackbox disk tests
// (tests/compat/blackbox_disks_test.go) against the stage.

// sysSize is a kernel partition's size in sectors, "" when the kernel
// does not know the partition.
func sysSize(t *testing.T, disk string, n int) string {
	t.Helper()
	name := filepath.Base(part(t, disk, n))
	b, err := os.ReadFile(filepath.Join("/sys/class/block", name, "size"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// TestGappedNumbersOnBlankDisk: a disk without a table gets a GPT (sfdisk
// --append alone would start a DOS table and fail on the GPT types), and
// partitions numbered above the count of entries (6 and 9 of three) reach
// the kernel. Then deleting 6 and growing 9 over its space reaches the
// kernel too.
func TestGappedNumbersOnBlankDisk(t *testing.T) {
	needLoop(t)
	for _, empty := range []bool{false, true} {
		t.Run(fmt.Sprintf("emptyGPT=%v", empty), func(t *testing.T) { testGappedNumbers(t, empty) })
	}
}

func testGappedNumbers(t *testing.T, emptyGPT bool) {
	dev := loopDisk(t, 64)
	if emptyGPT {
		sh(t, "sgdisk", "-o", dev)
	}
	_, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":1,"sizeMiB":8},{"number":6,"sizeMiB":8},{"number":9,"sizeMiB":8}]}]}`, dev)))
	if err != nil {
		t.Fatal(err)
	}
	if l := readTableT(t, dev).label; l != "gpt" {
		t.Errorf("table label %q, want gpt", l)
	}
	for _, n := range []int{1, 6, 9} {
		if got := sysSize(t, dev, n); got != "16384" {
			t.Errorf("kernel's partition %d: size %q, want 16384 sectors", n, got)
		}
	}
	_, err = runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":6,"shouldExist":false,"wipePartitionEntry":true},
		{"number":9,"startMiB":9,"sizeMiB":24,"wipePartitionEntry":true}]}]}`, dev)))
	if err != nil {
		t.Fatal(err)
	}
	if got := sysSize(t, dev, 6); got != "" {
		t.Errorf("the kernel still has partition 6 (%s sectors)", got)
	}
	if got := sysSize(t, dev, 9); got != "49152" {
		t.Errorf("kernel's partition 9: size %q, want 49152 sectors", got)
	}
}

// TestWipeTableToNothingLeavesKernel: wipeTable without partitions leaves
// no table, and the kernel forgets the old partitions (partx cannot read a
// table that is not there).
func TestWipeTableToNothingLeavesKernel(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-n", "5:0:+8M", dev)
	sh(t, "partx", "-u", "--nr", "1:5", dev)
	if sysSize(t, dev, 5) == "" {
		t.Fatal("setup: partition 5 not in the kernel")
	}
	if _, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true}]}`, dev))); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 5} {
		if got := sysSize(t, dev, n); got != "" {
			t.Errorf("the kernel still has partition %d", n)
		}
	}
}

// TestStartZeroMatchesWhereIgnitionPlaces: startMiB 0 on an existing
// partition matches only if re-creating it at the start of the largest
// free area would put it where it is.
func TestStartZeroMatchesWhereIgnitionPlaces(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	// Partition 2 sits after an 8 MiB gap: without it, the gap and its
	// space form the largest free area, which starts earlier.
	sh(t, "sgdisk", "-n", "1:1M:+8M", "-n", "2:17M:+8M", dev)
	sh(t, "partx", "-u", "--nr", "1:2", dev)
	before := sh(t, "sgdisk", "-p", dev)
	_, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[{"number":2,"startMiB":0}]}]}`, dev)))
	mustFail(t, err, "storage.disks.0.partitions.0", "start differs")
	if after := sh(t, "sgdisk", "-p", dev); after != before {
		t.Errorf("the table changed:\n%s\n%s", before, after)
	}
	// Alone on its disk, partition 1 would be placed where it is.
	dev2 := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:1M:+8M", dev2)
	sh(t, "partx", "-u", dev2)
	if _, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[{"number":1,"startMiB":0}]}]}`, dev2))); err != nil {
		t.Errorf("startMiB 0 on a partition at the first free sector: %v", err)
	}
}

// TestReuseFATVolumeIDWithoutDash: a FAT volume ID in the config without
// its dash (mkfs.fat's spelling) matches blkid's A1B2-C3D4.
func TestReuseFATVolumeIDWithoutDash(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "mkfs.fat", "-i", "2E24EC82", dev)
	before := sh(t, "sha256sum", dev)
	for _, id := range []string{"2E24EC82", "2e24-ec82"} {
		if _, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"vfat","uuid":%q}]}`, dev, id))); err != nil {
			t.Errorf("uuid %s: %v", id, err)
		}
	}
	if after := sh(t, "sha256sum", dev); after != before {
		t.Error("the filesystem was recreated instead of reused")
	}
	if !sameFSUUID("vfat", "2E24EC82", "2E24-EC82") || sameFSUUID("ext4", "2E24EC82", "2E24-EC82") || sameFSUUID("vfat", "2E24EC83", "2E24-EC82") {
		t.Error("sameFSUUID")
	}
}

// TestAmbivalentDeviceByFirstSignature: an ext4 filesystem with a stale
// btrfs superblock inside is described by its first signature (blkid -p
// alone refuses to answer), so a config asking for that ext4 reuses it
// and one asking for btrfs fails without wipeFilesystem.
func TestAmbivalentDeviceByFirstSignature(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 130)
	img := filepath.Join(t.TempDir(), "btrfs.img")
	sh(t, "truncate", "-s", "130M", img)
	sh(t, "mkfs.btrfs", "-q", "-f", img)
	sh(t, "mkfs.ext4", "-q", "-F", "-U", "f63bf118-f6d7-40a3-b64c-a92b05a7f9ee", dev)
	sh(t, "dd", "if="+img, "of="+dev, "bs=4096", "skip=16", "seek=16", "count=1", "conv=notrunc", "status=none")
	m := blkidOf(t, dev)
	if m["TYPE"] != "ext4" || m["UUID"] != "f63bf118-f6d7-40a3-b64c-a92b05a7f9ee" {
		t.Fatalf("probe: %v", m)
	}
	if _, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"ext4","uuid":"f63bf118-f6d7-40a3-b64c-a92b05a7f9ee"}]}`, dev))); err != nil {
		t.Errorf("reusing the ext4: %v", err)
	}
	_, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"btrfs"}]}`, dev)))
	mustFail(t, err, "storage.filesystems.0", "wipeFilesystem is not set")
}
