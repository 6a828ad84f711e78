package adversarial

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// loopDisk attaches a sparse image of sizeMiB with the given logical
// sector size, with a GPT partition of 8 MiB, and detaches it in cleanup.
func loopDisk(t *testing.T, sizeMiB, sectorSize int) string {
	t.Helper()
	dev := testutil.LoopDisk(t, int64(sizeMiB)<<20, sectorSize)
	if out, err := exec.Command("sh", "-c", `echo 'label: gpt
size=8MiB, name=old' | sfdisk -q "$0" && partx -u "$0"`, dev).CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v: %s", err, out)
	}
	return dev
}

func sfdiskDump(t *testing.T, dev string) string {
	t.Helper()
	out, err := exec.Command("sfdisk", "--dump", dev).CombinedOutput()
	if err != nil {
		t.Fatalf("sfdisk --dump: %v: %s", err, out)
	}
	return string(out)
}

// TestAbsurdGeometry runs `provision disks` with partitions that cannot
// fit (sizes that wrap when turned into sectors, sizes and starts past the
// end, numbers past the GPT's entries), on 512-byte and 4Kn disks: each
// fails naming the partition and the value or limit, and the table is
// byte-identical.
func TestAbsurdGeometry(t *testing.T) {
	needRoot(t)
	drop := `{"number":1,"shouldExist":false,"wipePartitionEntry":true},`
	for _, ss := range []int{512, 4096} {
		dev := loopDisk(t, 64, ss)
		for _, c := range []struct{ name, parts, want string }{
			// Values that wrap when turned into sectors: validation
			// bounds them (safety rule "sizes and ids in range"); the
			// planner's own check is stages/disks
			// TestPlanRefusesWrappingValues. The error names the
			// partition and the value.
			{"size wraps", drop + `{"number":2,"sizeMiB":9007199254740993}`, "9007199254740993"},
			{"start wraps", drop + `{"number":2,"startMiB":36028797018963969,"sizeMiB":1}`, "36028797018963969"},
			// Values any validation allows that no 64 MiB disk holds.
			{"size of 8 EiB", drop + `{"number":2,"sizeMiB":8796093022207}`, "sizeMiB 8796093022207 is larger than the disk's usable area"},
			{"start past the end", `{"number":2,"startMiB":64}`, "startMiB 64 is outside the disk's usable area"},
			{"number 129", drop + `{"number":129}`, "partition number 129 is outside 1..128"},
		} {
			t.Run(fmt.Sprintf("%d/%s", ss, c.name), func(t *testing.T) {
				before := sfdiskDump(t, dev)
				runDir := t.TempDir()
				cache := filepath.Join(runDir, "config.json")
				os.WriteFile(cache, config("3.4.0", fmt.Sprintf(`,"storage":{"disks":[{"device":%q,"partitions":[%s]}]}`, dev, c.parts)), 0o600)
				r := run(t, nil, nil, provision, "disks", "--log-to-stdout", "--root", t.TempDir(), "--config-cache", cache, "--platform", "qemu")
				r.failed(t, 128, "storage.disks.0.partitions.", c.want)
				if after := sfdiskDump(t, dev); after != before {
					t.Errorf("the table changed although the stage failed:\n%s\n---\n%s", before, after)
				}
			})
		}
	}
}
