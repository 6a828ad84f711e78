package resource

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDefaultHeaders: every HTTP request carries Ignition's default
// headers; a config header of the same name replaces the default, and
// user headers such as Keep-Alive are sent as given.
func TestDefaultHeaders(t *testing.T) {
	t.Parallel()
	var got atomic.Pointer[http.Header]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		got.Store(&h)
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	f := New(Options{})
	if _, err := f.Fetch(testCtx(t), Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	h := *got.Load()
	want := map[string]string{
		"User-Agent":      "Kindling/" + Version,
		"Accept":          "application/vnd.coreos.ignition+json;version=3.6.0, */*;q=0.1",
		"Accept-Encoding": "identity",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	user := http.Header{"Accept": {"text/plain"}, "Keep-Alive": {"timeout=5"}}
	if _, err := f.Fetch(testCtx(t), Request{URL: srv.URL, Headers: user}); err != nil {
		t.Fatal(err)
	}
	h = *got.Load()
	if v := h.Values("Accept"); len(v) != 1 || v[0] != "text/plain" {
		t.Errorf("Accept = %q, want only the config's", v)
	}
	if h.Get("Keep-Alive") != "timeout=5" {
		t.Errorf("Keep-Alive = %q, want it sent as given", h.Get("Keep-Alive"))
	}
}

// TestHeadersDoNotFollowRedirects: a credential header given for one URL
// reaches neither another host nor another path the first one redirects to.
func TestHeadersDoNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var leaked, onTarget atomic.Value
	leaked.Store("")
	onTarget.Store("")
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Auth"))
		onTarget.Store(r.Header.Get("User-Agent"))
		w.Write([]byte("moved content"))
	}))
	defer target.Close()
	var sameHost atomic.Value
	sameHost.Store("")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/other-host":
			if r.Header.Get("X-Auth") != "s3cret" {
				http.Error(w, "no auth", http.StatusForbidden)
				return
			}
			http.Redirect(w, r, target.URL+"/x", http.StatusFound)
		case "/same-host":
			http.Redirect(w, r, "/landing", http.StatusMovedPermanently)
		case "/landing":
			sameHost.Store(r.Header.Get("X-Auth"))
			w.Write([]byte("landed"))
		}
	}))
	defer origin.Close()
	f := New(Options{})
	h := http.Header{"X-Auth": {"s3cret"}}
	got, err := f.Fetch(testCtx(t), Request{URL: origin.URL + "/other-host", Headers: h})
	if err != nil || string(got) != "moved content" {
		t.Fatalf("got %q, %v", got, err)
	}
	if leaked.Load() != "" {
		t.Errorf("X-Auth reached the redirect target on another host: %q", leaked.Load())
	}
	if onTarget.Load() != "Kindling/"+Version {
		t.Errorf("the redirect target got User-Agent %q, want the default headers", onTarget.Load())
	}
	if _, err := f.Fetch(testCtx(t), Request{URL: origin.URL + "/same-host", Headers: h}); err != nil {
		t.Fatal(err)
	}
	if sameHost.Load() != "" {
		t.Errorf("X-Auth followed a redirect on the same host: %q", sameHost.Load())
	}
}

// TestBadRedirectsArePermanent: a redirect loop, or a redirect to file: or
// data:, fails at once instead of being retried until the deadline.
func TestBadRedirectsArePermanent(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/file":
			w.Header().Set("Location", "file:///etc/shadow")
			w.WriteHeader(http.StatusFound)
		case "/data":
			w.Header().Set("Location", "data:,injected")
			w.WriteHeader(http.StatusFound)
		}
	}))
	defer srv.Close()
	for _, c := range []struct{ path, want string }{
		{"/loop", "more than 10 redirects"},
		{"/file", "redirect to a file: URL"},
		{"/data", "redirect to a data: URL"},
	} {
		hits.Store(0)
		start := time.Now()
		_, err := New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL + c.path})
		if err == nil || !errors.Is(err, errRedirect) || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: err = %v, want %q", c.path, err, c.want)
		}
		if strings.Contains(err.Error(), "injected") {
			t.Errorf("%s: error shows the data URL's body: %v", c.path, err)
		}
		if n := hits.Load(); n > 11 || time.Since(start) > 5*time.Second {
			t.Errorf("%s: %d requests in %s; a refused redirect must not be retried", c.path, n, time.Since(start))
		}
	}
}

// TestIdleReadTimeout: a server that sends headers and then stalls is cut
// off after the idle timeout and retried; the error says why.
func TestIdleReadTimeout(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int64
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	f := New(Options{IdleRead: 200 * time.Millisecond, MaxAttempts: 2})
	start := time.Now()
	_, err := f.Fetch(testCtx(t), Request{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "idle read timeout") {
		t.Fatalf("err = %v, want an idle read timeout", err)
	}
	if attempts.Load() != 2 {
		t.Errorf("%d attempts, want 2 (the stall is retried)", attempts.Load())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	// A slow but steady body is not cut off.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 6 {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer slow.Close()
	got, err := f.Fetch(testCtx(t), Request{URL: slow.URL})
	if err != nil || string(got) != "xxxxxx" {
		t.Fatalf("slow steady body: got %q, %v", got, err)
	}
}

// TestMaxSizeStopsABomb: a 512 MiB gzip bomb (about 0.5 MiB compressed, in
// a data URL) stops at MaxSize, named in the error, with memory bounded.
func TestMaxSizeStopsABomb(t *testing.T) {
	t.Parallel()
	// 512 gzip members of 1 MiB each, back to back: one stream to a gzip
	// reader (RFC 1952), and compressed once instead of 512 times.
	var member bytes.Buffer
	zw := newGzipWriter(&member)
	zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	zw.Close()
	url := "data:;base64," + base64.StdEncoding.EncodeToString(bytes.Repeat(member.Bytes(), 512))
	var buf bytes.Buffer
	err := New(Options{}).FetchTo(testCtx(t), Request{URL: url, Compression: "gzip", MaxSize: MaxConfigSize, LimitName: "resource.MaxConfigSize"}, &buf)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "resource.MaxConfigSize") {
		t.Fatalf("err = %v, want ErrTooLarge naming the limit", err)
	}
	if buf.Len() > MaxConfigSize {
		t.Fatalf("%d bytes written past the limit", buf.Len())
	}
	// Over HTTP too, and it is not retried.
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(bytes.Repeat([]byte("a"), 5000))
	}))
	defer srv.Close()
	_, err = New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL, MaxSize: 4096, LimitName: "test limit"})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "test limit") || hits.Load() != 1 {
		t.Fatalf("err = %v after %d requests, want ErrTooLarge naming the limit after 1", err, hits.Load())
	}
	got, err := New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL, MaxSize: 5000})
	if err != nil || len(got) != 5000 {
		t.Fatalf("exactly at the limit: %d bytes, %v", len(got), err)
	}
}

// TestNoContentIsEmpty: 204 is an empty resource, as for Ignition.
func TestNoContentIsEmpty(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	got, err := New(Options{}).Fetch(testCtx(t), Request{URL: srv.URL})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestNoSecretInAnyError fetches a URL with a password in its userinfo and
// a signature in its query through every failure path and checks that no
// error text carries either; nor does a wrapped *url.Error.
func TestNoSecretInAnyError(t *testing.T) {
	t.Parallel()
	const pass, sig = "s3cretPW", "SIGsecret"
	var mu sync.Mutex
	status := map[string]int{"/404": 404, "/500": 500, "/403": 403}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/stall":
			time.Sleep(300 * time.Millisecond)
			return
		case "/redirect":
			http.Redirect(w, r, "file:///x?X-Amz-Signature="+sig, http.StatusFound)
			return
		case "/loop":
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
			return
		case "/hash":
			w.Write([]byte("not the content"))
			return
		}
		w.WriteHeader(status[r.URL.Path])
	}))
	defer srv.Close()
	refused := closedPort(t)
	secretURL := func(base, path string) string {
		return strings.Replace(base, "http://", "http://admin:"+pass+"@", 1) + path + "?X-Amz-Signature=" + sig + "&a=b"
	}
	cases := []struct {
		name string
		req  Request
		opts Options
	}{
		{"refused", Request{URL: secretURL("http://"+refused, "/c")}, Options{MaxAttempts: 2}},
		{"404", Request{URL: secretURL(srv.URL, "/404")}, Options{}},
		{"403", Request{URL: secretURL(srv.URL, "/403")}, Options{}},
		{"500 retried", Request{URL: secretURL(srv.URL, "/500")}, Options{MaxAttempts: 3}},
		{"header timeout", Request{URL: secretURL(srv.URL, "/stall")}, Options{MaxAttempts: 2, HTTPResponseHeaders: 50 * time.Millisecond}},
		{"total timeout", Request{URL: secretURL(srv.URL, "/stall")}, Options{HTTPTotal: 100 * time.Millisecond}},
		{"bad hash", Request{URL: secretURL(srv.URL, "/hash"), Hash: sha256Of([]byte("x"))}, Options{}},
		{"redirect to file", Request{URL: secretURL(srv.URL, "/redirect")}, Options{}},
		{"redirect loop", Request{URL: secretURL(srv.URL, "/loop")}, Options{}},
		{"bad compression", Request{URL: secretURL(srv.URL, "/hash"), Compression: "xz"}, Options{}},
		{"offline", Request{URL: secretURL(srv.URL, "/c")}, Options{Offline: true}},
		{"invalid URL", Request{URL: "http://admin:" + pass + "@[::1/%zz?X-Amz-Signature=" + sig}, Options{}},
		{"data URL body", Request{URL: "data:,password%3D" + pass, Hash: sha256Of([]byte("x"))}, Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opts).Fetch(testCtx(t), c.req)
			if err == nil {
				t.Fatal("fetch succeeded")
			}
			msg := err.Error()
			var ue interface{ Error() string }
			for e := err; e != nil; e = errors.Unwrap(e) {
				ue = e
				if s := ue.Error(); strings.Contains(s, pass) || strings.Contains(s, sig) {
					t.Errorf("error (or one it wraps) carries a secret: %s", s)
					break
				}
			}
			if strings.Count(msg, "fetching ") != 1 {
				t.Errorf("error should have one \"fetching\" prefix: %s", msg)
			}
			t.Log(msg)
		})
	}
}

// closedPort returns host:port where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
