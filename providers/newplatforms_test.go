package providers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeVsock stands in for the kernel's vsock: it records where it was
// asked to connect and reaches a real HTTP server on 127.0.0.1 instead.
type fakeVsock struct {
	addr      string
	cid, port atomic.Uint32
	dials     atomic.Int32
	fail      bool
}

func (f *fakeVsock) DialVsock(ctx context.Context, cid, port uint32) (net.Conn, error) {
	f.dials.Add(1)
	f.cid.Store(cid)
	f.port.Store(port)
	if f.fail {
		return nil, errors.New("connection reset by peer")
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", f.addr)
}

func TestAppleHV(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(200)
	body := userData
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" || r.Header.Get("Accept") != "application/json" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		w.WriteHeader(int(status.Load()))
		w.Write([]byte(body))
	}))
	defer srv.Close()
	dialer := &fakeVsock{addr: srv.Listener.Addr().String()}
	fc := &FetchContext{Vsock: dialer, MaxAttempts: 3, HTTPTimeout: time.Second}
	got, err := fetch(t, "applehv", fc)
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	if dialer.cid.Load() != 2 || dialer.port.Load() != 1024 {
		t.Errorf("dialed cid %d port %d, want the host (2) on 1024", dialer.cid.Load(), dialer.port.Load())
	}
	p, _ := Get("applehv")
	if Needs(p) {
		t.Error("applehv needs no network: fetch-offline must do it")
	}
	body = ""
	if _, err := fetch(t, "applehv", fc); !errors.Is(err, ErrNoConfig) {
		t.Errorf("empty answer: %v, want ErrNoConfig", err)
	}
	status.Store(http.StatusNotFound)
	if _, err := fetch(t, "applehv", fc); err == nil || errors.Is(err, ErrNoConfig) || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v, want an error naming the status", err)
	}
	broken := &fakeVsock{fail: true}
	_, err = fetch(t, "applehv", &FetchContext{Vsock: broken, MaxAttempts: 3, HTTPTimeout: time.Second})
	if err == nil || broken.dials.Load() != 3 {
		t.Errorf("unreachable host: %v after %d dials, want an error after 3", err, broken.dials.Load())
	}
}

// fakeTools puts shell scripts standing in for s390-tools and friends
// first on PATH; each appends its command line to the log file.
func fakeTools(t *testing.T, scripts map[string]string) (logPath string) {
	t.Helper()
	dir := t.TempDir()
	logPath = filepath.Join(dir, "calls.log")
	for name, body := range scripts {
		script := "#!/bin/sh\necho \"" + name + " $*\" >> " + logPath + "\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return logPath
}

func TestZVM(t *testing.T) {
	state := t.TempDir()
	listing := `ORIGINID FILE CLASS RECORDS  CPY HOLD DATE  TIME     NAME      TYPE DIST
T6360025 0461 V DCP 00000002 001 NONE 06/11 15:07:40 notes     txt  T6360025
T6360025 0463 V DCP 00000002 001 NONE 06/11 15:07:42 config    ign  T6360025
T6360025 0464 V DCP 00000002 001 NONE 06/11 15:07:43 other     ign  T6360025
`
	os.WriteFile(filepath.Join(state, "listing"), []byte(listing), 0o644)
	os.WriteFile(filepath.Join(state, "0463"), append([]byte(userData), 0, 0, 0, 0), 0o644)
	log := fakeTools(t, map[string]string{
		"modprobe": "exit 0",
		"udevadm":  "exit 0",
		// The reader is on the cio_ignore list until cio_ignore -r frees it.
		"chccwdev":   `[ -e ` + state + `/freed ] || { echo "device not found" >&2; exit 1; }`,
		"cio_ignore": `touch ` + state + `/freed`,
		"vmur": `case "$1" in
li) cat ` + state + `/listing ;;
re) [ "$2" = -f ] && cp ` + state + `/"$3" "$4" ;;
*) exit 1 ;;
esac`,
	})
	got, err := fetch(t, "zvm", &FetchContext{})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	calls, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
	want := []string{"modprobe vmur", "chccwdev -e 000c", "cio_ignore -r 000c", "chccwdev -e 000c", "udevadm settle", "vmur li", "vmur re -f 0463 "}
	if len(lines) != len(want) {
		t.Fatalf("commands run:\n%s\nwant %q", calls, want)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("command %d: %q, want %q", i, lines[i], want[i])
		}
	}
	// The received file went to a temporary directory, which is gone.
	out := strings.TrimPrefix(lines[6], "vmur re -f 0463 ")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("received file %s left behind: %v", out, err)
	}
	// No ign file in the reader: no config.
	os.WriteFile(filepath.Join(state, "listing"), []byte(strings.Split(listing, "\n")[0]+"\n"), 0o644)
	if _, err := fetch(t, "zvm", &FetchContext{}); !errors.Is(err, ErrNoConfig) {
		t.Errorf("empty reader: %v, want ErrNoConfig", err)
	}
}

func TestZVMSpoolListing(t *testing.T) {
	t.Parallel()
	for list, want := range map[string]string{
		"":         "",
		"HEADER\n": "",
		"ORIGINID FILE CLASS RECORDS CPY HOLD DATE TIME NAME TYPE DIST\nX 0001 V DCP 1 001 NONE 06/11 15:07:42 cfg IGN X\n": "",
		"ORIGINID FILE CLASS RECORDS CPY HOLD DATE TIME NAME TYPE DIST\nX 0001 V DCP 1 001 NONE 06/11 15:07:42 cfg ign X\n": "0001",
		// An empty line ends the list, as in Ignition.
		"H\n\nX 0002 V DCP 1 001 NONE 06/11 15:07:42 cfg ign X\n": "",
	} {
		id, ok := zvmConfigSpoolID(list)
		if id != want || ok != (want != "") {
			t.Errorf("%q: got %q %v, want %q", list, id, ok, want)
		}
	}
}

func TestNvidiaBlueField(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	fifo := filepath.Join(root, "/sys/bus/platform/devices/MLNXBF04:00/bootfifo")
	if _, err := fetch(t, "nvidiabluefield", &FetchContext{Root: root}); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no FIFO: %v, want ErrNoConfig", err)
	}
	os.MkdirAll(filepath.Dir(fifo), 0o755)
	os.WriteFile(fifo, []byte("\x00\x00\x00"), 0o644)
	if _, err := fetch(t, "nvidiabluefield", &FetchContext{Root: root}); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("NUL-only FIFO: %v, want ErrNoConfig", err)
	}
	os.WriteFile(fifo, append([]byte(userData), make([]byte, 64)...), 0o644)
	got, err := fetch(t, "nvidiabluefield", &FetchContext{Root: root})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestKernelVsockLoopback runs the real AF_VSOCK dialer against an HTTP
// server on a vsock listener of this machine (local CID 1), when the
// kernel has vsock loopback.
func TestKernelVsockLoopback(t *testing.T) {
	t.Parallel()
	fd, err := unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no AF_VSOCK here: %v", err)
	}
	const port = 52817
	if err := unix.Bind(fd, &unix.SockaddrVM{CID: unix.VMADDR_CID_LOCAL, Port: port}); err != nil {
		unix.Close(fd)
		t.Skipf("no vsock loopback here: %v", err)
	}
	if err := unix.Listen(fd, 4); err != nil {
		unix.Close(fd)
		t.Skipf("vsock listen: %v", err)
	}
	defer unix.Close(fd)
	done := make(chan struct{})
	go func() {
		defer close(done)
		nfd, _, err := unix.Accept(fd)
		if err != nil {
			return
		}
		c := os.NewFile(uintptr(nfd), "vsock-server")
		defer c.Close()
		buf := make([]byte, 4096)
		c.Read(buf) // the request; one read holds it
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(userData)) + "\r\nConnection: close\r\n\r\n" + userData))
	}()
	conn, err := kernelVsock{}.DialVsock(context.Background(), unix.VMADDR_CID_LOCAL, port)
	if err != nil {
		t.Skipf("vsock loopback dial: %v", err)
	}
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("http://d/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != userData {
		t.Fatalf("got %q", b)
	}
	<-done
}
