package providers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// hyperv: the host's Data Exchange (KVP) items. The hv_kvp_daemon keeps
// pool 0 (items the host set) in a file of fixed-size records: a 512-byte
// key and a 2048-byte value, both NUL-padded. The config is the value of
// "ignition.config", or, since the host limits a value to about 1 KiB,
// the values of "ignition.config.0", ".1", ... concatenated.
type hyperv struct{}

const (
	kvpPool0     = "/var/lib/hyperv/.kvp_pool_0"
	kvpKeySize   = 512
	kvpValueSize = 2048
	kvpKey       = "ignition.config"
)

func init() { Register(hyperv{}, Source{Reads: []string{"KVP key " + kvpKey + " in " + kvpPool0}}) }

func (hyperv) Name() string { return "hyperv" }

func (hyperv) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	path := filepath.Join(fc.Root, kvpPool0)
	// The daemon fills the pool shortly after it starts; wait a little.
	var data []byte
	var err error
	for deadline := time.Now().Add(fc.driveWait()); ; {
		data, err = os.ReadFile(path)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, fmt.Errorf("hyperv: reading the KVP pool (is hv_kvp_daemon running?): %w", err)
	}
	items, err := parseKVP(data)
	if err != nil {
		return nil, fmt.Errorf("hyperv: %s: %w", path, err)
	}
	if v, ok := items[kvpKey]; ok && v != "" {
		return []byte(v), nil
	}
	var out []byte
	for i := 0; ; i++ {
		v, ok := items[kvpKey+"."+strconv.Itoa(i)]
		if !ok {
			break
		}
		out = append(out, v...)
	}
	if len(out) == 0 {
		return nil, ErrNoConfig
	}
	return out, nil
}

// parseKVP splits a pool file into its key/value records.
func parseKVP(data []byte) (map[string]string, error) {
	const rec = kvpKeySize + kvpValueSize
	if len(data)%rec != 0 {
		return nil, fmt.Errorf("size %d is not a multiple of the %d-byte record size", len(data), rec)
	}
	items := map[string]string{}
	for off := 0; off < len(data); off += rec {
		key := cString(data[off : off+kvpKeySize])
		items[key] = cString(data[off+kvpKeySize : off+rec])
	}
	return items, nil
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
