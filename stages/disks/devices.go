package disks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/mountinfo"
)

// DeviceTimeout bounds how long the stage waits for a device node to
// appear; pollInterval is how often it looks.
const (
	DeviceTimeout = 60 * time.Second
	pollInterval  = 100 * time.Millisecond
)

// udevRunning says whether udevd is there to create /dev/disk/by-*
// symlinks; without it only kernel (devtmpfs) names appear.
func udevRunning() bool {
	if _, err := os.Stat("/run/udev/control"); err != nil {
		return false
	}
	_, err := exec.LookPath("udevadm")
	return err == nil
}

// announce tells udev devices changed (a new filesystem or signature) and
// waits until udev has processed them. The initramfs turns off udev's own
// inotify watch on block devices while provisioning (see the dracut
// module): with it, every close after a write made udev re-probe the disk
// on its own schedule, re-reading partition tables and briefly removing
// /dev/disk/by-* links the stage was about to use.
func announce(ctx context.Context, devs ...string) {
	if len(devs) > 0 && udevRunning() {
		args := append([]string{"trigger", "--settle", "--action=change"}, devs...)
		command.Run(ctx, "udevadm", args...)
	}
}

// waitForDevice polls until path exists as a block device (following
// symlinks) or the timeout passes; it works with and without udev.
func waitForDevice(ctx context.Context, path string) error {
	deadline := time.Now().Add(DeviceTimeout)
	for {
		fi, err := os.Stat(path)
		if err == nil {
			if fi.Mode()&os.ModeDevice == 0 {
				return fmt.Errorf("%s is not a block device", path)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("device %s did not appear within %s", path, DeviceTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// rdev returns the device number of a block device path.
func rdev(path string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFBLK {
		return 0, fmt.Errorf("%s is not a block device", path)
	}
	return st.Rdev, nil
}

// sysName returns the kernel name (e.g. loop3p1) of a block device path.
func sysName(path string) (string, error) {
	n, err := rdev(path)
	if err != nil {
		return "", err
	}
	major, minor := (n>>8)&0xfff|(n>>32)&^0xfff, n&0xff|(n>>12)&^0xff
	link, err := os.Readlink(fmt.Sprintf("/sys/dev/block/%d:%d", major, minor))
	if err != nil {
		return "", err
	}
	return filepath.Base(link), nil
}

// partitionPath names partition n of disk: /dev/sda + 1 = /dev/sda1,
// /dev/loop3 + 1 = /dev/loop3p1 (kernel names, no udev needed).
func partitionPath(disk string, n int) (string, error) {
	name, err := sysName(disk)
	if err != nil {
		return "", err
	}
	if last := name[len(name)-1]; last >= '0' && last <= '9' {
		return fmt.Sprintf("/dev/%sp%d", name, n), nil
	}
	return fmt.Sprintf("/dev/%s%d", name, n), nil
}

// inUse says why the device at path (and, with children, its partitions)
// must not be changed: mounted, used as swap or held by another device
// (device-mapper, md). It returns "" when the device is free.
func inUse(path string, children bool) string {
	name, err := sysName(path)
	if err != nil {
		return ""
	}
	names := []string{name}
	if children {
		names = append(names, partitionsOf(name)...)
	}
	mounted := mountedDevices()
	for _, n := range names {
		if holders, _ := os.ReadDir(filepath.Join("/sys/class/block", n, "holders")); len(holders) > 0 {
			return fmt.Sprintf("/dev/%s is held by /dev/%s", n, holders[0].Name())
		}
		if where, ok := mounted[n]; ok {
			return fmt.Sprintf("/dev/%s is %s", n, where)
		}
	}
	return ""
}

// partitionsOf lists the kernel names of a disk's partitions.
func partitionsOf(disk string) []string {
	var names []string
	entries, _ := os.ReadDir("/sys/class/block/" + disk)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), disk) {
			if _, err := os.Stat(filepath.Join("/sys/class/block", disk, e.Name(), "partition")); err == nil {
				names = append(names, e.Name())
			}
		}
	}
	return names
}

// mountedDevices maps kernel device names to where they are mounted or
// that they are active swap. A table that cannot be read marks nothing:
// the tools refuse a busy device themselves.
func mountedDevices() map[string]string {
	out := map[string]string{}
	add := func(dev, what string) {
		if !strings.HasPrefix(dev, "/") {
			return
		}
		if n, err := sysName(dev); err == nil {
			out[n] = what
		}
	}
	mounts, _ := mountinfo.Read()
	for _, m := range mounts {
		add(m.Source, fmt.Sprintf("mounted at %q", m.Target))
	}
	for _, dev := range activeSwaps() {
		add(dev, "active swap")
	}
	return out
}

// activeSwaps lists the files and devices of /proc/swaps (a header line,
// then one line each, its path escaped as in the mount table).
func activeSwaps() []string {
	b, err := os.ReadFile("/proc/swaps")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 {
			out = append(out, mountinfo.Unescape(f[0]))
		}
	}
	return out
}

// tellKernel makes the kernel take in a disk's new partition table. partx
// updates the kernel's partitions entry by entry, which works on every
// driver (loop too, and kernels that cannot parse GPT themselves) and
// while other partitions of the disk are in use. partx needs the range of
// numbers spelled out: by default it stops at the count of entries, so
// partitions 6 and 9 of a three-entry table would never appear. The range
// covers the numbers written and those the kernel still knows. A disk
// left without a table has its partitions removed instead (partx cannot
// read a table that is not there). Deleted partitions (resized ones too)
// leave the kernel first: partx updates in number order, and growing
// partition 2 over a deleted 3 the kernel still knows would fail.
func tellKernel(ctx context.Context, disk string, hasTable bool, deleted, written []int) error {
	for _, n := range deleted {
		if _, err := command.Run(ctx, "partx", "--delete", "--nr", fmt.Sprintf("%d:%d", n, n), disk); err != nil {
			return fmt.Errorf("the kernel did not drop partition %d of %s: %w", n, disk, err)
		}
	}
	upper := slices.Max(append([]int{0}, written...))
	if name, err := sysName(disk); err == nil {
		upper = max(upper, kernelPartitionMax(name))
	}
	if upper == 0 {
		return nil // nothing written, nothing known: nothing to tell
	}
	op := "--update"
	if !hasTable {
		op = "--delete"
	}
	if _, err := command.Run(ctx, "partx", op, "--nr", fmt.Sprintf("1:%d", upper), disk); err != nil {
		return fmt.Errorf("the kernel did not re-read the partition table of %s: %w", disk, err)
	}
	return nil
}

// kernelPartitionMax is the highest partition number the kernel knows of
// disk (a kernel name), 0 when none.
func kernelPartitionMax(disk string) int {
	highest := 0
	for _, p := range partitionsOf(disk) {
		data, err := os.ReadFile(filepath.Join("/sys/class/block", disk, p, "partition"))
		if err != nil {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			highest = max(highest, n)
		}
	}
	return highest
}

// announcePartitions has udev re-probe a disk and its partitions and waits
// for just those events, so by-partlabel and by-uuid links are current
// before filesystems are made.
func announcePartitions(ctx context.Context, disk string) {
	devs := []string{disk}
	if name, err := sysName(disk); err == nil {
		for _, p := range partitionsOf(name) {
			devs = append(devs, "/dev/"+p)
		}
	}
	announce(ctx, devs...)
}

// blkid probes a device directly (no cache) and returns its TYPE, LABEL
// and UUID (PTTYPE for a partition table); an empty map means no
// signature was found.
func blkid(ctx context.Context, dev string) (map[string]string, error) {
	out, err := command.RunOpts(ctx, command.Options{Answers: []int{2}}, "blkid", "-p", "-o", "export", dev)
	if err != nil {
		if ee, ok := err.(*command.Error); ok {
			if xe, ok := ee.Err.(*exec.ExitError); ok && xe.ExitCode() == 2 {
				return map[string]string{}, nil // nothing found
			}
			if xe, ok := ee.Err.(*exec.ExitError); ok && xe.ExitCode() == 8 {
				return firstSignature(ctx, dev)
			}
		}
		return nil, err
	}
	// On a partition blkid also reports the partition entry (PART_ENTRY_*);
	// only what is inside the device counts.
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && (k == "TYPE" || k == "LABEL" || k == "UUID" || k == "PTTYPE") {
			m[k] = v
		}
	}
	if m["TYPE"] == "" && m["PTTYPE"] == "" {
		return map[string]string{}, nil
	}
	return m, nil
}

// firstSignature describes an ambivalent device (signatures of more than
// one filesystem, say ext4 with a stale ZFS label at its end) by its first
// signature, the one at the lowest offset, as Ignition describes it by the
// first its prober finds: a config that asks for that filesystem reuses
// it, any other needs wipeFilesystem.
func firstSignature(ctx context.Context, dev string) (map[string]string, error) {
	out, err := command.Run(ctx, "wipefs", "--no-act", "--json", "--output", "OFFSET,TYPE,UUID,LABEL", dev)
	if err != nil {
		return nil, err
	}
	var list struct {
		Signatures []struct {
			Offset, Type, UUID, Label string
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, fmt.Errorf("wipefs --json %s: %w", dev, err)
	}
	best, bestOff := -1, uint64(0)
	for i, sig := range list.Signatures {
		off, err := strconv.ParseUint(sig.Offset, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("wipefs --json %s: offset %q: %w", dev, sig.Offset, err)
		}
		if best < 0 || off < bestOff {
			best, bestOff = i, off
		}
	}
	if best < 0 {
		return map[string]string{}, nil
	}
	sig := list.Signatures[best]
	m := map[string]string{"TYPE": sig.Type}
	if sig.UUID != "" {
		m["UUID"] = sig.UUID
	}
	if sig.Label != "" {
		m["LABEL"] = sig.Label
	}
	return m, nil
}
