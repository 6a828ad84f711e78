package main

import (
	"fmt"
	"io"

	"github.com/kindling-dev/kindling/stages/fetch"
)

func init() {
	register("cleanup", command{
		summary: "after provisioning succeeded: remove the config from platforms that keep it readable",
		run:     runCleanup,
	})
}

func runCleanup(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("cleanup", `Usage: provision cleanup [--platform ID] [flags]

Run once provisioning succeeded. On platforms that keep the user config
readable by anything in the machine (vmware guestinfo, virtualbox guest
properties) the config is removed, since it may hold secrets; elsewhere
there is nothing to do. Exit status: 0 done, 1 failed, 2 usage.

Flags:`, stderr)
	var f stageFlags
	f.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	l := f.logger("cleanup", stdout)
	ctx, cancel := signalContext()
	defer cancel()
	if err := fetch.Cleanup(ctx, f.env(l), fetch.Options{}); err != nil {
		fmt.Fprintf(stderr, "provision cleanup: %v\n", err)
		return exitFail
	}
	return exitOK
}
