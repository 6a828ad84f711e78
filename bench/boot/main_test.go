package main

import (
	"math"
	"testing"
)

// TestParse reads the journal lines the in-VM script prints.
func TestParse(t *testing.T) {
	console := `noise
BENCH [    3.100000] localhost kernel: Run /init as init process
BENCH [   12.378136] localhost systemd[1]: Starting kindling-disks.service - Kindling (disks): partition disks...
BENCH [   26.834974] localhost kindling[264]: disks: stage done took=14.517s
BENCH [   26.900000] localhost systemd[1]: Finished kindling-disks.service - Kindling (disks): partition disks.
BENCH [   27.500000] localhost kindling[300]: mount: stage done took=105ms
BENCH [   28.000000] localhost systemd[1]: Reached target kindling-complete.target - Kindling: the machine is provisioned.
BENCH [   30.250000] localhost systemd[1]: Switching root.
`
	b := parse(console)
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6 }
	span := b.units["kindling-disks.service"]
	if !near(span[0], 12.378136) || !near(span[1], 26.9) {
		t.Errorf("disks unit span %v", span)
	}
	if !near(b.stages["disks"], 14.517) || !near(b.stages["mount"], 0.105) {
		t.Errorf("stages %v", b.stages)
	}
	if !near(b.complete, 28) || !near(b.switchRoot, 30.25) || !near(b.initStart, 3.1) {
		t.Errorf("complete %v, switch root %v, /init %v", b.complete, b.switchRoot, b.initStart)
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median of 3 = %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median of 4 = %v", m)
	}
}

func TestCriticalPath(t *testing.T) {
	first := boot{rootFound: 10, fsckStart: 10.5, sysroot: 11, initrd: 13, umount: [2]float64{14, 14.25}}
	second := boot{rootFound: 8, fsckStart: 8.2, sysroot: 8.6, initrd: 9.1}
	// held 0.3, after the root 2 - 0.5 = 1.5, umount 0.25
	if got := criticalPath(first, second); math.Abs(got-2.05) > 1e-9 {
		t.Errorf("criticalPath = %v, want 2.05", got)
	}
	// A root fsck that started sooner than in the normal boot holds nothing.
	first.fsckStart = 10.1
	if got := criticalPath(first, second); math.Abs(got-1.75) > 1e-9 {
		t.Errorf("criticalPath = %v, want 1.75", got)
	}
}
