package providers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/vmware/vmw-guestinfo/rpcvmx"
	"github.com/vmware/vmw-guestinfo/vmcheck"
)

// vmware: the VM's guestinfo variables, read through the VMware backdoor
// RPC. guestinfo.ignition.config.data holds the config, encoded as
// guestinfo.ignition.config.data.encoding says: "" (none), "base64" or
// "gz+base64". The kindling.* names are read first.
type vmware struct{}

var (
	vmwareDataKeys = []string{"kindling.config.data", "ignition.config.data"}
	errNotVMware   = errors.New("not running on VMware (no backdoor)")
)

func init() { Register(vmware{}, Source{Reads: []string{"guestinfo." + vmwareDataKeys[1]}}) }

func (vmware) Name() string { return "vmware" }

func (vmware) FetchConfig(_ context.Context, fc *FetchContext) ([]byte, error) {
	get, err := guestinfoGetter(fc)
	if err != nil {
		return nil, fmt.Errorf("vmware: %w", err)
	}
	for _, key := range vmwareDataKeys {
		data, err := get(key)
		if err != nil {
			return nil, fmt.Errorf("vmware: reading guestinfo.%s: %w", key, err)
		}
		if data == "" {
			continue
		}
		enc, err := get(key + ".encoding")
		if err != nil {
			return nil, fmt.Errorf("vmware: reading guestinfo.%s.encoding: %w", key, err)
		}
		out, err := decodeGuestinfo(data, enc)
		if err != nil {
			return nil, fmt.Errorf("vmware: guestinfo.%s: %w", key, err)
		}
		return out, nil
	}
	return nil, ErrNoConfig
}

// guestinfoGetter returns a reader of guestinfo.KEY variables. The backdoor
// is probed first: issuing it outside VMware crashes the process.
func guestinfoGetter(fc *FetchContext) (func(string) (string, error), error) {
	if fc.guestinfo != nil {
		return fc.guestinfo, nil
	}
	ok, err := vmcheck.IsVirtualWorld(true)
	if err != nil || !ok {
		return nil, errNotVMware
	}
	cfg := rpcvmx.NewConfig()
	return func(key string) (string, error) { return cfg.String(key, "") }, nil
}

// decodeGuestinfo undoes the declared encoding of a guestinfo value.
func decodeGuestinfo(data, encoding string) ([]byte, error) {
	switch encoding {
	case "":
		return []byte(data), nil
	case "base64", "b64":
		return base64.StdEncoding.DecodeString(data)
	case "gz+base64", "gzip+base64":
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, err
		}
		return gunzipConfig(raw)
	default:
		return nil, fmt.Errorf("unknown encoding %q (want base64 or gz+base64)", encoding)
	}
}

// RemoveConfig blanks the guestinfo config variables so other processes
// in the VM cannot read secrets from them after provisioning. The VM's
// .vmx keeps its copy; only the running VM's view is cleared.
func (vmware) RemoveConfig(_ context.Context, _ *FetchContext) error {
	if ok, err := vmcheck.IsVirtualWorld(true); err != nil || !ok {
		return errNotVMware
	}
	cfg := rpcvmx.NewConfig()
	for _, key := range vmwareDataKeys {
		for _, k := range []string{key, key + ".encoding"} {
			if err := cfg.SetString(k, ""); err != nil {
				return fmt.Errorf("vmware: clearing guestinfo.%s: %w", k, err)
			}
		}
	}
	return nil
}
