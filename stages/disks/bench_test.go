package disks

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkDisks4Partitions partitions a 2 GiB loop device into four and
// creates ext4, xfs, vfat and swap on them (mkfs runs in parallel).
func BenchmarkDisks4Partitions(b *testing.B) {
	needLoop(b)
	dev := loopDisk(b, 2048)
	storage := fmt.Sprintf(`{"disks":[{"device":%q,"wipeTable":true,"partitions":[
		{"number":1,"sizeMiB":512},{"number":2,"sizeMiB":512},{"number":3,"sizeMiB":512},{"number":4}]}],
		"filesystems":[{"device":"%sp1","format":"ext4","wipeFilesystem":true},{"device":"%sp2","format":"xfs","wipeFilesystem":true},
		{"device":"%sp3","format":"vfat","wipeFilesystem":true},{"device":"%sp4","format":"swap","wipeFilesystem":true}]}`, dev, dev, dev, dev, dev)
	cfg := parse(b, "3.0.0", storage)
	b.ResetTimer()
	for b.Loop() {
		if _, err := runStage(b, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.Logf("disks stage, 4 partitions + 4 filesystems on 2 GiB: %v per run", b.Elapsed()/time.Duration(b.N))
}
