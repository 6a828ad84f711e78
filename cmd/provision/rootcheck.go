package main

import (
	"fmt"
	"io"
	"os"

	"github.com/kindling-dev/kindling/stages"
	"github.com/kindling-dev/kindling/stages/disks"
)

func init() {
	register("root-untouched", command{
		summary: "say whether the disks stage leaves the root's disk alone (exit 0) or the root must wait for it (exit 1)",
		run:     runRootUntouched,
	})
}

// runRootUntouched lets the boot check and mount the root filesystem
// while the disks stage runs, when the config's storage is sure to stay
// off the root's disks.
func runRootUntouched(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("root-untouched", `Usage: provision root-untouched [flags]

Reads the cached config and the kernel command line's root=, and says
whether every storage entry (disks, RAID, LUKS, filesystems) is on disks
other than those under the root filesystem. The boot integration then
mounts the root while the disks stage runs; otherwise the root waits.
Exit status: 0 the root's disks are left alone, 1 they may be changed or
that cannot be told, 2 usage.

Flags:`, stderr)
	var f stageFlags
	f.register(fs)
	cmdlineFile := fs.String("cmdline", "/proc/cmdline", "file holding the kernel command line whose root= names the root device")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	l := f.logger("root-untouched", stdout)
	cfg, err := stages.LoadConfig(f.configCache)
	if err != nil {
		fmt.Fprintf(stderr, "provision root-untouched: %v\n", err)
		return exitFail
	}
	cmdline, err := os.ReadFile(*cmdlineFile)
	if err != nil {
		fmt.Fprintf(stderr, "provision root-untouched: %v\n", err)
		return exitFail
	}
	ctx, cancel := signalContext()
	defer cancel()
	ok, why := disks.LeavesRootAlone(ctx, cfg.Storage, string(cmdline))
	if !ok {
		l.Info("the root waits for the disks stage", "reason", why)
		return exitFail
	}
	l.Info("the root is mounted while the disks stage runs", "reason", why)
	return exitOK
}
