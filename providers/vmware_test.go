package providers

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"testing"
)

func gzB64(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// The backdoor RPC needs a VMware hypervisor; these tests cover the
// variable names, precedence and encodings through the guestinfo seam.
func TestVMwareGuestinfo(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(userData))
	cases := []struct {
		name    string
		vars    map[string]string
		want    string
		wantErr error
		anyErr  bool
	}{
		{name: "plain", vars: map[string]string{"ignition.config.data": userData}, want: userData},
		{name: "base64", vars: map[string]string{"ignition.config.data": b64, "ignition.config.data.encoding": "base64"}, want: userData},
		{name: "gz+base64", vars: map[string]string{"ignition.config.data": gzB64(userData), "ignition.config.data.encoding": "gz+base64"}, want: userData},
		{name: "kindling first", vars: map[string]string{"ignition.config.data": "x", "kindling.config.data": userData}, want: userData},
		{name: "none", vars: map[string]string{}, wantErr: ErrNoConfig},
		{name: "bad base64", vars: map[string]string{"ignition.config.data": "%%%", "ignition.config.data.encoding": "base64"}, anyErr: true},
		{name: "not gzip", vars: map[string]string{"ignition.config.data": b64, "ignition.config.data.encoding": "gz+base64"}, anyErr: true},
		{name: "unknown encoding", vars: map[string]string{"ignition.config.data": userData, "ignition.config.data.encoding": "rot13"}, anyErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := fetch(t, "vmware", &FetchContext{guestinfo: func(k string) (string, error) { return c.vars[k], nil }})
			checkFetched(t, got, err, c.want, c.wantErr, c.anyErr)
		})
	}
}

// Outside VMware the provider must say so instead of crashing.
func TestVMwareElsewhere(t *testing.T) {
	t.Parallel()
	if _, err := fetch(t, "vmware", &FetchContext{}); !errors.Is(err, errNotVMware) {
		t.Skipf("backdoor answered (running on VMware?): %v", err)
	}
	p, _ := Get("vmware")
	rm, ok := p.(ConfigRemover)
	if !ok {
		t.Fatal("vmware does not implement ConfigRemover")
	}
	if err := rm.RemoveConfig(t.Context(), &FetchContext{}); !errors.Is(err, errNotVMware) {
		t.Fatalf("RemoveConfig outside VMware: %v", err)
	}
}
