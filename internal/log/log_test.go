package log

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listen opens a datagram socket standing in for journald or systemd.
func listen(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func receive(t *testing.T, conn *net.UnixConn) []byte {
	t.Helper()
	buf := make([]byte, 65536)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func TestTextLinesNameTheStage(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	l := New(Options{Stage: "files", Out: &out})
	l.Info("wrote file", "path", "/etc/motd", "count", 3)
	l.Debug("hidden")
	got := out.String()
	want := "kindling[files]: info wrote file path=/etc/motd count=3\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestJournalNativeProtocol(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "journal.sock")
	conn := listen(t, sock)
	l := New(Options{Stage: "kargs", JournalSocket: sock})
	l.Warn("two\nlines", "entry", "a.conf")
	msg := receive(t, conn)

	fields := parseNative(t, msg)
	checks := map[string]string{
		"MESSAGE":           "kargs: two\nlines entry=a.conf",
		"PRIORITY":          "4",
		"SYSLOG_IDENTIFIER": "kindling",
		"KINDLING_STAGE":    "kargs",
		"KINDLING_ENTRY":    "a.conf",
	}
	for k, want := range checks {
		if fields[k] != want {
			t.Errorf("%s = %q, want %q", k, fields[k], want)
		}
	}
}

// parseNative decodes journald's native datagram format.
func parseNative(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			t.Fatalf("truncated record %q", b)
		}
		line := string(b[:nl])
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
			b = b[nl+1:]
			continue
		}
		n := binary.LittleEndian.Uint64(b[nl+1 : nl+9])
		out[line] = string(b[nl+9 : nl+9+int(n)])
		b = b[nl+9+int(n)+1:]
	}
	return out
}

func TestNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn := listen(t, sock)
	t.Setenv("NOTIFY_SOCKET", sock)
	Status("files: %d of %d\nwritten", 3, 10)
	if got := string(receive(t, conn)); got != "STATUS=files: 3 of 10 written" {
		t.Errorf("got %q", got)
	}

	t.Setenv("NOTIFY_SOCKET", "")
	if err := Notify("READY=1"); err != nil {
		t.Errorf("without NOTIFY_SOCKET: %v", err)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "missing"))
	if err := Notify("READY=1"); err == nil {
		t.Errorf("missing socket should fail, got %v", err)
	}
}
