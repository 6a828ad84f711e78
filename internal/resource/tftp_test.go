package resource

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

func TestTFTP(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("tftp block data "), 20000) // 320 KB: many blocks
	addr := testutil.TFTPServer(t, map[string][]byte{
		"boot/config.ign": []byte(`{"ignition":{"version":"3.4.0"}}`),
		"big.bin":         big,
		"big.gz":          gzipped(t, big),
	})
	f := New(Options{MaxAttempts: 2})

	got, err := f.Fetch(testCtx(t), Request{URL: "tftp://" + addr + "/boot/config.ign"})
	if err != nil || string(got) != `{"ignition":{"version":"3.4.0"}}` {
		t.Fatalf("small file: %q, %v", got, err)
	}
	got, err = f.Fetch(testCtx(t), Request{URL: "tftp://" + addr + "/big.bin", Hash: sha512Of(big)})
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("big file: %d bytes, %v", len(got), err)
	}
	got, err = f.Fetch(testCtx(t), Request{URL: "tftp://" + addr + "/big.gz", Compression: "gzip", Hash: sha256Of(big)})
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("gzip file: %d bytes, %v", len(got), err)
	}
	_, err = f.Fetch(testCtx(t), Request{URL: "tftp://" + addr + "/big.bin", Hash: sha512Of([]byte("other"))})
	if !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("err = %v, want ErrHashMismatch", err)
	}
	_, err = f.Fetch(testCtx(t), Request{URL: "tftp://" + addr + "/missing"})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: err = %v, want ErrNotFound", err)
	}
}
