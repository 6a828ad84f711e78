package config

import (
	"path"

	"github.com/kindling-dev/kindling/config/report"
)

// systemdUnitDir is where units and drop-ins from the systemd section are
// written.
const systemdUnitDir = "/etc/systemd/system"

// crossChecks holds rules that span sections (nodes against units, nodes
// below links, filesystems against disks).
func (v *validator) crossChecks(cfg *Config) {
	v.nodesAgainstUnits(cfg)
	v.devicesUsedTwice(&cfg.Storage)
	v.filesystemsOverPartitionedDisks(&cfg.Storage)
	v.sharedMountPaths(cfg.Storage.Filesystems)
}

// nodesAgainstUnits: the systemd section writes units (or mask links) and
// drop-ins; a node at the same path would make the result depend on order.
// The spec refuses a node at the path of a unit or drop-in with contents;
// one at the path of a mask link or an empty unit is a warning.
func (v *validator) nodesAgainstUnits(cfg *Config) {
	type write struct {
		at     report.Path
		strict bool
	}
	written := map[string]write{}
	for i, u := range cfg.Systemd.Units {
		up := report.Path{"systemd", "units", i}
		switch {
		case nonEmpty(u.Contents):
			written[systemdUnitDir+"/"+u.Name] = write{up, true}
		case u.Contents != nil || isTrue(u.Mask):
			written[path.Join(systemdUnitDir, u.Name)] = write{up, false}
		}
		for j, d := range u.Dropins {
			p := systemdUnitDir + "/" + u.Name + ".d/" + d.Name
			switch {
			case nonEmpty(d.Contents):
				written[p] = write{up.Append("dropins", j), true}
			case d.Contents != nil:
				written[path.Clean(p)] = write{up.Append("dropins", j), false}
			}
		}
	}
	if len(written) == 0 {
		return
	}
	for _, r := range storageNodes(&cfg.Storage, report.Path{"storage"}) {
		w, ok := written[r.path]
		switch {
		case !ok:
		case w.strict:
			v.errorf(r.at.Append("path"), "%s path %q is also written by the systemd section (%s); configure it in one place", r.kind, r.path, w.at)
		default:
			v.warnf(r.at.Append("path"), "%s path %q is also written by the systemd section (%s); which of the two ends up there depends on the order they are written", r.kind, r.path, w.at)
		}
	}
}

// devicesUsedTwice: a device can hold one thing. A filesystem, a LUKS volume
// and a RAID member on the same device would destroy each other.
func (v *validator) devicesUsedTwice(s *Storage) {
	users := map[string]report.Path{}
	claim := func(dev string, p report.Path, what string) {
		if dev == "" {
			return
		}
		if first, ok := users[dev]; ok {
			v.warnf(p, "%s %q is already used by %s; a device holds only one of a filesystem, a LUKS volume or a RAID member, so the later one destroys the earlier", what, dev, first)
			return
		}
		users[dev] = p
	}
	for i, l := range s.Luks {
		if l.Device != nil {
			claim(*l.Device, report.Path{"storage", "luks", i, "device"}, "LUKS device")
		}
	}
	for i, r := range s.Raid {
		for j, d := range r.Devices {
			claim(d, report.Path{"storage", "raid", i, "devices", j}, "RAID member")
		}
	}
	for i, f := range s.Filesystems {
		claim(f.Device, report.Path{"storage", "filesystems", i, "device"}, "filesystem device")
	}
}

// filesystemsOverPartitionedDisks warns when a filesystem is created on a
// whole disk that also gets partitions: one of the two is likely a mistake
// (the filesystem would overwrite the partition table or the reverse).
func (v *validator) filesystemsOverPartitionedDisks(s *Storage) {
	partitioned := map[string]int{}
	for i, d := range s.Disks {
		if len(d.Partitions) > 0 {
			partitioned[d.Device] = i
		}
	}
	for i, f := range s.Filesystems {
		if d, ok := partitioned[f.Device]; ok {
			v.warnf(report.Path{"storage", "filesystems", i, "device"}, "filesystem over a partitioned device: %q also gets partitions (storage.disks.%d); did you mean one of its partitions?", f.Device, d)
		}
	}
}

// sharedMountPaths warns when two filesystems are mounted at the same path
// while provisioning: the second hides the first, and files meant for one
// land on the other.
func (v *validator) sharedMountPaths(fss []Filesystem) {
	seen := map[string]int{}
	for i, f := range fss {
		if f.Path == nil || *f.Path == "" {
			continue
		}
		if first, ok := seen[*f.Path]; ok {
			v.warnf(report.Path{"storage", "filesystems", i, "path"}, "filesystems %d and %d are both mounted at %q; the second hides the first", first, i, *f.Path)
			continue
		}
		seen[*f.Path] = i
	}
}
