package providers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/resource"
)

const userData = `{"ignition":{"version":"3.6.0"}}`

func testContext(srv *httptest.Server) *FetchContext {
	return &FetchContext{MetadataURL: srv.URL, HTTPTimeout: 500 * time.Millisecond, MaxAttempts: 4,
		// openstack also looks for a config drive; never pick up a stray one.
		FindDrive: func([]string) (string, error) { return "", errNoDrive }, DriveWait: time.Millisecond}
}

func fetch(t *testing.T, name string, fc *FetchContext) ([]byte, error) {
	t.Helper()
	p, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return p.FetchConfig(ctx, fc)
}

// TestSimpleHTTPPlatforms serves each platform's real path and checks the
// headers it must send; a request missing them gets 403.
func TestSimpleHTTPPlatforms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		platform, path string
		header         [2]string
		b64            bool
	}{
		{"gcp", "/computeMetadata/v1/instance/attributes/user-data", [2]string{"Metadata-Flavor", "Google"}, false},
		{"azure", "/metadata/instance/compute/userData", [2]string{"Metadata", "true"}, true},
		{"openstack", "/openstack/latest/user_data", [2]string{}, false},
		{"digitalocean", "/metadata/v1/user-data", [2]string{}, false},
		{"brightbox", "/latest/user-data", [2]string{}, false},
		{"exoscale", "/1.0/user-data", [2]string{}, false},
		{"hetzner", "/hetzner/v1/userdata", [2]string{}, false},
		{"vultr", "/user-data/user-data", [2]string{}, false},
		{"upcloud", "/metadata/v1/user_data", [2]string{}, false},
		{"aliyun", "/latest/user-data", [2]string{}, false},
		{"oraclecloud", "/opc/v2/instance/metadata/user_data", [2]string{"Authorization", "Bearer Oracle"}, true},
		{"packet", "/userdata", [2]string{}, false},
	}
	for _, c := range cases {
		t.Run(c.platform, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != c.path {
					http.NotFound(w, r)
					return
				}
				if c.header[0] != "" && r.Header.Get(c.header[0]) != c.header[1] {
					http.Error(w, "missing header", http.StatusForbidden)
					return
				}
				body := userData
				if c.b64 {
					body = base64.StdEncoding.EncodeToString([]byte(userData))
				}
				w.Write([]byte(body))
			}))
			defer srv.Close()
			got, err := fetch(t, c.platform, testContext(srv))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != userData {
				t.Fatalf("got %q, want %q", got, userData)
			}
		})
	}
}

func TestMetadataFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		platform string
		handler  func(n int32, w http.ResponseWriter, r *http.Request)
		want     string // "" means userData
		wantErr  error
		anyErr   bool
	}{
		{name: "404 is no config", platform: "openstack",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			wantErr: ErrNoConfig},
		{name: "empty body is no config", platform: "gcp",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) {},
			wantErr: ErrNoConfig},
		{name: "5xx then success", platform: "digitalocean",
			handler: func(n int32, w http.ResponseWriter, r *http.Request) {
				if n < 3 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				w.Write([]byte(userData))
			}},
		{name: "5xx forever gives up", platform: "digitalocean",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) {
				http.Error(w, "broken", http.StatusInternalServerError)
			},
			anyErr: true},
		{name: "slow headers then success", platform: "hetzner",
			handler: func(n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					time.Sleep(1500 * time.Millisecond)
				}
				w.Write([]byte(userData))
			}},
		{name: "connection reset mid-body", platform: "vultr",
			handler: func(n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Content-Length", "1000")
					w.Write([]byte(userData[:5]))
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.Close()
					return
				}
				w.Write([]byte(userData))
			}},
		{name: "azure not base64", platform: "azure",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) { w.Write([]byte("{not base64")) },
			anyErr:  true},
		{name: "azure 410 while provisioning", platform: "azure",
			handler: func(n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					http.Error(w, "gone", http.StatusGone)
					return
				}
				w.Write([]byte(base64.StdEncoding.EncodeToString([]byte(userData))))
			}},
		{name: "403 is final", platform: "gcp",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) },
			anyErr:  true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.handler(n.Add(1), w, r)
			}))
			defer srv.Close()
			got, err := fetch(t, c.platform, testContext(srv))
			checkFetched(t, got, err, userData, c.wantErr, c.anyErr)
			if c.anyErr && n.Load() > 4 {
				t.Fatalf("%d requests, more than MaxAttempts", n.Load())
			}
		})
	}
}

// checkFetched asserts a provider's fetch ended as a case wants: with an
// error matching wantErr, with any error (anyErr), or with want.
func checkFetched(t *testing.T, got []byte, err error, want string, wantErr error, anyErr bool) {
	t.Helper()
	switch {
	case wantErr != nil:
		if !errors.Is(err, wantErr) {
			t.Fatalf("err = %v, want %v", err, wantErr)
		}
	case anyErr:
		if err == nil {
			t.Fatalf("expected an error, got %q", got)
		}
	case err != nil:
		t.Fatal(err)
	case string(got) != want:
		t.Fatalf("got %q, want %q", got, want)
	}
}

// fakeIMDS speaks IMDSv2: PUT /latest/api/token needs the TTL header;
// user-data needs the token unless v1 is allowed.
type fakeIMDS struct {
	tokenStatus int // 0: hand out a token
	allowV1     bool
	userData    string // "" -> 404
	puts, gets  atomic.Int32
}

func (f *fakeIMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
		f.puts.Add(1)
		if f.tokenStatus != 0 {
			http.Error(w, "no tokens", f.tokenStatus)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
			http.Error(w, "ttl missing", http.StatusBadRequest)
			return
		}
		// The real service echoes the lifetime it granted.
		w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
		w.Write([]byte("TOKEN123"))
	case r.Method == http.MethodGet && (r.URL.Path == "/latest/user-data" || r.URL.Path == "/2019-10-01/user-data"):
		f.gets.Add(1)
		tok := r.Header.Get("X-aws-ec2-metadata-token")
		if tok != "TOKEN123" && !(tok == "" && f.allowV1) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if f.userData == "" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(f.userData))
	default:
		http.NotFound(w, r)
	}
}

func TestAWS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		imds    *fakeIMDS
		want    string
		wantErr error
		anyErr  bool
	}{
		{name: "imdsv2", imds: &fakeIMDS{userData: userData}, want: userData},
		{name: "no user data", imds: &fakeIMDS{}, wantErr: ErrNoConfig},
		{name: "token refused falls back to v1", imds: &fakeIMDS{tokenStatus: 405, allowV1: true, userData: userData}, want: userData},
		{name: "token refused and v1 disabled", imds: &fakeIMDS{tokenStatus: 403, userData: userData}, anyErr: true},
		{name: "token service broken", imds: &fakeIMDS{tokenStatus: 500, userData: userData}, anyErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.imds)
			defer srv.Close()
			got, err := fetch(t, "aws", testContext(srv))
			checkFetched(t, got, err, c.want, c.wantErr, c.anyErr)
			if c.imds.puts.Load() == 0 {
				t.Error("no IMDSv2 token was requested")
			}
		})
	}
}

// TestAkamai follows the Linode Metadata Service: a token from PUT
// /v1/token (asked for as text, 300 s as Ignition does), then base64 user
// data, which may be gzipped before encoding.
func TestAkamai(t *testing.T) {
	t.Parallel()
	var stored atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/v1/token" &&
			r.Header.Get("Metadata-Token-Expiry-Seconds") == "300" && r.Header.Get("Accept") == "text/plain":
			w.Write([]byte("tok"))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/user-data" && r.Header.Get("Metadata-Token") == "tok":
			w.Write([]byte(base64.StdEncoding.EncodeToString(stored.Load().([]byte))))
		default:
			http.Error(w, "bad request", http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(userData))
	zw.Close()
	for name, data := range map[string][]byte{"plain": []byte(userData), "gzipped": z.Bytes()} {
		stored.Store(data)
		got, err := fetch(t, "akamai", testContext(srv))
		if err != nil || string(got) != userData {
			t.Fatalf("%s: got %q, %v", name, got, err)
		}
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.ign")
	if err := os.WriteFile(path, []byte(userData), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := fetch(t, "file", &FetchContext{ConfigFile: path})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	t.Setenv(ConfigFileEnv, path)
	if got, err := fetch(t, "file", &FetchContext{}); err != nil || string(got) != userData {
		t.Fatalf("via env: got %q, %v", got, err)
	}
	if _, err := fetch(t, "file", &FetchContext{ConfigFile: filepath.Join(dir, "missing")}); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestQEMU(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if _, err := fetch(t, "qemu", &FetchContext{Root: root}); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no fw_cfg: %v", err)
	}
	p := filepath.Join(root, qemuFwCfg)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(userData), 0o444); err != nil {
		t.Fatal(err)
	}
	got, err := fetch(t, "qemu", &FetchContext{Root: root})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestMetal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/node1.ign" {
			w.Write([]byte(userData))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	f := resource.New(resource.Options{MaxAttempts: 3})
	got, err := fetch(t, "metal", &FetchContext{Fetcher: f, Cmdline: "quiet ignition.config.url=" + srv.URL + "/node1.ign rw"})
	if err != nil || string(got) != userData {
		t.Fatalf("got %q, %v", got, err)
	}
	// kindling.config.url wins over ignition.config.url.
	got, err = fetch(t, "metal", &FetchContext{Fetcher: f, Cmdline: "ignition.config.url=" + srv.URL + "/missing kindling.config.url=" + srv.URL + "/node1.ign"})
	if err != nil || string(got) != userData {
		t.Fatalf("kindling.config.url: got %q, %v", got, err)
	}
	if _, err := fetch(t, "metal", &FetchContext{Fetcher: f, Cmdline: "quiet"}); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no URL: %v", err)
	}
	offline := resource.New(resource.Options{Offline: true})
	if _, err := fetch(t, "metal", &FetchContext{Fetcher: offline, Cmdline: "kindling.config.url=" + srv.URL + "/node1.ign"}); !errors.Is(err, resource.ErrNeedsNetwork) {
		t.Fatalf("offline http: %v", err)
	}
	got, err = fetch(t, "metal", &FetchContext{Fetcher: offline, Cmdline: "kindling.config.url=data:;base64," + base64.StdEncoding.EncodeToString([]byte(userData))})
	if err != nil || string(got) != userData {
		t.Fatalf("offline data: got %q, %v", got, err)
	}
}

func TestCmdline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cmdline, want string
		ok            bool
	}{
		{"BOOT_IMAGE=/vmlinuz root=UUID=x ignition.platform.id=qemu quiet", "qemu", true},
		{"kindling.platform.id=aws ignition.platform.id=qemu", "aws", true},
		{"ignition.platform.id=qemu ignition.platform.id=metal", "metal", true},
		{`console=ttyS0 foo="a b c" kindling.platform.id=gcp`, "gcp", true},
		{"quiet splash", "", false},
	}
	for _, c := range cases {
		got, ok := PlatformFromCmdline(c.cmdline)
		if got != c.want || ok != c.ok {
			t.Errorf("PlatformFromCmdline(%q) = %q, %v; want %q, %v", c.cmdline, got, ok, c.want, c.ok)
		}
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"aws", "gcp", "azure", "openstack", "digitalocean", "qemu", "metal", "file"} {
		if _, err := Get(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := Get("nope"); err == nil || !strings.Contains(err.Error(), "qemu") {
		t.Errorf("unknown platform error should list known ones: %v", err)
	}
	if Needs(file{}) || !Needs(aws{}) {
		t.Error("NeedsNetwork wrong")
	}
}

// TestMetadataGivesUpNamingStatusAndAttempts: a service that keeps failing
// is given up on after MaxAttempts, with one message naming both, and the
// status stays available to the provider's logic.
func TestMetadataGivesUpNamingStatusAndAttempts(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "broken", http.StatusBadGateway)
	}))
	defer srv.Close()
	fc := testContext(srv)
	_, err := fc.metadataCall(context.Background(), http.MethodGet, srv.URL+"/x", nil)
	if statusOf(err) != http.StatusBadGateway || !strings.Contains(err.Error(), "giving up after 4 attempt(s): 502 Bad Gateway") {
		t.Fatalf("err = %v (status %d)", err, statusOf(err))
	}
	if strings.Count(err.Error(), srv.URL) != 1 {
		t.Errorf("URL repeated: %v", err)
	}
	if n.Load() != 4 {
		t.Errorf("%d requests, want 4", n.Load())
	}
}
