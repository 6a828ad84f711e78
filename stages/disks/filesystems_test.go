package disks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFilesystemsCreateReuseWipe(t *testing.T) {
	needLoop(t)
	cases := []struct {
		format, uuid, label string
	}{
		{"ext4", "7f1c5a5e-2d6b-4b8e-9a55-2f0c3c7d1e01", "ext"},
		{"xfs", "7f1c5a5e-2d6b-4b8e-9a55-2f0c3c7d1e02", "xfs"},
		{"btrfs", "7f1c5a5e-2d6b-4b8e-9a55-2f0c3c7d1e03", "bt"},
		{"vfat", "1A2B-3C4D", "FAT"},
		{"swap", "7f1c5a5e-2d6b-4b8e-9a55-2f0c3c7d1e05", "sw"},
	}
	for _, c := range cases {
		for vi, v := range []string{"3.0.0", "3.6.0"} {
			t.Run(c.format+"/"+v, func(t *testing.T) {
				c := c
				if c.format != "vfat" {
					// One UUID per subtest: mkfs.btrfs refuses a UUID that
					// another device (an earlier subtest's loop device not
					// yet gone) still carries.
					c.uuid = fmt.Sprintf("%s%02d", c.uuid[:len(c.uuid)-2], vi)
				}
				dev := loopDisk(t, 320)
				fs := func(label string, extra string) string {
					return fmt.Sprintf(`{"filesystems":[{"device":%q,"format":%q,"label":%q,"uuid":%q%s}]}`, dev, c.format, label, c.uuid, extra)
				}
				if _, err := runStage(t, parse(t, v, fs(c.label, ""))); err != nil {
					t.Fatal(err)
				}
				got := blkidOf(t, dev)
				if got["TYPE"] != c.format || got["LABEL"] != c.label || !strings.EqualFold(got["UUID"], c.uuid) {
					t.Fatalf("blkid = %v", got)
				}
				marker := writeMarker(t, dev, c.format)
				// Same type, label and UUID: kept, contents intact.
				if _, err := runStage(t, parse(t, v, fs(c.label, ""))); err != nil {
					t.Fatalf("reuse: %v", err)
				}
				checkMarker(t, dev, c.format, marker, true)
				// A different label without wipeFilesystem fails, untouched.
				_, err := runStage(t, parse(t, v, fs("other", "")))
				mustFail(t, err, "storage.filesystems.0", "wipeFilesystem is not set")
				checkMarker(t, dev, c.format, marker, true)
				// With wipeFilesystem it is recreated.
				if _, err := runStage(t, parse(t, v, fs("other", `,"wipeFilesystem":true`))); err != nil {
					t.Fatalf("wipe: %v", err)
				}
				if got := blkidOf(t, dev); got["LABEL"] != "other" {
					t.Fatalf("after wipe blkid = %v", got)
				}
				checkMarker(t, dev, c.format, marker, false)
			})
		}
	}
}

// writeMarker puts a file on a mountable filesystem (or, for swap, notes
// the swap's UUID) so tests can tell reuse from recreation.
func writeMarker(t *testing.T, dev, format string) string {
	t.Helper()
	if format == "swap" || !kernelHas("filesystems", format) {
		return "unmountable"
	}
	mnt := t.TempDir()
	sh(t, "mount", dev, mnt)
	defer sh(t, "umount", mnt)
	if err := os.WriteFile(filepath.Join(mnt, "marker"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	return "kept"
}

func checkMarker(t *testing.T, dev, format, marker string, want bool) {
	t.Helper()
	if marker == "unmountable" {
		return
	}
	mnt := t.TempDir()
	sh(t, "mount", dev, mnt)
	defer sh(t, "umount", mnt)
	data, err := os.ReadFile(filepath.Join(mnt, "marker"))
	if have := err == nil && string(data) == marker; have != want {
		t.Errorf("marker present = %v, want %v (err %v)", have, want, err)
	}
}

// Format "none" exists since spec 3.3.0.
func TestFilesystemFormatNone(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "mkfs.ext4", "-q", dev)
	_, err := runStage(t, parse(t, "3.3.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"none"}]}`, dev)))
	mustFail(t, err, "storage.filesystems.0", "format is none")
	if got := blkidOf(t, dev)["TYPE"]; got != "ext4" {
		t.Fatalf("format none without wipe changed the device: %q", got)
	}
	if _, err := runStage(t, parse(t, "3.6.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"none","wipeFilesystem":true}]}`, dev))); err != nil {
		t.Fatal(err)
	}
	if got := blkidOf(t, dev); len(got) != 0 {
		t.Fatalf("format none with wipe left %v", got)
	}
	// On an empty device format none succeeds and creates nothing.
	if _, err := runStage(t, parse(t, "3.3.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"none"}]}`, dev))); err != nil {
		t.Fatal(err)
	}
	if got := blkidOf(t, dev); len(got) != 0 {
		t.Fatalf("format none created %v", got)
	}
}

func TestFilesystemOtherTypeRefused(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "mkfs.ext4", "-q", dev)
	_, err := runStage(t, parse(t, "3.4.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"vfat"}]}`, dev)))
	mustFail(t, err, "storage.filesystems.0", "ext4 filesystem, not vfat")
	if got := blkidOf(t, dev)["TYPE"]; got != "ext4" {
		t.Fatalf("device changed to %q", got)
	}
}

func TestPartitionsThenFilesystems(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 128)
	cfg := parse(t, "3.3.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[{"number":1,"sizeMiB":48},{"number":2}]}],
		"filesystems":[{"device":"%sp1","format":"ext4","label":"one"},{"device":"%sp2","format":"vfat","label":"TWO"}]}`, dev, dev, dev))
	if _, err := runStage(t, cfg); err != nil {
		t.Fatal(err)
	}
	p1, p2 := part(t, dev, 1), part(t, dev, 2)
	if got := blkidOf(t, p1); got["TYPE"] != "ext4" || got["LABEL"] != "one" {
		t.Errorf("%s: %v", p1, got)
	}
	if got := blkidOf(t, p2); got["TYPE"] != "vfat" || got["LABEL"] != "TWO" {
		t.Errorf("%s: %v", p2, got)
	}
}
