package disks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/stages"
)

// blkidType is the TYPE blkid reports for each format.
var blkidType = map[string]string{
	"ext4": "ext4", "xfs": "xfs", "btrfs": "btrfs", "vfat": "vfat", "swap": "swap",
}

// createFilesystems decides for every filesystem whether to keep, create
// or refuse, failing before any mkfs when one is refused, then runs the
// mkfs commands in parallel.
func createFilesystems(ctx context.Context, env *stages.Env, list []config.Filesystem) error {
	type job struct {
		index int
		fs    config.Filesystem
		blank bool // blkid found no signature: nothing to wipe first
	}
	var jobs []job
	for i, fs := range list {
		path := report.Path{"storage", "filesystems", i}
		create, blank, err := decideFilesystem(ctx, fs)
		if err != nil {
			return stages.Errorf(path, fs.Device, "%w", err)
		}
		if create {
			jobs = append(jobs, job{i, fs, blank})
		}
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for k, j := range jobs {
		env.Progress("disks: creating %s on %s", str(j.fs.Format), j.fs.Device)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := makeFilesystem(ctx, j.fs, j.blank); err != nil {
				errs[k] = stages.Errorf(report.Path{"storage", "filesystems", j.index}, j.fs.Device, "%w", err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// Let udev see the new filesystems (by-label and by-uuid links) before
	// the mount stage looks for them.
	devs := make([]string, len(jobs))
	for k, j := range jobs {
		devs[k] = j.fs.Device
	}
	announce(ctx, devs...)
	return nil
}

// decideFilesystem says whether fs must be created. An existing
// filesystem is kept when its type and (when given) label and UUID match;
// a different one is an error unless wipeFilesystem is set. Format "none"
// creates nothing: it wipes with wipeFilesystem and, without it, fails on
// any existing filesystem. blank says the device holds no signature.
func decideFilesystem(ctx context.Context, fs config.Filesystem) (create, blank bool, err error) {
	format := str(fs.Format)
	if format == "" {
		return false, false, nil
	}
	if err := waitForDevice(ctx, fs.Device); err != nil {
		return false, false, err
	}
	wipe := boolv(fs.WipeFilesystem)
	found, err := blkid(ctx, fs.Device)
	if err != nil {
		return false, false, err
	}
	blank = len(found) == 0
	if !wipe && !blank {
		if format == "none" {
			return false, false, fmt.Errorf("%s already holds %s, format is none and wipeFilesystem is not set", fs.Device, describe(found))
		}
		if why := fsMismatch(fs, found); why != "" {
			return false, false, fmt.Errorf("%s already holds %s; wipeFilesystem is not set", fs.Device, why)
		}
		return false, false, nil // reuse
	}
	if format == "none" && !wipe {
		return false, blank, nil
	}
	if why := inUse(fs.Device, true); why != "" {
		return false, false, fmt.Errorf("refusing to format %s: %s", fs.Device, why)
	}
	return true, blank, nil
}

// fsMismatch describes how an existing filesystem differs, or "".
func fsMismatch(fs config.Filesystem, found map[string]string) string {
	have := found["TYPE"]
	if have == "" {
		return describe(found)
	}
	if have != blkidType[str(fs.Format)] {
		return "a " + have + " filesystem, not " + str(fs.Format)
	}
	if l := str(fs.Label); l != "" && l != found["LABEL"] {
		return fmt.Sprintf("a %s filesystem labelled %q, not %q", have, found["LABEL"], l)
	}
	if u := str(fs.UUID); u != "" && !sameFSUUID(have, u, found["UUID"]) {
		return fmt.Sprintf("a %s filesystem with UUID %s, not %s", have, found["UUID"], u)
	}
	return ""
}

// sameFSUUID compares a configured filesystem UUID with the one blkid
// reports. A FAT volume ID is 32 bits: blkid spells it A1B2-C3D4, while
// configs may leave out the dash (mkfs.fat refuses it), so the dash after
// the fourth digit does not count.
func sameFSUUID(blkidType, want, have string) bool {
	if blkidType == "vfat" {
		want, have = fatVolumeID(want), fatVolumeID(have)
	}
	return strings.EqualFold(want, have)
}

func fatVolumeID(id string) string {
	if len(id) >= 5 && id[4] == '-' {
		return id[:4] + id[5:]
	}
	return id
}

// makeFilesystem wipes the old signatures (when blkid saw any) and runs
// mkfs.
func makeFilesystem(ctx context.Context, fs config.Filesystem, blank bool) error {
	if !blank {
		if _, err := command.Run(ctx, "wipefs", "-a", fs.Device); err != nil {
			return fmt.Errorf("wiping %s: %w", fs.Device, err)
		}
	}
	format := str(fs.Format)
	if format == "none" {
		return nil
	}
	name, args := mkfsCommand(fs)
	if _, err := command.Run(ctx, name, args...); err != nil {
		return fmt.Errorf("creating %s: %w", format, err)
	}
	return nil
}

// mkfsCommand builds the mkfs command line of a filesystem.
func mkfsCommand(fs config.Filesystem) (string, []string) {
	label, uuid := str(fs.Label), str(fs.UUID)
	var name string
	var args []string
	switch str(fs.Format) {
	case "ext4":
		name, args = "mkfs.ext4", []string{"-F", "-q"}
		args = appendIf(args, label, "-L", label)
		args = appendIf(args, uuid, "-U", uuid)
	case "xfs":
		name, args = "mkfs.xfs", []string{"-f", "-q"}
		args = appendIf(args, label, "-L", label)
		args = appendIf(args, uuid, "-m", "uuid="+uuid)
	case "btrfs":
		name, args = "mkfs.btrfs", []string{"-f", "-q"}
		args = appendIf(args, label, "-L", label)
		args = appendIf(args, uuid, "-U", uuid)
	case "vfat":
		name = "mkfs.vfat"
		args = appendIf(args, label, "-n", label)
		// vfat has a 32-bit volume id, written XXXX-XXXX.
		args = appendIf(args, uuid, "-i", strings.ReplaceAll(uuid, "-", ""))
	case "swap":
		name, args = "mkswap", []string{"-f"}
		args = appendIf(args, label, "-L", label)
		args = appendIf(args, uuid, "-U", uuid)
	}
	args = append(args, fs.Options...)
	return name, append(args, fs.Device)
}

func appendIf(args []string, cond string, more ...string) []string {
	if cond == "" {
		return args
	}
	return append(args, more...)
}
