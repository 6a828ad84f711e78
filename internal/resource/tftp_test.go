package resource

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pin/tftp/v3"
)

// startTFTP serves files from a map on 127.0.0.1 and returns host:port.
func startTFTP(t *testing.T, files map[string][]byte) string {
	t.Helper()
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		data, ok := files[name]
		if !ok {
			return fmt.Errorf("file %q not found", name)
		}
		_, err := rf.ReadFrom(bytes.NewReader(data))
		return err
	}, nil)
	srv.SetTimeout(2 * time.Second)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(conn)
	}()
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
	})
	return conn.LocalAddr().String()
}

func TestTFTP(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("tftp block data "), 20000) // 320 KB: many blocks
	addr := startTFTP(t, map[string][]byte{
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
