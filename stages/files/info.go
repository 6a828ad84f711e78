package files

import "github.com/kindling-dev/kindling/stages"

// Info describes the stage to the runner and to `provision help`.
func (stage) Info() stages.Info {
	return stages.Info{InRoot: true, Summary: "stage: write files, users, groups, systemd units into the target root"}
}
