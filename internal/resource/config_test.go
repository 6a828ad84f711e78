package resource

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
)

func ptr[T any](v T) *T { return &v }

func TestRequestFrom(t *testing.T) {
	t.Parallel()
	r := config.Resource{
		Source:       ptr("https://example.com/x"),
		Compression:  ptr("gzip"),
		Verification: config.Verification{Hash: ptr("sha512-ab")},
		HTTPHeaders: []config.HTTPHeader{
			{Name: "X-Token", Value: ptr("t1")},
			{Name: "x-token", Value: ptr("t2")},
			{Name: "X-Removed"}, // null value: not sent
		},
	}
	got := RequestFrom(r)
	if got.URL != "https://example.com/x" || got.Compression != "gzip" || got.Hash != "sha512-ab" {
		t.Fatalf("got %+v", got)
	}
	if v := got.Headers.Values("X-Token"); len(v) != 2 || v[0] != "t1" || v[1] != "t2" {
		t.Fatalf("X-Token = %v", v)
	}
	if _, ok := got.Headers["X-Removed"]; ok {
		t.Fatal("header with a null value was kept")
	}
	if empty := RequestFrom(config.Resource{}); empty.URL != "" || empty.Headers != nil {
		t.Fatalf("empty resource: %+v", empty)
	}
}

func TestOptionsFromConfig(t *testing.T) {
	t.Parallel()
	caPEM, cert := testCA(t)
	srv := newTLSServer(t, cert, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "trusted")
	}))
	ign := config.Ignition{
		Timeouts: config.Timeouts{HTTPResponseHeaders: ptr(3), HTTPTotal: ptr(60)},
		Proxy: config.Proxy{
			HTTPProxy:  ptr("http://proxy.invalid:3128"),
			HTTPSProxy: ptr("http://proxy.invalid:3129"),
			NoProxy:    []string{"127.0.0.1"},
		},
		Security: config.Security{TLS: config.TLS{CertificateAuthorities: []config.Resource{
			{Source: ptr("data:;base64," + base64.StdEncoding.EncodeToString(caPEM)), Verification: config.Verification{Hash: ptr(sha512Of(caPEM))}},
		}}},
	}
	opts, err := OptionsFromConfig(testCtx(t), ign, Options{RetryCodes: []int{429}})
	if err != nil {
		t.Fatal(err)
	}
	if opts.HTTPResponseHeaders != 3*time.Second || opts.HTTPTotal != time.Minute {
		t.Errorf("timeouts %v %v", opts.HTTPResponseHeaders, opts.HTTPTotal)
	}
	if opts.HTTPProxy != "http://proxy.invalid:3128" || opts.HTTPSProxy != "http://proxy.invalid:3129" || len(opts.NoProxy) != 1 {
		t.Errorf("proxy options %+v", opts)
	}
	if len(opts.RetryCodes) != 1 || len(opts.CABundles) != 1 {
		t.Errorf("base options lost or CA missing: %+v", opts)
	}
	// The fetched CA is trusted, and 127.0.0.1 bypasses the (unreachable)
	// proxy through noProxy.
	got, err := New(opts).Fetch(testCtx(t), Request{URL: srv.URL})
	if err != nil || string(got) != "trusted" {
		t.Fatalf("%q, %v", got, err)
	}
}

func TestOptionsFromConfigErrorsNamePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ca   config.Resource
		want string
	}{
		{"hash mismatch", config.Resource{Source: ptr("data:,x"), Verification: config.Verification{Hash: ptr(sha512Of([]byte("y")))}}, "hash mismatch"},
		{"not PEM", config.Resource{Source: ptr("data:,not%20a%20certificate")}, "no PEM certificate"},
	}
	caPEM, _ := testCA(t)
	good := config.Resource{Source: ptr("data:;base64," + base64.StdEncoding.EncodeToString(caPEM))}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ign := config.Ignition{Security: config.Security{TLS: config.TLS{CertificateAuthorities: []config.Resource{
				good, tt.ca,
			}}}}
			_, err := OptionsFromConfig(testCtx(t), ign, Options{})
			if err == nil || !strings.Contains(err.Error(), "ignition.security.tls.certificateAuthorities.1") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want path ...certificateAuthorities.1 and %q", err, tt.want)
			}
		})
	}
}
