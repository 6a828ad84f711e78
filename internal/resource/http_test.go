package resource

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHTTPFetchWithHeaders(t *testing.T) {
	t.Parallel()
	content := []byte("hello from http")
	var gotAuth, gotMulti atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		gotMulti.Store(strings.Join(r.Header.Values("X-Multi"), ","))
		w.Write(content)
	}))
	defer srv.Close()
	f := New(Options{})
	h := http.Header{}
	h.Set("Authorization", "Bearer s3cret")
	h.Add("X-Multi", "a")
	h.Add("X-Multi", "b")
	got, err := f.Fetch(testCtx(t), Request{URL: srv.URL + "/c", Headers: h, Hash: sha256Of(content)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Fatalf("got %q", got)
	}
	if gotAuth.Load() != "Bearer s3cret" || gotMulti.Load() != "a,b" {
		t.Fatalf("server saw Authorization %q, X-Multi %q", gotAuth.Load(), gotMulti.Load())
	}
}

func TestHTTPHashMismatch(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tampered")
	}))
	defer srv.Close()
	want := sha512Of([]byte("original"))
	_, err := New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL, Hash: want})
	if !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("err = %v, want ErrHashMismatch", err)
	}
	for _, part := range []string{want, sha512Of([]byte("tampered"))} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not name %s", err, part)
		}
	}
}

func TestHTTPGzip(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("gzip over http\n"), 1000)
	body := gzipped(t, content)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	defer srv.Close()
	got, err := New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL, Compression: "gzip", Hash: sha512Of(content)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Fatalf("decompressed %d bytes, want %d", len(got), len(content))
	}
}

// TestHTTPStatusHandling checks which answers are retried and which fail at
// once, counting the requests the server saw.
func TestHTTPStatusHandling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		codes      []int // answers before a 200; the last repeats
		retryCodes []int
		wantErr    error  // nil: success
		wantText   string // in the error
		wantCalls  int32
	}{
		{"503 then ok", []int{503, 502}, nil, nil, "", 3},
		{"404 not retried", []int{404}, nil, ErrNotFound, "404", 1},
		{"403 fails at once", []int{403}, nil, nil, "403 Forbidden", 1},
		{"platform retry code", []int{429}, []int{429}, nil, "", 2},
		{"500 until attempts run out", []int{500, 500, 500, 500}, nil, nil, "500 Internal Server Error", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				if n < len(tt.codes) {
					w.WriteHeader(tt.codes[n])
					return
				}
				io.WriteString(w, "ok")
			}))
			defer srv.Close()
			f := New(Options{RetryCodes: tt.retryCodes, MaxAttempts: 3})
			got, err := f.Fetch(testCtx(t), Request{URL: srv.URL})
			if calls.Load() != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", calls.Load(), tt.wantCalls)
			}
			if tt.wantText == "" && tt.wantErr == nil {
				if err != nil || string(got) != "ok" {
					t.Fatalf("got %q, %v", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, got %q", got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantText)
			}
		})
	}
}

// resetServer answers its first `cuts` requests with half the body and then
// a TCP reset, and the whole body afterwards.
func resetServer(t *testing.T, content []byte, cuts int32) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > cuts {
			w.Header().Set("Content-Length", fmt.Sprint(len(content)))
			w.Write(content)
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(content))
		buf.Write(content[:len(content)/2])
		buf.Flush()
		conn.(*net.TCPConn).SetLinger(0) // close with RST
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestHTTPResetMidBodyRetried(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	req := Request{Hash: sha512Of(content)}

	t.Run("Fetch", func(t *testing.T) {
		srv, calls := resetServer(t, content, 2)
		req := req
		req.URL = srv.URL
		got, err := New(Options{MaxAttempts: 5}).Fetch(testCtx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content) || calls.Load() != 3 {
			t.Fatalf("got %d bytes after %d requests, want %d after 3", len(got), calls.Load(), len(content))
		}
	})
	t.Run("FetchTo file rewinds", func(t *testing.T) {
		srv, _ := resetServer(t, content, 1)
		req := req
		req.URL = srv.URL
		file, err := os.CreateTemp(t.TempDir(), "dest")
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		prefix := []byte("header already in the file:")
		file.Write(prefix)
		if err := New(Options{MaxAttempts: 5}).FetchTo(testCtx(t), req, file); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(file.Name())
		if !bytes.Equal(got, append(prefix, content...)) {
			t.Fatalf("file holds %d bytes, want prefix + %d", len(got), len(content))
		}
	})
	t.Run("FetchTo bytes.Buffer keeps earlier content", func(t *testing.T) {
		srv, calls := resetServer(t, content, 2)
		req := req
		req.URL = srv.URL
		var buf bytes.Buffer
		buf.WriteString("before|")
		if err := New(Options{MaxAttempts: 5}).FetchTo(testCtx(t), req, &buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), append([]byte("before|"), content...)) || calls.Load() != 3 {
			t.Fatalf("buffer holds %d bytes after %d requests", buf.Len(), calls.Load())
		}
	})
	t.Run("FetchTo plain writer refuses to mix", func(t *testing.T) {
		srv, calls := resetServer(t, content, 1)
		req := req
		req.URL = srv.URL
		var w onlyWriter
		err := New(Options{MaxAttempts: 5}).FetchTo(testCtx(t), req, &w)
		if err == nil || !strings.Contains(err.Error(), "cannot be rewound") {
			t.Fatalf("err = %v, want a cannot-be-rewound error", err)
		}
		if calls.Load() != 1 {
			t.Fatalf("%d requests, want 1", calls.Load())
		}
	})
}

type onlyWriter struct{ n int }

func (w *onlyWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func TestHTTPResponseHeaderTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(release)
	f := New(Options{HTTPResponseHeaders: 100 * time.Millisecond, MaxAttempts: 2})
	_, err := f.Fetch(testCtx(t), Request{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Fatalf("err = %v, want a response header timeout", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d requests, want 2 (timeouts are retried)", calls.Load())
	}
}

func TestHTTPTotalBoundsRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	start := time.Now()
	_, err := New(Options{HTTPTotal: 700 * time.Millisecond}).Fetch(testCtx(t), Request{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want the last 503", err)
	}
	// 200 + 400 ms of backoff fit in 700 ms, the next 800 ms wait does not.
	if n := calls.Load(); n < 2 || n > 4 {
		t.Errorf("%d requests in the 700 ms budget, want 2 to 4", n)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("httpTotal of 700ms took %v", took)
	}
}

func TestHTTPConnectionRefusedRetried(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = New(Options{MaxAttempts: 2}).Fetch(testCtx(t), Request{URL: "http://" + addr + "/x"})
	if err == nil || !strings.Contains(err.Error(), "giving up after 2 attempt(s)") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want refused after 2 attempts", err)
	}
}

// testCA makes a CA and a server certificate for 127.0.0.1 signed by it.
func testCA(t *testing.T) (caPEM []byte, serverCert tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kindling test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func newTLSServer(t *testing.T, cert tls.Certificate, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPSCustomCA(t *testing.T) {
	t.Parallel()
	caPEM, cert := testCA(t)
	srv := newTLSServer(t, cert, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure")
	}))
	got, err := New(Options{CABundles: [][]byte{caPEM}}).Fetch(testCtx(t), Request{URL: srv.URL})
	if err != nil || string(got) != "secure" {
		t.Fatalf("with the CA: %q, %v", got, err)
	}
	// Certificate errors are not retried: no MaxAttempts needed.
	_, err = New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("without the CA: err = %v, want an unknown authority error", err)
	}
	_, err = New(Options{CABundles: [][]byte{[]byte("not pem")}}).Fetch(testCtx(t), Request{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad bundle: err = %v", err)
	}
}
