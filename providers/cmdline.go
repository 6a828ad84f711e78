package providers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/kindling-dev/kindling/internal/kcmdline"
	"github.com/kindling-dev/kindling/internal/resource"
)

// Kernel arguments Kindling reads; the ignition.* spellings are accepted so
// images built for Ignition boot unchanged. The kindling.* one wins.
// Fixed tables, only read.
var (
	PlatformArgs  = []string{"kindling.platform.id", "ignition.platform.id"}
	ConfigURLArgs = []string{"kindling.config.url", "ignition.config.url"}
)

// PlatformFromCmdline returns the platform id the kernel arguments name.
func PlatformFromCmdline(cmdline string) (string, bool) {
	return kcmdline.Value(cmdline, PlatformArgs...)
}

func (fc *FetchContext) cmdline() (string, error) {
	if fc.Cmdline != "" {
		return fc.Cmdline, nil
	}
	return kcmdline.Read(fc.Root)
}

// FetchCmdlineConfig fetches the config named by kindling.config.url= (or
// ignition.config.url=) on the kernel command line, with any scheme the
// resource fetcher knows, held to resource.MaxConfigSize. As in Ignition,
// this URL is tried first on every platform: a machine booted with
// ignition.platform.id=qemu and a config URL gets that config even with
// nothing in fw_cfg. No argument, or an empty one, returns ErrNoConfig; a
// failing fetch is an error (the user asked for that config).
func FetchCmdlineConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	cmdline, err := fc.cmdline()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoConfig // a test root without /proc
	}
	if err != nil {
		return nil, fmt.Errorf("reading the kernel command line: %w", err)
	}
	url, ok := kcmdline.Value(cmdline, ConfigURLArgs...)
	if !ok || url == "" {
		return nil, ErrNoConfig
	}
	f := fc.Fetcher
	if f == nil {
		f = resource.New(resource.Options{})
	}
	b, err := f.Fetch(ctx, resource.Request{URL: url}.ConfigSized())
	if err != nil {
		return nil, fmt.Errorf("config URL from the kernel command line: %w", err)
	}
	return b, nil
}
