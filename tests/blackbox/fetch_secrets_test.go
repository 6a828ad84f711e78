package blackbox

import (
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// A password in a URL's userinfo and the signature of a presigned URL:
// neither may reach anything provision writes.
const secretPass, secretSig = "hunter2pw", "SIGNATUREvalue"

// failingServers answer every request with one way a fetch fails, on
// 127.0.0.1: plain HTTP, HTTPS with a certificate nobody trusts, TFTP
// without files.
type failingServers struct {
	http, https, tftp string
	hits500           atomic.Int32
}

// maxConfigSize mirrors resource.MaxConfigSize (32 MiB): a config fetch
// one byte larger fails.
const maxConfigSize = 32 << 20

func startFailingServers(t *testing.T) *failingServers {
	s := &failingServers{}
	stop := make(chan struct{}) // ends the stalling handlers
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		s.hits500.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.String(), http.StatusFound)
	})
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/shadow?"+secretSig, http.StatusFound)
	})
	mux.HandleFunc("/wrong", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ignition":{"version":"3.4.0"}}`)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(w, neverEnding('x'), maxConfigSize+1)
	})
	mux.HandleFunc("/stall-headers", func(w http.ResponseWriter, r *http.Request) {
		waitOrStop(r, stop)
	})
	mux.HandleFunc("/stall-body", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ignition":`)
		w.(http.Flusher).Flush()
		waitOrStop(r, stop)
	})
	plain := httptest.NewServer(mux)
	tls := httptest.NewUnstartedServer(mux)
	tls.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	tls.StartTLS()
	t.Cleanup(func() {
		close(stop)
		plain.Close()
		tls.Close()
	})
	s.http = strings.Replace(plain.URL, "http://", "http://admin:"+secretPass+"@", 1)
	s.https = strings.Replace(tls.URL, "https://", "https://admin:"+secretPass+"@", 1)
	s.tftp = "tftp://admin:" + secretPass + "@" + testutil.TFTPServer(t, nil)
	return s
}

// waitOrStop holds a handler until the client gives up or the test ends,
// at most a minute.
func waitOrStop(r *http.Request, stop <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-stop:
	case <-time.After(time.Minute):
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// secretRefs are config references that fail, each a different way, and
// carry both secrets.
func (s *failingServers) secretRefs() map[string]string {
	signed := func(base, path string) string { return base + path + "?X-Amz-Signature=" + secretSig }
	ref := func(url string) string { return `{"source":"` + url + `"}` }
	zeros := `"verification":{"hash":"sha512-` + strings.Repeat("0", 128) + `"}`
	return map[string]string{
		"connection refused": ref(signed("http://admin:"+secretPass+"@127.0.0.1:1", "/c")),
		"404":                ref(signed(s.http, "/404")),
		"500 retried":        ref(signed(s.http, "/500")),
		"redirect loop":      ref(signed(s.http, "/loop")),
		"redirect to file":   ref(signed(s.http, "/file")),
		"headers stall":      ref(signed(s.http, "/stall-headers")),
		"body stall":         ref(signed(s.http, "/stall-body")),
		"oversize":           ref(signed(s.http, "/big")),
		"bad hash":           `{"source":"` + signed(s.http, "/wrong") + `",` + zeros + `}`,
		"untrusted TLS":      ref(signed(s.https, "/404")),
		"tftp not found":     ref(signed(s.tftp, "/missing")),
		"data URL body":      `{"source":"data:,` + secretPass + `",` + zeros + `}`,
		// Too large for one journal datagram, were it logged whole.
		"large data URL body": `{"source":"data:,` + strings.Repeat("x", 300<<10) + secretPass + `",` + zeros + `}`,
	}
}

// TestFetchPrintsNoSecrets runs provision's fetch stage on configs whose
// merged config fails to fetch in every way a fetch fails, and searches
// everything the binary left for the secrets in its URL: its stdout and
// stderr, the journal (a socket standing in for journald's, in a mount
// namespace of the run's own) or the log on stdout, the sd_notify status
// and every file in the run directory (the failure reason the console
// shows).
func TestFetchPrintsNoSecrets(t *testing.T) {
	needRoot(t, "unshare", "mount")
	srv := startFailingServers(t)
	for name, ref := range srv.secretRefs() {
		for _, journal := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/journal=%v", name, journal), func(t *testing.T) {
				cfg := fmt.Sprintf(`{"ignition":{"version":"3.4.0","config":{"merge":[%s]}}}`, ref)
				src := filepath.Join(t.TempDir(), "user.json")
				if err := os.WriteFile(src, []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("KINDLING_CONFIG_FILE", src)
				runDir := t.TempDir()
				c := runCapturing(t, journal, "fetch", "--platform", "file", "--fetch-timeout", "3s",
					"--root", t.TempDir(), "--config-cache", filepath.Join(runDir, "config.json"))
				c.check(t, runDir, "ignition.config.merge.0")
			})
		}
	}
	if n := srv.hits500.Load(); n < 4 { // 2 runs, each retrying
		t.Errorf("the failing server saw %d requests, want retries", n)
	}
}

// TestFilesStagePrintsNoSecrets: the same for a file's contents, which
// the files stage fetches (its errors take another way out).
func TestFilesStagePrintsNoSecrets(t *testing.T) {
	needRoot(t, "unshare", "mount")
	srv := startFailingServers(t)
	refs := srv.secretRefs()
	for _, name := range []string{"connection refused", "404", "untrusted TLS", "tftp not found", "bad hash"} {
		t.Run(name, func(t *testing.T) {
			body := fmt.Sprintf(`,"storage":{"files":[{"path":"/etc/x","contents":%s}]}`, refs[name])
			cachePath := cache(t, "3.4.0", body)
			c := runCapturing(t, true, "files", "--platform", "qemu", "--fetch-timeout", "3s",
				"--root", newRoot(t), "--config-cache", cachePath)
			c.check(t, filepath.Dir(cachePath), "storage.files.0")
		})
	}
}

// capture is what one run of provision left where an operator looks.
type capture struct {
	result
	journal, notify string
	journalOn       bool
}

// runCapturing runs provision with args. With journal, it runs in a mount
// namespace where journald's socket is one the test reads; otherwise it
// logs to stdout. Either way $NOTIFY_SOCKET is one the test reads.
func runCapturing(t *testing.T, journal bool, args ...string) capture {
	t.Helper()
	sockets, err := os.MkdirTemp("", "kindling-sock-") // short: a socket path has 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockets) })
	journald := listenDatagrams(t, filepath.Join(sockets, "journal"))
	notify := listenDatagrams(t, filepath.Join(sockets, "notify"))
	var cmd *exec.Cmd
	if journal {
		const script = `mount -t tmpfs kindling-test /run/systemd && mkdir /run/systemd/journal &&
			: > /run/systemd/journal/socket && mount --bind "$0" /run/systemd/journal/socket && exec "$@"`
		cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "private",
			"sh", "-c", script, journald.path, provision}, args...)...)
	} else {
		cmd = exec.Command(provision, append(args, "--log-to-stdout")...)
	}
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+notify.path)
	r := runCmd(t, cmd)
	return capture{result: r, journal: journald.text(), notify: notify.text(), journalOn: journal}
}

// check asserts the run failed naming the config path where, and that no
// secret is in its output, its journal, its status or a file in runDir
// but the config cache (the config itself, readable by root only).
func (c capture) check(t *testing.T, runDir, where string) {
	t.Helper()
	if c.code == 0 {
		t.Fatalf("provision succeeded:\n%s", c.output)
	}
	if c.journalOn && !strings.Contains(c.journal, "MESSAGE=") {
		t.Fatalf("nothing reached the journal socket; output:\n%s", c.output)
	}
	if !strings.Contains(c.output+c.journal, where) {
		t.Errorf("the error does not name %s:\n%s%s", where, c.output, c.journal)
	}
	places := map[string]string{"output": c.output, "journal": c.journal, "sd_notify": c.notify}
	filepath.WalkDir(runDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if d.Name() == "config.json" {
			if fi, err := d.Info(); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("config cache %s: %v; want mode 0600", p, err)
			}
			return nil
		}
		data, _ := os.ReadFile(p)
		places[p] = string(data)
		return nil
	})
	for place, text := range places {
		if strings.Contains(text, secretPass) || strings.Contains(text, secretSig) {
			t.Errorf("a secret reached the %s:\n%s", place, text)
		}
	}
}

// datagrams collects what is sent to a unix datagram socket.
type datagrams struct {
	path string
	conn *net.UnixConn
	mu   sync.Mutex
	buf  strings.Builder
	done chan struct{}
}

func listenDatagrams(t *testing.T, path string) *datagrams {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	d := &datagrams{path: path, conn: conn, done: make(chan struct{})}
	t.Cleanup(func() { conn.Close(); <-d.done })
	go func() {
		defer close(d.done)
		b, oob := make([]byte, 1<<20), make([]byte, 1024)
		for {
			n, oobn, _, _, err := conn.ReadMsgUnix(b, oob)
			if err != nil {
				return // closed, or drained after the deadline text sets
			}
			d.mu.Lock()
			d.buf.Write(b[:n])
			d.buf.WriteString(passedFiles(oob[:oobn]))
			d.buf.WriteByte('\n')
			d.mu.Unlock()
		}
	}()
	return d
}

// passedFiles reads the files whose descriptors came with a datagram:
// a journal record too large for one arrives so.
func passedFiles(oob []byte) string {
	msgs, _ := syscall.ParseSocketControlMessage(oob)
	var b strings.Builder
	for _, m := range msgs {
		fds, _ := syscall.ParseUnixRights(&m)
		for _, fd := range fds {
			f := os.NewFile(uintptr(fd), "passed record")
			// The sender's offset is at the end; read from the start.
			io.Copy(&b, io.NewSectionReader(f, 0, 1<<30))
			f.Close()
		}
	}
	return b.String()
}

// text is everything received, once the sender is gone: what it sent is
// queued already, so a short deadline drains the queue.
func (d *datagrams) text() string {
	d.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.String()
}
