package log

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// The journal client has journald's socket path built in, so the journal
// tests run in a child process with a private mount namespace and a tmpfs
// on /run, where the test listens in journald's place.
const journalChildEnv = "KINDLING_LOG_JOURNAL_CHILD"

func inJournalNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(journalChildEnv) == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	script := `mount -t tmpfs kindling-test-run /run && exec "$@"`
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh",
		os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), journalChildEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child in a private mount namespace: %v\n%s", err, out)
	}
	return false
}

// listenJournal stands in for journald at its socket path.
func listenJournal(t *testing.T) *net.UnixConn {
	t.Helper()
	if err := os.MkdirAll("/run/systemd/journal", 0o755); err != nil {
		t.Fatal(err)
	}
	return listen(t, "/run/systemd/journal/socket")
}

func TestJournalNativeProtocol(t *testing.T) {
	if !inJournalNamespace(t) {
		return
	}
	conn := listenJournal(t)
	l := New(Options{Stage: "kargs"})
	l.Warn("two\nlines", "entry", "a.conf")
	fields := parseNative(t, receive(t, conn))
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

// A record larger than a datagram reaches the journal through a file
// descriptor rather than falling back to standard error.
func TestJournalLargeRecord(t *testing.T) {
	if !inJournalNamespace(t) {
		return
	}
	conn := listenJournal(t)
	if err := conn.SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1<<20)
	New(Options{Stage: "files"}).Info("big", "contents", big)

	buf, oob := make([]byte, 65536), make([]byte, 1024)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a %d-byte datagram arrived; want the record passed as a file descriptor", n)
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages: %v, %v", msgs, err)
	}
	fds, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights: %v, %v", fds, err)
	}
	f := os.NewFile(uintptr(fds[0]), "journal record")
	defer f.Close()
	// journald reads the file from its start; the sender's offset is at its end.
	record, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<30))
	if err != nil {
		t.Fatal(err)
	}
	if got := parseNative(t, record)["KINDLING_CONTENTS"]; got != big {
		t.Errorf("KINDLING_CONTENTS has %d bytes, want %d", len(got), len(big))
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
