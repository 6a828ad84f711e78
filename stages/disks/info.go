package disks

import "github.com/kindling-dev/kindling/stages"

// Info describes the stage to the runner and to `provision help`.
func (Stage) Info() stages.Info {
	return stages.Info{Devices: true, Summary: "stage: partition disks, create RAID, LUKS volumes and filesystems"}
}
