package adversarial

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// hostileServer is an HTTP server on 127.0.0.1 that misbehaves on
// purpose, counting the requests it gets.
type hostileServer struct {
	url      string
	requests atomic.Int64
}

// zerosSize is the size of /zeros.
const zerosSize = 1 << 30

// stallFor is how long a stalling handler holds a connection at most, so
// a server never outlives its test by much.
const stallFor = 90 * time.Second

func newHostileServer(t *testing.T, bomb []byte) *hostileServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hostileServer{url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	wait := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(stallFor):
		}
	}
	// Headers and a little of the body, then nothing.
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.Write(bytes.Repeat([]byte("x"), 100))
		w.(http.Flusher).Flush()
		wait(r)
	})
	// Nothing at all, not even headers.
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) { wait(r) })
	// A redirect to itself with a new query, forever.
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("/loop?n=%d", s.requests.Load()), http.StatusFound)
	})
	// Promises more bytes than it sends.
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("only ten b"))
	})
	// A gigabyte of zeros, fast, never held in memory.
	mux.HandleFunc("/zeros", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(zerosSize))
		chunk := make([]byte, 1<<20)
		for sent := 0; sent < zerosSize; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	// A small gzip stream of a large run of zeros.
	mux.HandleFunc("/bomb.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(bomb) })
	// Two levels of fifty merged children each: 2,550 configs, only two
	// deep, so a depth limit alone does not stop it.
	mux.HandleFunc("/fanout.json", func(w http.ResponseWriter, r *http.Request) {
		var merges []string
		if level := r.URL.Query().Get("level"); level != "2" {
			next := map[string]string{"": "1", "1": "2"}[level]
			for i := 0; i < 50; i++ {
				merges = append(merges, fmt.Sprintf(`{"source":"%s/fanout.json?level=%s&i=%d&p=%s"}`, s.url, next, i, r.URL.Query().Get("i")))
			}
		}
		fmt.Fprintf(w, `{"ignition":{"version":"3.4.0","config":{"merge":[%s]}}}`, strings.Join(merges, ","))
	})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		mux.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// gzipZeros is a gzip stream of n zero bytes (a few hundred KiB for n of
// hundreds of MiB), and the sha512 of what it decompresses to.
func gzipZeros(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		zw.Write(chunk[:min(left, len(chunk))])
	}
	zw.Close()
	return b.Bytes()
}

// timeouts bound every HTTP fetch of a config through the config itself.
const timeouts = `"timeouts":{"httpResponseHeaders":2,"httpTotal":8}`

// fileFrom is a config with one file fetched from url.
func fileFrom(url, extra string) []byte {
	return []byte(fmt.Sprintf(`{"ignition":{"version":"3.4.0",%s},"storage":{"files":[{"path":"/etc/fetched","contents":{"source":%q%s}}]}}`, timeouts, url, extra))
}

// TestMisbehavingServer: a file whose server stalls, never answers,
// redirects forever or sends less than it promised fails naming the file
// in a bounded time and number of requests, and the root is unchanged.
func TestMisbehavingServer(t *testing.T) {
	needRoot(t)
	srv := newHostileServer(t, nil)
	for _, c := range []struct {
		path        string
		want        []string
		maxRequests int64
	}{
		{"/stall", []string{"storage.files.0.contents"}, 20},
		{"/slow-headers", []string{"storage.files.0.contents"}, 20},
		{"/loop", []string{"storage.files.0.contents", "more than 10 redirects"}, 11},
		{"/short", []string{"storage.files.0.contents"}, 200},
	} {
		t.Run(c.path, func(t *testing.T) {
			root := newRoot(t)
			before := testutil.Snapshot(t, root)
			srv.requests.Store(0)
			start := time.Now()
			r := applyFiles(t, root, fileFrom(srv.url+c.path, ""))
			r.failed(t, 128, c.want...)
			t.Logf("%s", lastLine(r.output))
			if took := time.Since(start); took > 40*time.Second {
				t.Errorf("took %v with httpTotal 8 s", took)
			}
			if n := srv.requests.Load(); n > c.maxRequests {
				t.Errorf("%d requests to %s, bound %d", n, c.path, c.maxRequests)
			}
			if after := testutil.Snapshot(t, root); after != before {
				t.Errorf("the root changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// TestStalledBodyWithoutTimeouts: with no timeouts in the config, a body
// that stops arriving does not hold the fetch forever: the attempt is
// abandoned after the idle read timeout and a new one starts (the
// reference, too, retries a file without httpTotal for as long as the
// unit lets it; what must not happen is one attempt hanging).
func TestStalledBodyWithoutTimeouts(t *testing.T) {
	needRoot(t)
	srv := newHostileServer(t, nil)
	root := newRoot(t)
	cfg := writeFile(t, "config.json", []byte(fmt.Sprintf(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/fetched","contents":{"source":"%s/stall"}}]}}`, srv.url)))
	cmd := exec.Command(provision, "apply", "--log-to-stdout", "--root", root, "--run-dir", t.TempDir(), cfg)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(75 * time.Second); time.Now().Before(deadline) && srv.requests.Load() < 2; {
		time.Sleep(100 * time.Millisecond)
	}
	if srv.requests.Load() < 2 {
		t.Fatal("a stalled body still held its one attempt after 75 s (no idle read timeout)")
	}
	if _, err := os.Stat(filepath.Join(root, "etc/fetched")); err == nil {
		t.Errorf("a file was written from a body that never arrived")
	}
}

// TestGzipBombInAFile: a gzip stream of 512 MiB of zeros with a hash it
// cannot match, served over HTTP, over TFTP or inline as a base64 data
// URL, is
// streamed (memory stays small), refused naming the file, and leaves no
// temp file in the root.
func TestGzipBombInAFile(t *testing.T) {
	needRoot(t)
	bomb := gzipZeros(t, 512<<20)
	srv := newHostileServer(t, bomb)
	other := sha512.Sum512([]byte("something else"))
	extra := fmt.Sprintf(`,"compression":"gzip","verification":{"hash":"sha512-%x"}`, other)
	for name, source := range map[string]string{
		"http":     srv.url + "/bomb.gz",
		"tftp":     "tftp://" + testutil.TFTPServer(t, map[string][]byte{"bomb.gz": bomb}) + "/bomb.gz",
		"data URL": "data:;base64," + base64.StdEncoding.EncodeToString(bomb),
	} {
		t.Run(name, func(t *testing.T) {
			root := newRoot(t)
			before := testutil.Snapshot(t, root)
			r := applyFiles(t, root, fileFrom(source, extra))
			r.failed(t, 128, "storage.files.0.contents", "sha512")
			if after := testutil.Snapshot(t, root); after != before {
				t.Errorf("the root changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// TestGzipBombInAMergeChild: a merged config that is a gzip bomb is cut
// at the config size limit, not decompressed whole.
func TestGzipBombInAMergeChild(t *testing.T) {
	srv := newHostileServer(t, gzipZeros(t, 512<<20))
	cfg := fmt.Sprintf(`{"ignition":{"version":"3.4.0",%s,"config":{"merge":[{"source":"%s/bomb.gz","compression":"gzip"}]}}}`, timeouts, srv.url)
	r := fetchStage(t, []byte(cfg))
	r.failed(t, 256, "ignition.config.merge.0", "resource too large", "resource.MaxConfigSize")
}

// TestMergeFanOut: a config merging fifty that each merge fifty more is
// stopped at the limit on configs per render, after a bounded number of
// requests.
func TestMergeFanOut(t *testing.T) {
	srv := newHostileServer(t, nil)
	cfg := fmt.Sprintf(`{"ignition":{"version":"3.4.0",%s,"config":{"merge":[{"source":"%s/fanout.json"}]}}}`, timeouts, srv.url)
	r := fetchStage(t, []byte(cfg))
	r.failed(t, 256, "more than 64 referenced configs", "render.MaxConfigs")
	if n := srv.requests.Load(); n > 200 {
		t.Errorf("%d config requests; the fan-out is not bounded", n)
	}
}

// fetchStage runs `provision fetch` with the file platform on cfg.
func fetchStage(t *testing.T, cfg []byte) result {
	t.Helper()
	runDir := t.TempDir()
	return run(t, nil, []string{"KINDLING_CONFIG_FILE=" + writeFile(t, "user.json", cfg)}, provision,
		"fetch", "--log-to-stdout", "--platform", "file", "--root", t.TempDir(), "--config-cache", runDir+"/config.json")
}

// lastLine is the last line of a binary's output (its error).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
