package providers

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func kvpRecord(key, value string) []byte {
	rec := make([]byte, kvpKeySize+kvpValueSize)
	copy(rec, key)
	copy(rec[kvpKeySize:], value)
	return rec
}

func writePool(t *testing.T, root string, recs ...[]byte) {
	t.Helper()
	p := filepath.Join(root, kvpPool0)
	os.MkdirAll(filepath.Dir(p), 0o755)
	var data []byte
	for _, r := range recs {
		data = append(data, r...)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHyperV(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		recs    [][]byte
		want    string
		wantErr error
		anyErr  bool
	}{
		{name: "single key", recs: [][]byte{kvpRecord("VirtualMachineName", "vm1"), kvpRecord("ignition.config", userData)}, want: userData},
		{name: "split keys", recs: [][]byte{kvpRecord("ignition.config.1", userData[10:]), kvpRecord("ignition.config.0", userData[:10])}, want: userData},
		{name: "no key", recs: [][]byte{kvpRecord("VirtualMachineName", "vm1")}, wantErr: ErrNoConfig},
		{name: "truncated pool", recs: [][]byte{kvpRecord("ignition.config", userData)[:100]}, anyErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writePool(t, root, c.recs...)
			got, err := fetch(t, "hyperv", &FetchContext{Root: root})
			checkFetched(t, got, err, c.want, c.wantErr, c.anyErr)
		})
	}
	if _, err := fetch(t, "hyperv", &FetchContext{Root: t.TempDir(), DriveWait: 200 * time.Millisecond}); err == nil {
		t.Fatal("missing pool accepted")
	}
}
