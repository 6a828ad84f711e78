package providers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// errNoDrive: no filesystem with any of the wanted labels exists (yet).
var errNoDrive = errors.New("no config drive found")

// findDrive returns the device of the first filesystem labelled one of
// labels: /dev/disk/by-label when udev made it, else asking blkid, which
// probes the block devices itself (initramfs without udev rules, tests).
func (fc *FetchContext) findDrive(ctx context.Context, labels []string) (string, error) {
	if fc.FindDrive != nil {
		return fc.FindDrive(labels)
	}
	for _, l := range labels {
		link := filepath.Join(fc.Root, "/dev/disk/by-label", l)
		if dev, err := filepath.EvalSymlinks(link); err == nil {
			return dev, nil
		}
		out, err := exec.CommandContext(ctx, "blkid", "-c", "/dev/null", "-L", l).Output()
		if dev := strings.TrimSpace(string(out)); err == nil && dev != "" {
			return dev, nil
		}
	}
	return "", errNoDrive
}

// waitDrive polls findDrive until a drive appears or wait passes (devices
// can show up a little after the initramfs starts).
func (fc *FetchContext) waitDrive(ctx context.Context, labels []string, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for {
		dev, err := fc.findDrive(ctx, labels)
		if err == nil || !errors.Is(err, errNoDrive) {
			return dev, err
		}
		if time.Now().After(deadline) {
			// The stage does not wait for udev to settle before it starts
			// (that costs every platform seconds); before concluding there
			// is no drive, let udev finish the devices it is still adding.
			if fc.FindDrive == nil && fc.Root == "" && udevSettle(ctx) {
				return fc.findDrive(ctx, labels)
			}
			return dev, err
		}
		select {
		case <-ctx.Done():
			return "", errNoDrive
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// udevSettle waits for udev to process every queued device event, when
// udev runs; it says whether it waited.
func udevSettle(ctx context.Context) bool {
	if _, err := os.Stat("/run/udev/control"); err != nil {
		return false
	}
	return exec.CommandContext(ctx, "udevadm", "settle", "--timeout=30").Run() == nil
}

// readFromDrive mounts dev read-only in a temp dir, reads the first of
// files that exists and unmounts. None existing is ErrNoConfig.
func readFromDrive(ctx context.Context, dev string, files []string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "kindling-drive-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(dir)
	if out, err := exec.CommandContext(ctx, "mount", "-o", "ro", dev, dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mounting config drive %s: %v: %s", dev, err, strings.TrimSpace(string(out)))
	}
	defer func() {
		// Not ctx: the unmount must happen even when we were cancelled.
		exec.Command("umount", dir).Run()
	}()
	for _, f := range files {
		b, err := readConfigFile(filepath.Join(dir, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("config drive %s: %w", dev, err)
		}
		if len(b) == 0 {
			return nil, ErrNoConfig
		}
		return b, nil
	}
	return nil, ErrNoConfig
}

// configDrive is a platform that attaches a labelled filesystem holding
// the user data.
type configDrive struct {
	name   string
	labels []string
	files  []string // tried in order, relative to the drive's root
}

func (p configDrive) Name() string { return p.name }

func (p configDrive) source() Source {
	var src Source
	for _, f := range p.files {
		src.Reads = append(src.Reads, "config drive "+strings.Join(p.labels, "|")+": "+f)
	}
	return src
}

func (p configDrive) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	dev, err := fc.waitDrive(ctx, p.labels, fc.driveWait())
	if err != nil {
		return nil, fmt.Errorf("%s: %w (labels %v)", p.name, err, p.labels)
	}
	return readFromDrive(ctx, dev, p.files)
}

func (fc *FetchContext) driveWait() time.Duration {
	if fc.DriveWait > 0 {
		return fc.DriveWait
	}
	return 30 * time.Second
}

const openstackUserData = "openstack/latest/user_data"

func init() {
	for _, p := range []configDrive{
		{name: "ibmcloud", labels: []string{"cidata"}, files: []string{"user-data"}},
		{name: "proxmoxve", labels: []string{"cidata"}, files: []string{"user-data"}},
		{name: "kubevirt", labels: []string{"config-2", "CONFIG-2", "cidata"}, files: []string{openstackUserData, "user-data"}},
		{name: "nutanix", labels: []string{"config-2", "CONFIG-2"}, files: []string{openstackUserData}},
		{name: "powervs", labels: []string{"config-2", "CONFIG-2"}, files: []string{openstackUserData}},
	} {
		Register(p, p.source())
	}
}
