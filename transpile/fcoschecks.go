package transpile

import (
	"regexp"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
)

// Checks Butane makes on Fedora CoreOS configs (variants fcos and
// openshift), about the OS image's own disk layout. Each check starts in a
// dialect version, named here by a feature of that version.

// reservedLabels are the partition labels of the image's boot disk with
// the numbers they have there.
var reservedLabels = map[string]int{
	"BIOS-BOOT":         1,
	"PowerPC-PReP-boot": 1,
	"EFI-SYSTEM":        2,
	"boot":              3,
	"root":              4,
}

const coreosBootDisk = "/dev/disk/by-id/coreos-boot-disk"

var varOrEtc = regexp.MustCompile(`^/(etc|var)(/|$)`)

func (d *decoder) fcosLike() bool { return d.vv.has(featImageLayout) }

// checkFcosInput runs on the author's config before any sugar is applied.
func (d *decoder) checkFcosInput(cfg *config.Config, mountUnits []mountUnitReq, mirrors map[string]bool) {
	if !d.fcosLike() || !d.vv.has(featS390x) {
		return
	}
	for i, disk := range cfg.Storage.Disks {
		if disk.Device == coreosBootDisk || isTrue(disk.WipeTable) || mirrors[disk.Device] {
			continue
		}
		for p, part := range disk.Partitions {
			if part.Number == 0 && part.Label != nil {
				d.warnPath(report.Path{"storage", "disks", i, "partitions", p, "number"},
					"partitions cannot be reused by label; give number (except on %s or with wipe_table: true)", coreosBootDisk)
			}
		}
	}
	for _, m := range mountUnits {
		fs := cfg.Storage.Filesystems[m.index]
		if fs.Path != nil && !varOrEtc.MatchString(*fs.Path) {
			d.errorAt(m.node, report.Path{"storage", "filesystems", m.index, "path"}, "path must be under /etc or /var if with_mount_unit is true")
		}
	}
}

// checkFcosPartitions runs on the config with boot_device applied.
func (d *decoder) checkFcosPartitions(cfg *config.Config) {
	if !d.fcosLike() {
		return
	}
	for i, disk := range cfg.Storage.Disks {
		for p, part := range disk.Partitions {
			if part.Label == nil {
				continue
			}
			at := report.Path{"storage", "disks", i, "partitions", p}
			if *part.Label == "root" && d.vv.has(featBootDevice) {
				d.checkRootPartition(disk, p, at)
			}
			if n, ok := reservedLabels[*part.Label]; ok && !isTrue(disk.WipeTable) && part.Number != n {
				d.warnPath(at.Append("label"), "incorrect partition number; a new partition will be created using reserved label")
			}
		}
	}
}

func (d *decoder) checkRootPartition(disk config.Disk, p int, at report.Path) {
	part := disk.Partitions[p]
	if part.SizeMiB != nil && *part.SizeMiB != 0 {
		if *part.SizeMiB < 8192 {
			d.warnPath(at.Append("sizeMiB"), "root should have 8GiB of space assigned")
		}
		return
	}
	for i, other := range disk.Partitions {
		if i != p && (other.StartMiB == nil || *other.StartMiB == 0) {
			d.warnPath(at.Append("label"), "root partition cannot expand; it is set to fill available space but is followed by an auto-positioned partition")
			return
		}
	}
}

// warnPath adds a warning at the YAML position recorded for path or its
// nearest ancestor.
func (d *decoder) warnPath(path report.Path, format string, args ...any) {
	var rep report.Report
	rep.Warnf(path, format, args...)
	d.rep.Merge(d.locate(rep))
}
