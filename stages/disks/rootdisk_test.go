package disks

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootDevice(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ro root=LABEL=root quiet":            "/dev/disk/by-label/root",
		"root=UUID=0b1d-42 rw":                "/dev/disk/by-uuid/0b1d-42",
		"root=PARTUUID=ab-01":                 "/dev/disk/by-partuuid/ab-01",
		"root=PARTLABEL=root":                 "/dev/disk/by-partlabel/root",
		"root=/dev/vda4":                      "/dev/vda4",
		"root=/dev/sda1 root=/dev/vdb2":       "/dev/vdb2", // the last one wins, as for the kernel
		"quiet":                               "",
		"root=LABEL=a/b":                      "",
		"root=nfs:10.0.0.1:/export":           "",
		"root=LABEL=":                         "",
		"root=live:CDLABEL=x rd.live.image=1": "",
		`root="PARTLABEL=my root" quiet`:      "", // udev escapes the space in the link
		`root="/dev/vda4" quiet`:              "/dev/vda4",
	}
	for cmdline, want := range cases {
		if got := rootDevice(cmdline); got != want {
			t.Errorf("rootDevice(%q) = %q, want %q", cmdline, got, want)
		}
	}
}

// The root sits on partition 1 of one loop disk; the config works on
// another. Anything traced to the root's disk, or not traceable at all,
// keeps the root waiting for the disks stage.
func TestLeavesRootAlone(t *testing.T) {
	needLoop(t)
	rootDisk, data := loopDisk(t, 32), loopDisk(t, 32)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:kroot", "-n", "2:0:+8M", rootDisk)
	sh(t, "sgdisk", "-n", "1:0:+8M", data)
	sh(t, "partx", "-u", rootDisk)
	sh(t, "partx", "-u", data)
	rootPart, rootOther, dataPart := part(t, rootDisk, 1), part(t, rootDisk, 2), part(t, data, 1)
	cmdline := "ro root=" + rootPart
	label := "kdata-" + filepath.Base(data) // made by the config, not on any disk
	cases := []struct {
		name, storage string
		want          bool
		why           string
	}{
		{"no storage", `{}`, true, "no storage"},
		{"new partition and filesystem on another disk", fmt.Sprintf(`{
			"disks":[{"device":%q,"wipeTable":true,"partitions":[{"label":%q}]}],
			"filesystems":[{"device":"/dev/disk/by-partlabel/%s","format":"ext4"}]}`, data, label, label), true, "no storage entry"},
		{"luks and raid made from another disk", fmt.Sprintf(`{
			"disks":[{"device":%q,"partitions":[{"number":1},{"label":%q}]}],
			"raid":[{"name":"kmd","level":"raid1","devices":[%q,"/dev/disk/by-partlabel/%s"]}],
			"luks":[{"name":"kcrypt","device":"/dev/md/kmd"}],
			"filesystems":[{"device":"/dev/mapper/kcrypt","format":"ext4"}]}`, data, label, dataPart, label), true, "no storage entry"},
		{"filesystem on the kernel name of a partition made on another disk", fmt.Sprintf(`{
			"disks":[{"device":%q,"wipeTable":true,"partitions":[{"number":3,"label":"x"}]}],
			"filesystems":[{"device":%q,"format":"ext4"}]}`, data, part(t, data, 3)), true, "no storage entry"},
		{"partitioning the root's disk", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[{"label":"var"}]}]}`, rootDisk), false, "holds the root"},
		{"reusing the root filesystem", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"ext4","path":"/"}]}`, rootPart), false, "holds the root"},
		{"another partition of the root's disk", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"ext4"}]}`, rootOther), false, "holds the root"},
		{"luks on the root's disk, filesystem on it", fmt.Sprintf(`{"luks":[{"name":"kc2","device":%q}],
			"filesystems":[{"device":"/dev/mapper/kc2","format":"ext4"}]}`, rootOther), false, "holds the root"},
		{"a device nothing makes", `{"filesystems":[{"device":"/dev/disk/by-partlabel/kindling-nowhere","format":"ext4"}]}`, false, "does not exist yet"},
		{"devices that name each other", `{"raid":[{"name":"a","level":"raid1","devices":["/dev/md/b"]},{"name":"b","level":"raid1","devices":["/dev/md/a"]}]}`, false, "not made by the config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := parse(t, "3.4.0", c.storage)
			ok, why := LeavesRootAlone(context.Background(), cfg.Storage, cmdline)
			if ok != c.want || !strings.Contains(why, c.why) {
				t.Errorf("LeavesRootAlone = %v (%s), want %v (%s)", ok, why, c.want, c.why)
			}
		})
	}
	t.Run("root= it cannot follow", func(t *testing.T) {
		cfg := parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q}]}`, data))
		if ok, why := LeavesRootAlone(context.Background(), cfg.Storage, "root=nfs:server:/x"); ok || !strings.Contains(why, "root=") {
			t.Errorf("LeavesRootAlone = %v (%s) for an NFS root", ok, why)
		}
	})
}
