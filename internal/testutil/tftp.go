package testutil

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pin/tftp/v3"
)

// TFTPServer serves files (name → contents; a leading "/" in a request
// is ignored) over TFTP on 127.0.0.1 and returns its host:port. Any other
// name is answered with a TFTP error. Cleanup stops the server and waits
// for it to end.
func TFTPServer(tb testing.TB, files map[string][]byte) string {
	tb.Helper()
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		data, ok := files[strings.TrimPrefix(name, "/")]
		if !ok {
			return fmt.Errorf("file %q not found", name)
		}
		_, err := rf.ReadFrom(bytes.NewReader(data))
		return err
	}, nil)
	// Bounds each transfer: a client that stops acknowledging cannot
	// keep a handler alive past the test.
	srv.SetTimeout(2 * time.Second)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(conn)
	}()
	tb.Cleanup(func() {
		srv.Shutdown()
		<-done
	})
	return conn.LocalAddr().String()
}
