package blackbox

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// loopDisk attaches a blank sparse disk of sizeMiB with partition
// scanning and detaches it in cleanup, even when the test fails.
func loopDisk(t *testing.T, sizeMiB int) string {
	t.Helper()
	return testutil.LoopDisk(t, int64(sizeMiB)<<20, 0)
}

func probe(t *testing.T, dev string) string {
	t.Helper()
	out, _ := exec.Command("blkid", "-p", "-o", "export", dev).CombinedOutput()
	return string(out)
}

// TestDisksCommand runs `provision disks` on a loop device: partitions,
// then filesystems on them, for every spec version; then a second run with
// a mismatching partition fails naming its config path and changes nothing.
func TestDisksCommand(t *testing.T) {
	needRoot(t)
	for _, v := range allVersions {
		t.Run(v, func(t *testing.T) {
			dev := loopDisk(t, 420) // mkfs.xfs wants 300 MB
			body := fmt.Sprintf(`,"storage":{"disks":[{"device":%q,"wipeTable":true,"partitions":[
				{"number":1,"label":"root","sizeMiB":64},{"number":2,"label":"var"}]}],
				"filesystems":[{"device":"%sp1","format":"ext4","label":"root"},{"device":"%sp2","format":"xfs","label":"var"}]}`, dev, dev, dev)
			r := stage(t, "disks", t.TempDir(), cache(t, v, body))
			if r.code != 0 {
				t.Fatalf("provision disks exited %d:\n%s", r.code, r.output)
			}
			table, err := exec.Command("sgdisk", "-p", dev).CombinedOutput()
			if err != nil || !strings.Contains(string(table), "root") || !strings.Contains(string(table), "var") {
				t.Fatalf("sgdisk -p: %v\n%s", err, table)
			}
			if got := probe(t, dev+"p1"); !strings.Contains(got, "TYPE=ext4") || !strings.Contains(got, "LABEL=root") {
				t.Errorf("%sp1: %s", dev, got)
			}
			if got := probe(t, dev+"p2"); !strings.Contains(got, "TYPE=xfs") || !strings.Contains(got, "LABEL=var") {
				t.Errorf("%sp2: %s", dev, got)
			}
			bad := fmt.Sprintf(`,"storage":{"disks":[{"device":%q,"partitions":[{"number":1,"label":"other"}]}]}`, dev)
			r = stage(t, "disks", t.TempDir(), cache(t, v, bad))
			if r.code == 0 || !strings.Contains(r.output, "storage.disks.0.partitions.0") {
				t.Fatalf("mismatching partition: exit %d, output:\n%s", r.code, r.output)
			}
			if after, _ := exec.Command("sgdisk", "-p", dev).CombinedOutput(); string(after) != string(table) {
				t.Errorf("a failed run changed the table:\n%s\n%s", table, after)
			}
		})
	}
}
