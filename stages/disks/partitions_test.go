package disks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const (
	typeSwap = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"
	guidA    = "8A2B9C1E-3F4D-4E5A-9B6C-7D8E9F0A1B2C"
)

func readTableT(t *testing.T, dev string) *table {
	t.Helper()
	tbl, err := readTable(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestPartitionCreation(t *testing.T) {
	needLoop(t)
	for _, v := range allVersions {
		t.Run(v, func(t *testing.T) {
			dev := loopDisk(t, 64)
			cfg := parse(t, v, fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[
				{"number":1,"label":"boot","sizeMiB":8,"startMiB":2,"typeGuid":%q,"guid":%q},
				{"label":"data","sizeMiB":16},
				{"label":"rest","sizeMiB":0}]}]}`, dev, typeSwap, guidA))
			if _, err := runStage(t, cfg); err != nil {
				t.Fatal(err)
			}
			tbl := readTableT(t, dev)
			p1, p2, p3 := tbl.parts[1], tbl.parts[2], tbl.parts[3]
			if p1.start != 2*2048 || p1.end-p1.start+1 != 8*2048 || !strings.EqualFold(p1.typeGUID, typeSwap) || !strings.EqualFold(p1.guid, guidA) || p1.label != "boot" {
				t.Errorf("partition 1 = %+v", p1)
			}
			if p2.label != "data" || p2.end-p2.start+1 != 16*2048 || !strings.EqualFold(p2.typeGUID, linuxFilesystemType) {
				t.Errorf("partition 2 = %+v", p2)
			}
			if p3.label != "rest" || tbl.freeAfter(p3) >= 2048 {
				t.Errorf("partition 3 = %+v, free after it %d", p3, tbl.freeAfter(p3))
			}
			for n := 1; n <= 3; n++ {
				if _, err := rdev(part(t, dev, n)); err != nil {
					t.Errorf("device node of partition %d: %v", n, err)
				}
			}
			// Applying the same config again keeps everything (matching).
			if _, err := runStage(t, parse(t, v, fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
				{"number":1,"label":"boot","sizeMiB":8,"startMiB":2,"typeGuid":%q,"guid":%q},
				{"number":2,"label":"data","sizeMiB":16},{"number":3,"label":"rest"}]}]}`, dev, typeSwap, guidA))); err != nil {
				t.Fatalf("re-applying a matching config: %v", err)
			}
			if got := readTableT(t, dev).parts; got[1] != p1 || got[2] != p2 || got[3] != p3 {
				t.Errorf("matching partitions changed: %+v", got)
			}
		})
	}
}

func TestPartitionMismatch(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:old", dev)
	sh(t, "partx", "-u", dev)
	cases := []struct {
		name, part string
		want       []string
	}{
		{"label", `{"number":1,"label":"new"}`, []string{"storage.disks.0.partitions.0", "label differs"}},
		{"size", `{"number":1,"sizeMiB":16}`, []string{"storage.disks.0.partitions.0", "size differs"}},
		{"start", `{"number":1,"startMiB":4}`, []string{"start differs"}},
		{"type", fmt.Sprintf(`{"number":1,"typeGuid":%q}`, typeSwap), []string{"typeGuid differs"}},
		{"shouldExist", `{"number":1,"shouldExist":false}`, []string{"shouldExist is false"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := sh(t, "sgdisk", "-p", dev)
			_, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[%s]}]}`, dev, c.part)))
			mustFail(t, err, c.want...)
			if after := sh(t, "sgdisk", "-p", dev); after != before {
				t.Errorf("the table changed although the config failed:\n%s\n%s", before, after)
			}
		})
	}
}

func TestPartitionWipeEntryAndDelete(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:old", "-n", "2:0:+8M", "-c", "2:gone", dev)
	sh(t, "partx", "-u", dev)
	_, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":1,"label":"new","sizeMiB":4,"wipePartitionEntry":true},
		{"number":2,"shouldExist":false,"wipePartitionEntry":true}]}]}`, dev)))
	if err != nil {
		t.Fatal(err)
	}
	tbl := readTableT(t, dev)
	if p := tbl.parts[1]; p.label != "new" || p.end-p.start+1 != 4*2048 {
		t.Errorf("partition 1 not recreated: %+v", p)
	}
	if _, ok := tbl.parts[2]; ok {
		t.Errorf("partition 2 not deleted")
	}
}

func TestPartitionResize(t *testing.T) {
	needLoop(t)
	for _, v := range []string{"3.2.0", "3.6.0"} { // resize appeared in 3.2.0
		t.Run(v, func(t *testing.T) {
			dev := loopDisk(t, 64)
			sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:root", dev)
			sh(t, "partx", "-u", dev)
			before := readTableT(t, dev).parts[1]
			if _, err := runStage(t, parse(t, v, fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
				{"number":1,"label":"root","sizeMiB":0,"resize":true}]}]}`, dev))); err != nil {
				t.Fatal(err)
			}
			tbl := readTableT(t, dev)
			after := tbl.parts[1]
			if after.start != before.start || after.guid != before.guid || after.label != "root" {
				t.Errorf("resize changed identity: before %+v after %+v", before, after)
			}
			if after.end <= before.end || tbl.freeAfter(after) >= 2048 {
				t.Errorf("not grown to fill the disk: before %+v after %+v", before, after)
			}
		})
	}
}

// Number 0 takes the next free slot; partitions are matched by number
// only, so a label already on the disk does not make it match.
func TestPartitionNumberZero(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:a", "-n", "3:0:+8M", "-c", "3:b", dev)
	sh(t, "partx", "-u", dev)
	if _, err := runStage(t, parse(t, "3.1.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"label":"b","sizeMiB":4},{"label":"c","sizeMiB":4}]}]}`, dev))); err != nil {
		t.Fatal(err)
	}
	tbl := readTableT(t, dev)
	if len(tbl.parts) != 4 || tbl.parts[2].label != "b" || tbl.parts[4].label != "c" || tbl.parts[3].label != "b" {
		t.Errorf("table = %+v", tbl.parts)
	}
}

func TestPartitionInUseRefused(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+16M", dev)
	sh(t, "partx", "-u", dev)
	p1 := part(t, dev, 1)
	sh(t, "mkfs.ext4", "-q", p1)
	mnt := t.TempDir()
	sh(t, "mount", p1, mnt)
	defer sh(t, "umount", mnt)
	_, err := runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true}]}`, dev)))
	mustFail(t, err, "storage.disks.0", "refusing", fmt.Sprintf("mounted at %q", mnt))
	_, err = runStage(t, parse(t, "3.0.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"xfs","wipeFilesystem":true}]}`, p1)))
	mustFail(t, err, "storage.filesystems.0", "refusing")
	if got := blkidOf(t, p1)["TYPE"]; got != "ext4" {
		t.Errorf("mounted filesystem changed to %q", got)
	}
}

// TestWipeTableReplacesMBRAndGPT: wipeTable replaces whatever table the
// disk had, an MBR one included, with exactly the configured partitions.
func TestWipeTableReplacesMBRAndGPT(t *testing.T) {
	needLoop(t)
	for name, prepare := range map[string][]string{
		"mbr": {"sh", "-c", `echo ',20M,L' | sfdisk -q "$0"`},
		"gpt": {"sgdisk", "-n", "1:0:+10M", "-n", "2:0:+10M", "-c", "2:old"},
	} {
		t.Run(name, func(t *testing.T) {
			dev := loopDisk(t, 64)
			args := append(prepare[1:], dev)
			if out, err := exec.Command(prepare[0], args...).CombinedOutput(); err != nil {
				t.Fatalf("preparing the %s table: %v: %s", name, err, out)
			}
			cfg := parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[{"label":"fresh","sizeMiB":8}]}]}`, dev))
			if _, err := runStage(t, cfg); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("blkid", "-p", "-o", "value", "-s", "PTTYPE", dev).Output()
			if err != nil || strings.TrimSpace(string(out)) != "gpt" {
				t.Fatalf("table type %q, %v", out, err)
			}
			tbl := readTableT(t, dev)
			if len(tbl.parts) != 1 || tbl.parts[1].label != "fresh" {
				t.Errorf("partitions after wiping: %+v", tbl.parts)
			}
		})
	}
}

// Adding a partition edits the table in place: the disk GUID, the other
// partitions and their attribute flags, and the boot code in the
// protective MBR (BIOS boot loaders live there) all stay.
func TestPartitionAddKeepsBootCodeAndDiskGUID(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:boot", "-A", "1:set:2", dev)
	bootCode := []byte("KINDLING-TEST-BOOT-CODE")
	writeAt(t, dev, 16, bootCode)
	guidBefore := diskGUID(t, dev)
	before := readTableT(t, dev).parts[1]
	if _, err := runStage(t, parse(t, "3.3.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":1,"label":"boot"},{"label":"var","sizeMiB":16}]}]}`, dev))); err != nil {
		t.Fatal(err)
	}
	tbl := readTableT(t, dev)
	if tbl.parts[1] != before {
		t.Errorf("partition 1 changed: %+v, was %+v", tbl.parts[1], before)
	}
	if before.attrs == "" {
		t.Errorf("partition 1 lost its attribute flags: %+v", before)
	}
	if p := tbl.parts[2]; p.label != "var" || p.end-p.start+1 != 16*2048 || p.start%2048 != 0 {
		t.Errorf("partition 2 = %+v", p)
	}
	if got := readAt(t, dev, 16, len(bootCode)); string(got) != string(bootCode) {
		t.Errorf("boot code in the protective MBR changed to %q", got)
	}
	if g := diskGUID(t, dev); g != guidBefore {
		t.Errorf("disk GUID changed from %s to %s", guidBefore, g)
	}
	verifyGPT(t, dev)
}

// A table written on a smaller disk (an image copied onto a larger one)
// ends early; a partition that fills the disk uses the real size, and the
// backup header moves to the real end.
func TestPartitionFillsGrownDisk(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 128)
	img := t.TempDir() + "/small.img"
	sh(t, "truncate", "-s", "32M", img)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:root", img)
	sh(t, "dd", "if="+img, "of="+dev, "bs=1M", "conv=notrunc,fsync", "status=none")
	sh(t, "partx", "-u", dev)
	if _, err := runStage(t, parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":1,"label":"root"},{"number":2,"label":"var","sizeMiB":0}]}]}`, dev))); err != nil {
		t.Fatal(err)
	}
	tbl := readTableT(t, dev)
	p2 := tbl.parts[2]
	if p2.end < 100*2048 || tbl.freeAfter(p2) >= 2048 {
		t.Errorf("partition 2 does not fill the 128 MiB disk: %+v (last usable %d)", p2, tbl.lastUsable)
	}
	verifyGPT(t, dev)
}

// A label sfdisk's script syntax cannot quote still comes out exactly.
func TestPartitionLabelWithQuote(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	const label = `say "hi", ok`
	// A colon cuts the label, as it always did with sgdisk. The spec
	// rejects such a label, so only a config built in Go has one.
	cfg := parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[
		{"label":%q,"sizeMiB":8},{"label":"plain, with comma","sizeMiB":8},{"label":"var-lib","sizeMiB":8}]}]}`, dev, label))
	colon := "var:lib"
	cfg.Storage.Disks[0].Partitions[2].Label = &colon
	if _, err := runStage(t, cfg); err != nil {
		t.Fatal(err)
	}
	tbl := readTableT(t, dev)
	if tbl.parts[1].label != label || tbl.parts[2].label != "plain, with comma" || tbl.parts[3].label != "var" {
		t.Errorf("labels = %q, %q, %q", tbl.parts[1].label, tbl.parts[2].label, tbl.parts[3].label)
	}
	// The same config matches what is on the disk now.
	again := parse(t, "3.0.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":1,"label":%q},{"number":3,"label":"var-lib"}]}]}`, dev, label))
	again.Storage.Disks[0].Partitions[1].Label = &colon
	if _, err := runStage(t, again); err != nil {
		t.Fatalf("re-applying: %v", err)
	}
}

// Configs that cannot be satisfied fail while planning, naming the
// partition, and leave the disk as it was.
func TestPartitionPlanErrorsTouchNothing(t *testing.T) {
	needLoop(t)
	cases := []struct {
		name, prepare, parts string
		want                 []string
	}{
		{"too large", "", `{"number":2,"sizeMiB":100}`, []string{"storage.disks.0.partitions.0", "partition 2", "larger than the disk"}},
		{"larger than the free space", "", `{"number":2,"sizeMiB":60}`, []string{"storage.disks.0.partitions.0", "partition 2", "do not fit"}},
		{"start inside a partition", "", `{"number":2,"startMiB":2,"sizeMiB":4}`, []string{"storage.disks.0.partitions.0", "not in free space"}},
		{"second does not fit", "", `{"number":2,"sizeMiB":8},{"number":3,"sizeMiB":60}`, []string{"storage.disks.0.partitions.1", "partition 3"}},
		{"mbr without wipeTable", "mbr", `{"number":1}`, []string{"storage.disks.0", "dos partition table", "wipeTable"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dev := loopDisk(t, 64)
			if c.prepare == "mbr" {
				sh(t, "sh", "-c", `echo ',20M,L' | sfdisk -q "$0"`, dev)
			} else {
				sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:a", dev)
			}
			before := sh(t, "sfdisk", "--dump", dev)
			_, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[%s]}]}`, dev, c.parts)))
			mustFail(t, err, c.want...)
			if after := sh(t, "sfdisk", "--dump", dev); after != before {
				t.Errorf("the table changed although the config failed:\n%s\n%s", before, after)
			}
		})
	}
}

// writeAt and readAt put and get bytes at an offset of a device.
func writeAt(tb testing.TB, dev string, off int64, b []byte) {
	tb.Helper()
	f, err := os.OpenFile(dev, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		tb.Fatal(err)
	}
}

func readAt(tb testing.TB, dev string, off int64, n int) []byte {
	tb.Helper()
	f, err := os.Open(dev)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		tb.Fatal(err)
	}
	return b
}

func diskGUID(tb testing.TB, dev string) string {
	tb.Helper()
	out := sh(tb, "sgdisk", "-p", dev)
	for _, line := range strings.Split(out, "\n") {
		if _, g, ok := strings.Cut(line, "Disk identifier (GUID): "); ok {
			return strings.TrimSpace(g)
		}
	}
	tb.Fatalf("no disk GUID in:\n%s", out)
	return ""
}

// verifyGPT has sgdisk check the table's structures (headers at both
// ends, CRCs, overlaps).
func verifyGPT(tb testing.TB, dev string) {
	tb.Helper()
	out := sh(tb, "sgdisk", "-v", dev)
	if !strings.Contains(out, "No problems found") {
		tb.Errorf("sgdisk -v:\n%s", out)
	}
}
