package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NeedRoot skips a test that needs root (loop devices, mount, owners)
// or one of tools, saying which is missing.
func NeedRoot(tb testing.TB, tools ...string) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root (loop devices, mounts, file owners)")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s not installed (scripts/deps.sh disks)", tool)
		}
	}
}

// KernelHas says whether /proc/FILE lists word as the last field of a
// line: a filesystem in "filesystems" (with or without "nodev"), a
// misc device in "misc".
func KernelHas(file, word string) bool {
	data, err := os.ReadFile(filepath.Join("/proc", file))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[len(f)-1] == word {
			return true
		}
	}
	return false
}

// NeedMD skips when the kernel has no md (RAID) driver.
func NeedMD(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat("/proc/mdstat"); err != nil {
		tb.Skip("the kernel has no md driver (/proc/mdstat missing): cannot test RAID here")
	}
}

// NeedDM skips when the kernel has no device-mapper (LUKS cannot be
// opened).
func NeedDM(tb testing.TB) {
	tb.Helper()
	if !KernelHas("misc", "device-mapper") {
		tb.Skip("the kernel has no device-mapper (/proc/misc): cannot open LUKS volumes here")
	}
}

// LoopDisk attaches a blank sparse image of size bytes, with partition
// scanning so partitions appear as DEVpN, and returns the device. A
// sectorSize above 0 sets the logical sector size (4096 for a 4Kn disk).
// Cleanup detaches the device and removes the image, whether the test
// passed or not.
func LoopDisk(tb testing.TB, size int64, sectorSize int) string {
	tb.Helper()
	NeedRoot(tb, "losetup")
	img := filepath.Join(tb.TempDir(), "disk.img")
	f, err := os.OpenFile(img, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err == nil {
		err = f.Truncate(size)
		f.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	args := []string{"--partscan"}
	if sectorSize > 0 {
		args = append(args, "--sector-size", fmt.Sprint(sectorSize))
	}
	dev := attach(tb, img, args...)
	tb.Cleanup(func() { os.Remove(img) }) // runs after the detach below
	tb.Cleanup(func() { detach(tb, dev) })
	return dev
}

// LoopExt4 is a LoopDisk of size bytes holding an ext4 filesystem.
func LoopExt4(tb testing.TB, size int64) string {
	tb.Helper()
	NeedRoot(tb, "losetup", "mkfs.ext4")
	dev := LoopDisk(tb, size, 0)
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", dev).CombinedOutput(); err != nil {
		tb.Fatalf("mkfs.ext4 %s: %v: %s", dev, err, out)
	}
	return dev
}

// AttachLoop attaches an image the test made (a filesystem, a config
// drive) without partition scanning and returns the device. Cleanup
// detaches it; the image stays the caller's.
func AttachLoop(tb testing.TB, img string) string {
	tb.Helper()
	NeedRoot(tb, "losetup")
	dev := attach(tb, img)
	tb.Cleanup(func() { detach(tb, dev) })
	return dev
}

// attach runs losetup --find --show. That is safe for tests running in
// parallel: losetup asks the kernel for a free device and, when another
// process binds that device first (EBUSY), asks again, so two callers
// never share a device.
func attach(tb testing.TB, img string, args ...string) string {
	tb.Helper()
	args = append(append([]string{"--find", "--show"}, args...), img)
	out, err := exec.Command("losetup", args...).CombinedOutput()
	if err != nil {
		if _, serr := os.Stat("/dev/loop-control"); serr != nil {
			tb.Skipf("no loop devices here (/dev/loop-control: %v)", serr)
		}
		tb.Fatalf("losetup %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// detach detaches dev, retrying while udev or blkid still hold it open
// (losetup -d fails with EBUSY then).
func detach(tb testing.TB, dev string) {
	var out []byte
	var err error
	for range 20 {
		if out, err = exec.Command("losetup", "--detach", dev).CombinedOutput(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Errorf("could not detach %s: %v: %s", dev, err, out)
}

// BackingFile is the image a loop device is attached to, or "" when it
// is detached.
func BackingFile(dev string) string {
	data, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), "loop/backing_file"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
