package providers

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/resource"
)

// fakeRouter serves user data the way a CloudStack virtual router does.
type fakeRouter struct {
	userData string // "" -> 404
	requests atomic.Int32
}

func (f *fakeRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.URL.Path != "/latest/user-data" || f.userData == "" {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(f.userData))
}

// withLeases makes a root holding networkd lease files, named by
// interface index, with the given contents.
func withLeases(t *testing.T, leases map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, networkdLeases)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range leases {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// lease is a lease file as systemd-networkd writes it.
func lease(server string) string {
	return "# This is private data. Do not parse.\nADDRESS=10.1.1.57\nNETMASK=255.255.255.0\nROUTER=10.1.1.1\n" +
		"SERVER_ADDRESS=" + server + "\nLIFETIME=86400\nHOSTNAME=vm-1\n"
}

var noDrive = func([]string) (string, error) { return "", errNoDrive }

func cloudstackContext(srv *httptest.Server, root string) *FetchContext {
	fc := testContext(srv)
	fc.Root = root
	fc.FindDrive = noDrive
	return fc
}

func TestCloudStackMetadataService(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		router   *fakeRouter
		leases   map[string]string
		wantErr  error
		errText  string // the error must mention this
		requests int32
	}{
		{name: "user data from the router", router: &fakeRouter{userData: userData},
			leases: map[string]string{"2": lease("10.1.1.1")}, requests: 1},
		{name: "404 is no config", router: &fakeRouter{},
			leases: map[string]string{"2": lease("10.1.1.1")}, wantErr: ErrNoConfig, requests: 1},
		{name: "no lease", router: &fakeRouter{userData: userData},
			leases: map[string]string{}, errText: "no DHCP lease with a SERVER_ADDRESS"},
		{name: "lease without server", router: &fakeRouter{userData: userData},
			leases: map[string]string{"2": "ADDRESS=10.1.1.57\n"}, errText: "virtual router is unknown"},
		{name: "bad server address", router: &fakeRouter{userData: userData},
			leases: map[string]string{"2": lease("router")}, errText: `SERVER_ADDRESS "router" is not an IP address`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.router)
			defer srv.Close()
			got, err := fetch(t, "cloudstack", cloudstackContext(srv, withLeases(t, c.leases)))
			switch {
			case c.wantErr != nil:
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
			case c.errText != "":
				if err == nil || !strings.Contains(err.Error(), c.errText) || !strings.Contains(err.Error(), "no config drive") {
					t.Fatalf("err = %v, want one saying there is no drive and %q", err, c.errText)
				}
			default:
				if err != nil || string(got) != userData {
					t.Fatalf("got %q, %v", got, err)
				}
			}
			if n := c.router.requests.Load(); n != c.requests {
				t.Errorf("router saw %d requests, want %d", n, c.requests)
			}
		})
	}
}

func TestCloudStackOfflineWithoutDrive(t *testing.T) {
	t.Parallel()
	router := &fakeRouter{userData: userData}
	srv := httptest.NewServer(router)
	defer srv.Close()
	fc := cloudstackContext(srv, withLeases(t, map[string]string{"2": lease("10.1.1.1")}))
	fc.Offline = true
	_, err := fetch(t, "cloudstack", fc)
	if !errors.Is(err, resource.ErrNeedsNetwork) {
		t.Fatalf("err = %v, want ErrNeedsNetwork", err)
	}
	if n := router.requests.Load(); n != 0 {
		t.Fatalf("offline fetch made %d requests", n)
	}
}

// TestCloudStackDrive: a drive wins over the router, online and offline.
func TestCloudStackDrive(t *testing.T) {
	needRoot(t, "mkfs.vfat", "mcopy", "mkfs.ext4", "losetup")
	dev := drive(t, "vfat", "config-2", map[string]string{cloudstackDriveFile: userData})
	router := &fakeRouter{userData: `{"ignition":{"version":"3.0.0"}}`}
	srv := httptest.NewServer(router)
	defer srv.Close()
	root := withLeases(t, map[string]string{"2": lease("10.1.1.1")})
	for _, offline := range []bool{false, true} {
		fc := cloudstackContext(srv, root)
		fc.FindDrive = only(dev)
		fc.Offline = offline
		got, err := fetch(t, "cloudstack", fc)
		if err != nil || string(got) != userData {
			t.Fatalf("offline=%v: got %q, %v; want the drive's config", offline, got, err)
		}
	}
	if n := router.requests.Load(); n != 0 {
		t.Fatalf("router asked %d times although the drive answered", n)
	}
	// A drive without the user data file means none was given.
	empty := drive(t, "vfat", "config-2", map[string]string{"cloudstack/metadata/instance-id.txt": "i-1"})
	fc := cloudstackContext(srv, root)
	fc.FindDrive = only(empty)
	if _, err := fetch(t, "cloudstack", fc); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("drive without user data: %v", err)
	}
}

func TestDHCPServer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		leases map[string]string
		want   string // "" means an error
	}{
		{"one lease", map[string]string{"2": lease("10.1.1.1")}, "10.1.1.1"},
		{"lowest interface index wins", map[string]string{"10": lease("10.9.9.9"), "3": lease("10.3.3.3")}, "10.3.3.3"},
		{"leases without server skipped", map[string]string{"2": "ADDRESS=10.0.0.2\n", "3": lease("10.3.3.3")}, "10.3.3.3"},
		{"non-index files ignored", map[string]string{"README": lease("10.7.7.7"), "4": lease("10.4.4.4")}, "10.4.4.4"},
		{"none", map[string]string{"2": "ADDRESS=10.0.0.2\n"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := dhcpServer(filepath.Join(withLeases(t, c.leases), networkdLeases))
			if c.want == "" {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil || got.String() != c.want {
				t.Fatalf("got %v, %v; want %s", got, err, c.want)
			}
		})
	}
	if _, err := dhcpServer(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "DHCP leases") {
		t.Fatalf("missing directory: %v", err)
	}
}

func TestCloudStackUserDataURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"10.1.1.1":        "http://10.1.1.1/latest/user-data",
		"::ffff:10.1.1.1": "http://10.1.1.1/latest/user-data",
		"fd00::1":         "http://[fd00::1]/latest/user-data",
		"192.168.100.254": "http://192.168.100.254/latest/user-data",
	} {
		if got := cloudstackUserDataURL(netip.MustParseAddr(addr)); got != want {
			t.Errorf("cloudstackUserDataURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

const cloudstackNetnsEnv = "KINDLING_PROVIDERS_CLOUDSTACK_NETNS"

// TestCloudStackInNetworkNamespace runs the provider unchanged (no
// MetadataURL): the router address comes from the lease and the request
// goes to its port 80, inside a network namespace this test creates.
func TestCloudStackInNetworkNamespace(t *testing.T) {
	t.Parallel()
	runInNetns(t, "^TestCloudStackNetnsHelper$", cloudstackNetnsEnv, "10.1.1.1/32", "10.2.2.2/32")
}

func TestCloudStackNetnsHelper(t *testing.T) {
	if os.Getenv(cloudstackNetnsEnv) == "" {
		t.Skip("only run by TestCloudStackInNetworkNamespace")
	}
	// The real router per the lease, and a decoy at another address.
	router := &fakeRouter{userData: userData}
	decoy := &fakeRouter{userData: `{"ignition":{"version":"3.0.0"}}`}
	for addr, h := range map[string]http.Handler{"10.2.2.2:80": router, "10.1.1.1:80": decoy} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
	}
	root := withLeases(t, map[string]string{"2": lease("10.2.2.2")})
	fc := &FetchContext{Root: root, FindDrive: noDrive, DriveWait: time.Millisecond, MaxAttempts: 3, HTTPTimeout: 2 * time.Second}
	got, err := fetch(t, "cloudstack", fc)
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	if router.requests.Load() != 1 || decoy.requests.Load() != 0 {
		t.Fatalf("router saw %d requests and decoy %d, want 1 and 0", router.requests.Load(), decoy.requests.Load())
	}
}
