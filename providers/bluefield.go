package providers

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/kindling-dev/kindling/internal/command"
)

// nvidiabluefield: NVIDIA BlueField DPUs. The host pushes the config into
// the DPU's boot FIFO (with the BFB image); the mlxbf_bootctl driver
// exposes it as a sysfs file, NUL-padded.
type nvidiabluefield struct{}

// bluefieldFIFOs are the boot FIFO files Ignition v2.26.0 reads.
var bluefieldFIFOs = []string{"/sys/bus/platform/devices/MLNXBF04:00/bootfifo"}

func init() {
	Register(nvidiabluefield{}, Source{Reads: bluefieldFIFOs})
}

func (nvidiabluefield) Name() string { return "nvidiabluefield" }

func (nvidiabluefield) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	// Tests point Root at a tree of their own: no module to load there.
	if fc.Root == "" {
		if _, err := command.Run(ctx, "modprobe", "mlxbf_bootctl"); err != nil {
			return nil, fmt.Errorf("nvidiabluefield: loading the mlxbf_bootctl module: %w", err)
		}
	}
	for _, p := range bluefieldFIFOs {
		data, err := readConfigFile(filepath.Join(fc.Root, p))
		if isNotExist(err) {
			continue
		}
		if err != nil {
			// Ignition goes on to the next FIFO too; say why this one failed.
			fc.logger().Warn("nvidiabluefield: cannot read the boot FIFO", "path", p, "error", err)
			continue
		}
		if data = bytes.Trim(data, "\x00"); len(data) > 0 {
			return data, nil
		}
	}
	return nil, ErrNoConfig
}
