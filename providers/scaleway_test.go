package providers

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeScaleway behaves like the metadata API's user data endpoint: any
// request from a source port >= 1024 is refused with 403, as the real one
// does for non-root clients.
type fakeScaleway struct {
	userData string // "" -> 404
	failures int32  // answer this many requests with 503 first
	requests atomic.Int32
	mu       sync.Mutex
	ports    []int // source port of every request
}

func (f *fakeScaleway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	_, p, err := net.SplitHostPort(r.RemoteAddr)
	port, _ := strconv.Atoi(p)
	if err != nil || port <= 0 {
		http.Error(w, "bad remote address", http.StatusInternalServerError)
		return
	}
	f.mu.Lock()
	f.ports = append(f.ports, port)
	f.mu.Unlock()
	switch {
	case port >= 1024:
		http.Error(w, "source port must be privileged", http.StatusForbidden)
	case r.URL.Path != "/user_data/cloud-init":
		http.NotFound(w, r)
	case n <= f.failures:
		http.Error(w, "busy", http.StatusServiceUnavailable)
	case f.userData == "":
		http.NotFound(w, r)
	default:
		w.Write([]byte(f.userData))
	}
}

func (f *fakeScaleway) seenPorts() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.ports...)
}

func needPrivilegedPorts(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to bind source ports below 1024")
	}
}

func TestScaleway(t *testing.T) {
	needPrivilegedPorts(t)
	cases := []struct {
		name     string
		fake     *fakeScaleway
		wantErr  error
		requests int32
	}{
		{name: "user data", fake: &fakeScaleway{userData: userData}, requests: 1},
		{name: "404 is no config", fake: &fakeScaleway{}, wantErr: ErrNoConfig, requests: 1},
		{name: "5xx then success", fake: &fakeScaleway{userData: userData, failures: 2}, requests: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.fake)
			defer srv.Close()
			got, err := fetch(t, "scaleway", testContext(srv))
			checkFetched(t, got, err, userData, c.wantErr, false)
			if n := c.fake.requests.Load(); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			for _, p := range c.fake.seenPorts() {
				if p >= 1024 {
					t.Errorf("request from unprivileged source port %d", p)
				}
			}
		})
	}
}

// TestScalewayFakeRefusesUnprivileged makes sure the fake would catch a
// client that forgot the privileged port.
func TestScalewayFakeRefusesUnprivileged(t *testing.T) {
	t.Parallel()
	fake := &fakeScaleway{userData: userData}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/user_data/cloud-init")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("plain client got %d, want 403", resp.StatusCode)
	}
}

func TestScalewayGivesUpOn5xx(t *testing.T) {
	needPrivilegedPorts(t)
	fake := &fakeScaleway{userData: userData, failures: 100}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fc := testContext(srv)
	_, err := fetch(t, "scaleway", fc)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want a 503 failure", err)
	}
	if n := fake.requests.Load(); n != int32(fc.MaxAttempts) {
		t.Fatalf("%d requests, want MaxAttempts = %d", n, fc.MaxAttempts)
	}
}

// TestScalewaySkipsPortInUse occupies the port the provider picks first
// and checks that the next fetch comes from another privileged port.
func TestScalewaySkipsPortInUse(t *testing.T) {
	needPrivilegedPorts(t)
	fake := &fakeScaleway{userData: userData}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	if _, err := fetch(t, "scaleway", testContext(srv)); err != nil {
		t.Fatal(err)
	}
	first := fake.seenPorts()[0]
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", first))
	if err != nil {
		t.Fatalf("occupying port %d: %v", first, err)
	}
	defer l.Close()
	got, err := fetch(t, "scaleway", testContext(srv))
	if err != nil || string(got) != userData {
		t.Fatalf("with port %d taken: got %q, %v", first, got, err)
	}
	ports := fake.seenPorts()
	second := ports[len(ports)-1]
	if second == first || second >= 1024 {
		t.Fatalf("second fetch came from port %d; want a privileged port other than the taken %d", second, first)
	}
}

// TestScalewayNoFreePort: with every port in the scanned range taken the
// fetch fails, naming the range, after a bounded number of binds.
func TestScalewayNoFreePort(t *testing.T) {
	needPrivilegedPorts(t)
	low := privilegedPortHigh - privilegedPortTries + 1
	for port := low; port <= privilegedPortHigh; port++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // taken already: just as good
		}
		defer l.Close()
	}
	fake := &fakeScaleway{userData: userData}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	fc := testContext(srv)
	fc.MaxAttempts = 2
	_, err := fetch(t, "scaleway", fc)
	if err == nil || !strings.Contains(err.Error(), "no free privileged source port") {
		t.Fatalf("err = %v", err)
	}
	if n := fake.requests.Load(); n != 0 {
		t.Fatalf("server saw %d requests from unprivileged ports", n)
	}
}

// netnsSeq keeps namespace names of one test process apart.
var netnsSeq atomic.Int32

const scalewayNetnsEnv = "KINDLING_PROVIDERS_SCALEWAY_NETNS"

// TestScalewayInNetworkNamespace runs the provider unchanged against
// 169.254.42.42:80 inside a network namespace this test creates.
func TestScalewayInNetworkNamespace(t *testing.T) {
	t.Parallel()
	runInNetns(t, "^TestScalewayNetnsHelper$", scalewayNetnsEnv, "169.254.42.42/32")
}

func TestScalewayNetnsHelper(t *testing.T) {
	if os.Getenv(scalewayNetnsEnv) == "" {
		t.Skip("only run by TestScalewayInNetworkNamespace")
	}
	l, err := net.Listen("tcp", "169.254.42.42:80")
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeScaleway{userData: userData}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	defer srv.Close()
	got, err := fetch(t, "scaleway", &FetchContext{MaxAttempts: 3, HTTPTimeout: 2 * time.Second})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	if ports := fake.seenPorts(); len(ports) != 1 || ports[0] >= 1024 {
		t.Fatalf("source ports %v, want one below 1024", ports)
	}
}

// runInNetns re-runs the test binary, limited to the test matching run,
// inside a new network namespace with lo up and addrs on it; env tells
// the helper test it is the one to act.
func runInNetns(t *testing.T, run, env string, addrs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip (iproute2) not installed")
	}
	ns := fmt.Sprintf("kindling-providers-%d-%d", os.Getpid(), netnsSeq.Add(1))
	sh(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	sh(t, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
	for _, a := range addrs {
		sh(t, "ip", "netns", "exec", ns, "ip", "addr", "add", a, "dev", "lo")
	}
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run="+run, "-test.v")
	cmd.Env = append(os.Environ(), env+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper in namespace failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("helper did not run:\n%s", out)
	}
	t.Logf("%s", out)
}
