package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestConsoleFilter: the demo shows Kindling's progress and the summary,
// not systemd's spinner or the kernel copies of status lines.
func TestConsoleFilter(t *testing.T) {
	var out bytes.Buffer
	f := newConsoleFilter(&out, false)
	input := strings.Join([]string{
		"Probing EDD (edd=off to disable)... ok[    0.000000] Linux version 6.1.0",
		"[    5.9] systemd[1]: Reached target local-fs.target - Local File Systems.",
		"\x1b[0;32m  OK  \x1b[0m] Reached target local-fs.target - Local File Systems.",
		"         Starting \x1b[0;1;39mkindling-disks.service\x1b[0m...[   11.393655] virtio_blk virtio0: 2/0/0 default/read/poll queues",
		"\x1bM\x1b[K[ \x1b[0;31m*\x1b[0m] Job kindling-disks.service/start running (9s / no limit)",
		"[  OK  ] Finished kindling-disks.service - Kindling (disks).",
		"[  OK  ] Stopped kindling-disks.service - Kindling (disks).",
		"KOLA-BOOTED",
		"--- hostname",
		"[  OK  ] Finished systemd-update-utmp-runlevel.service.",
		"\x1bM[  OK  ] Finished kindling-late.service.",
		"demo-01",
		"KOLA-RESULT: PASS",
		"[  OK  ] Reached target poweroff.target - System Power Off.",
		"",
	}, "\n")
	f.Write([]byte(input))
	f.Flush()
	want := strings.Join([]string{
		"  [    0.000000] Linux version 6.1.0",
		"           Starting kindling-disks.service...",
		"  [  OK  ] Finished kindling-disks.service - Kindling (disks).",
		"  --- hostname",
		"  [  OK  ] Finished kindling-late.service.",
		"  demo-01",
		"",
	}, "\n")
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
