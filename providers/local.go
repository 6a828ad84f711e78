package providers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// ConfigFileEnv names the file the "file" platform reads when the
// FetchContext does not.
const ConfigFileEnv = "KINDLING_CONFIG_FILE"

// file: a local path, for tests and image builders.
type file struct{}

func (file) Name() string { return "file" }

func (file) FetchConfig(_ context.Context, fc *FetchContext) ([]byte, error) {
	path := fc.ConfigFile
	if path == "" {
		path = os.Getenv(ConfigFileEnv)
	}
	if path == "" {
		return nil, fmt.Errorf("file platform: no config path given (set %s)", ConfigFileEnv)
	}
	b, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("file platform: %w", err)
	}
	return b, nil
}

// qemu: the config is a fw_cfg blob named opt/com.coreos/config, passed as
// -fw_cfg name=opt/com.coreos/config,file=PATH.
type qemu struct{}

const qemuFwCfg = "/sys/firmware/qemu_fw_cfg/by_name/opt/com.coreos/config/raw"

func (qemu) Name() string { return "qemu" }

func (qemu) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	path := filepath.Join(fc.Root, qemuFwCfg)
	if _, err := os.Stat(filepath.Join(fc.Root, "/sys/firmware/qemu_fw_cfg")); err != nil && fc.Root == "" {
		// The driver may be a module nobody loaded yet.
		if out, err := exec.CommandContext(ctx, "modprobe", "qemu_fw_cfg").CombinedOutput(); err != nil {
			fc.logger().Warn("modprobe qemu_fw_cfg failed", "error", err, "output", string(out))
		}
	}
	b, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("qemu: reading %s: %w", path, err)
	}
	if len(b) == 0 {
		return nil, ErrNoConfig
	}
	return b, nil
}

// metal has no config channel of its own: a bare-metal machine gets its
// config from kindling.config.url= on the kernel command line, which
// FetchCmdlineConfig reads on every platform before the provider is asked.
// Asked directly, metal reads the URL too, so the provider alone still
// does what its name promises.
type metal struct{}

func (metal) Name() string { return "metal" }

func (metal) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	b, err := FetchCmdlineConfig(ctx, fc)
	if err != nil && !errors.Is(err, ErrNoConfig) {
		return nil, fmt.Errorf("metal: %w", err)
	}
	return b, err
}

func init() {
	Register(file{}, Source{Reads: []string{"the file named by $" + ConfigFileEnv}})
	Register(qemu{}, Source{Reads: []string{"fw_cfg " + qemuFwCfg}})
	Register(metal{}, Source{Reads: []string{"the URL in kernel argument " + ConfigURLArgs[0] + "= or " + ConfigURLArgs[1] + "="}})
}
