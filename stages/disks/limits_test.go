package disks

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/testutil"
)

// dump is the disk's table as `sfdisk --dump` prints it, or the hash of
// its first MiB when it has none (a tiny or blank disk).
func dump(tb testing.TB, dev string) string {
	tb.Helper()
	if out, err := exec.Command("sfdisk", "--dump", dev).CombinedOutput(); err == nil {
		return string(out)
	}
	f, err := os.Open(dev)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n, _ := f.Read(buf)
	return fmt.Sprintf("%x", sha256.Sum256(buf[:n]))
}

// TestPartitionGeometryRefused gives the stage sizes, starts and numbers
// that validation allows but the disk cannot hold, with and without
// wipeTable and next to a deletion that would otherwise run first: each
// fails naming the partition and the limit, and the table is
// byte-identical afterwards. (Values so large that they wrap when turned
// into sectors are refused by validation; TestPlanRefusesWrappingValues
// gives them to the planner directly.)
func TestPartitionGeometryRefused(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", "-c", "1:old", "-n", "3:0:+8M", "-c", "3:keep", dev)
	sh(t, "partx", "-u", dev)
	drop := `{"number":1,"shouldExist":false,"wipePartitionEntry":true},`
	cases := []struct {
		name, disk, parts string
		want              []string
	}{
		{"size of 8 EiB", "", drop + `{"number":2,"sizeMiB":8796093022207}`,
			[]string{"storage.disks.0.partitions.1", "partition 2", "sizeMiB 8796093022207 is larger than the disk's usable area (63 MiB)"}},
		{"size of 8 EiB, wipeTable", `"wipeTable":true,`, `{"number":2,"sizeMiB":8796093022207}`,
			[]string{"storage.disks.0.partitions.0", "larger than the disk's usable area"}},
		{"size one MiB too many", "", `{"number":2,"sizeMiB":64}`,
			[]string{"sizeMiB 64 is larger than the disk's usable area (63 MiB)"}},
		{"start 8 EiB in", "", drop + `{"number":2,"startMiB":8796093022206,"sizeMiB":1}`,
			[]string{"storage.disks.0.partitions.1", "startMiB 8796093022206 is outside the disk's usable area (MiB 1 to 63)"}},
		{"start beyond the disk", "", `{"number":2,"startMiB":100}`,
			[]string{"startMiB 100 is outside the disk's usable area"}},
		{"number 129", "", drop + `{"number":129,"sizeMiB":1}`,
			[]string{"storage.disks.0.partitions.1", "partition number 129 is outside 1..128"}},
		{"number 200, wipeTable", `"wipeTable":true,`, `{"number":200,"sizeMiB":1}`,
			[]string{"partition number 200 is outside 1..128"}},
		{"existing partition resized to 8 EiB", "", `{"number":3,"sizeMiB":8796093022207,"resize":true}`,
			[]string{"storage.disks.0.partitions.0", "partition 3: sizeMiB 8796093022207 is larger"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := dump(t, dev)
			_, err := runStage(t, parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q,%s"partitions":[%s]}]}`, dev, c.disk, c.parts)))
			mustFail(t, err, c.want...)
			if after := dump(t, dev); after != before {
				t.Errorf("the table changed although the config failed:\n%s\n%s", before, after)
			}
		})
	}
}

// TestPlanRefusesWrappingValues gives the planner, without validation in
// front of it, values whose product with the sectors per MiB wraps around
// int64 (the planner once turned sizeMiB 9007199254740993 into a 1 MiB
// partition): each is refused naming the value and the limit, on 512-byte
// and 4Kn geometry alike, and nothing is planned.
func TestPlanRefusesWrappingValues(t *testing.T) {
	t.Parallel()
	n := func(v int) *int { return &v }
	for _, ss := range []int64{512, 4096} {
		sectors := int64(64<<20) / ss
		tbl := &table{label: "gpt", sectorSize: ss, firstUsable: 2 + entrySectors(ss),
			lastUsable: sectors - 2 - entrySectors(ss), parts: map[int]existing{}}
		for _, c := range []struct {
			part config.Partition
			want string
		}{
			{config.Partition{Number: 1, SizeMiB: n(9007199254740993)}, "sizeMiB 9007199254740993 is larger than the disk's usable area"},
			{config.Partition{Number: 1, SizeMiB: n(36028797018963969)}, "sizeMiB 36028797018963969 is larger"},
			{config.Partition{Number: 1, StartMiB: n(36028797018963969), SizeMiB: n(1)}, "startMiB 36028797018963969 is outside"},
			{config.Partition{Number: 1, StartMiB: n(9223372036854775807)}, "startMiB 9223372036854775807 is outside"},
			{config.Partition{Number: 1, SizeMiB: n(-1)}, "sizeMiB -1 is negative"},
			{config.Partition{Number: 4294967297, SizeMiB: n(1)}, "partition number 4294967297 is outside 1..128"},
			{config.Partition{Number: -1}, "partition number -1 is outside"},
		} {
			plan := &diskPlan{device: "/dev/synthetic", wipe: true}
			err := plan.decide(config.Disk{Device: "/dev/synthetic", Partitions: []config.Partition{c.part}}, tbl)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "storage.disks.0.partitions.0") {
				t.Errorf("sector size %d, %+v: err = %v, want %q", ss, c.part, err, c.want)
			}
			if len(plan.creates) > 0 {
				t.Errorf("sector size %d: planned %+v", ss, plan.creates)
			}
		}
	}
}

// TestPartitionTinyDisk: a disk with no room for a GPT's headers and
// entries is refused before anything is written; one with room for the
// table but not a MiB says the partition does not fit.
func TestPartitionTinyDisk(t *testing.T) {
	needLoop(t)
	for _, c := range []struct {
		kib  int
		want string
	}{
		{16, "the disk is too small for a GPT"},
		{512, "no free space left on the disk"},
	} {
		t.Run(fmt.Sprintf("%dKiB", c.kib), func(t *testing.T) {
			dev := testutil.LoopDisk(t, int64(c.kib)<<10, 512)
			before := dump(t, dev)
			_, err := runStage(t, parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[{"label":"x"}]}]}`, dev)))
			mustFail(t, err, "storage.disks.0", c.want)
			if after := dump(t, dev); after != before {
				t.Errorf("the disk changed although the config failed")
			}
		})
	}
}

// TestPartition4Kn partitions a disk with 4096-byte logical sectors: MiB
// become 256 sectors, and the limits are still in MiB.
func TestPartition4Kn(t *testing.T) {
	needLoop(t)
	dev := testutil.LoopDisk(t, 64<<20, 4096)
	if got := strings.TrimSpace(sh(t, "blockdev", "--getss", dev)); got != "4096" {
		t.Skipf("loop device sector size is %s, not 4096", got)
	}
	cfg := parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[
		{"number":1,"label":"a","startMiB":1,"sizeMiB":8},{"number":2,"label":"b"}]}]}`, dev))
	if _, err := runStage(t, cfg); err != nil {
		t.Fatal(err)
	}
	tbl := readTableT(t, dev)
	if tbl.sectorSize != 4096 {
		t.Fatalf("sector size read as %d", tbl.sectorSize)
	}
	p1, p2 := tbl.parts[1], tbl.parts[2]
	if p1.start != 256 || p1.end-p1.start+1 != 8*256 {
		t.Errorf("partition 1 = %+v, want start 256 and 2048 sectors", p1)
	}
	if p2.start != p1.end+1 || tbl.freeAfter(p2) >= 256 {
		t.Errorf("partition 2 = %+v, free after it %d", p2, tbl.freeAfter(p2))
	}
	before := dump(t, dev)
	_, err := runStage(t, parse(t, "3.4.0", fmt.Sprintf(`{"disks":[{"device":%q,"partitions":[
		{"number":3,"sizeMiB":8796093022207}]}]}`, dev)))
	mustFail(t, err, "partition 3: sizeMiB 8796093022207 is larger than the disk's usable area")
	if after := dump(t, dev); after != before {
		t.Errorf("the table changed although the config failed:\n%s\n%s", before, after)
	}
}
