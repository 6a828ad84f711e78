package resource

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// forwardProxy is a real forward proxy: absolute-URI GETs are forwarded,
// CONNECT is tunnelled. It records the targets it served.
type forwardProxy struct {
	mu      sync.Mutex
	targets []string
}

func (p *forwardProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.targets = append(p.targets, r.Method+" "+r.Host)
	p.mu.Unlock()
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "not a proxy request", http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := (&http.Transport{}).RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Via", "test-proxy")
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func (p *forwardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	upstream, err := net.DialTimeout("tcp", r.Host, 5*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n")
	deadline := time.Now().Add(10 * time.Second)
	client.SetDeadline(deadline)
	upstream.SetDeadline(deadline)
	go func() {
		io.Copy(upstream, buf)
		upstream.Close()
	}()
	io.Copy(client, upstream)
	client.Close()
}

func TestHTTPProxy(t *testing.T) {
	t.Parallel()
	var originCalls atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		originCalls.Add(1)
		io.WriteString(w, "via "+r.Header.Get("X-Test"))
	}))
	defer origin.Close()
	proxy := &forwardProxy{}
	proxySrv := httptest.NewServer(proxy)
	defer proxySrv.Close()
	originHost := strings.TrimPrefix(origin.URL, "http://")

	h := http.Header{"X-Test": {"header kept"}}
	got, err := New(Options{HTTPProxy: proxySrv.URL}).Fetch(testCtx(t), Request{URL: origin.URL + "/f", Headers: h})
	if err != nil || string(got) != "via header kept" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	if s := proxy.seen(); len(s) != 1 || s[0] != "GET "+originHost {
		t.Fatalf("proxy saw %v, want one GET %s", s, originHost)
	}
	// noProxy excludes the origin: the proxy sees nothing new.
	_, port, _ := net.SplitHostPort(originHost)
	for _, np := range []string{"127.0.0.1", "127.0.0.0/8", "*", "127.0.0.1:" + port} {
		if _, err := New(Options{HTTPProxy: proxySrv.URL, NoProxy: []string{np}}).Fetch(testCtx(t), Request{URL: origin.URL}); err != nil {
			t.Fatalf("noProxy %q: %v", np, err)
		}
		if n := len(proxy.seen()); n != 1 {
			t.Fatalf("noProxy %q: the proxy saw %d requests, want still 1", np, n)
		}
	}
	// Only httpsProxy set: plain http goes direct.
	if _, err := New(Options{HTTPSProxy: proxySrv.URL}).Fetch(testCtx(t), Request{URL: origin.URL}); err != nil {
		t.Fatal(err)
	}
	if n := len(proxy.seen()); n != 1 {
		t.Fatalf("httpsProxy used for http: proxy saw %d", n)
	}
	if originCalls.Load() != 6 {
		t.Fatalf("origin saw %d requests, want 6", originCalls.Load())
	}
}

func TestHTTPSProxyConnect(t *testing.T) {
	t.Parallel()
	caPEM, cert := testCA(t)
	origin := newTLSServer(t, cert, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tunnelled")
	}))
	proxy := &forwardProxy{}
	proxySrv := httptest.NewServer(proxy)
	defer proxySrv.Close()
	f := New(Options{HTTPSProxy: proxySrv.URL, CABundles: [][]byte{caPEM}})
	got, err := f.Fetch(testCtx(t), Request{URL: origin.URL})
	if err != nil || string(got) != "tunnelled" {
		t.Fatalf("%q, %v", got, err)
	}
	host := strings.TrimPrefix(origin.URL, "https://")
	if s := proxy.seen(); len(s) != 1 || s[0] != "CONNECT "+host {
		t.Fatalf("proxy saw %v, want CONNECT %s", s, host)
	}
}

func TestNoProxyMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		url  string
		want bool // true: excluded from proxying
	}{
		{"*", "http://anything.example/x", true},
		{"example.com", "http://example.com/", true},
		{"example.com", "https://www.example.com/", true},
		{"example.com", "http://notexample.com/", false},
		{".example.com", "http://example.com/", false},
		{".example.com", "http://a.b.example.com/", true},
		{"EXAMPLE.com", "http://Example.COM/", true},
		{"example.com:8080", "http://example.com:8080/", true},
		{"example.com:8080", "http://example.com/", false},
		{"example.com:443", "https://example.com/", true},
		{"10.1.2.3", "http://10.1.2.3/", true},
		{"10.1.2.3", "http://10.1.2.4/", false},
		{"10.1.2.3:80", "http://10.1.2.3/", true},
		{"10.1.2.3:81", "http://10.1.2.3/", false},
		{"10.0.0.0/8", "http://10.200.0.1/", true},
		{"10.0.0.0/8", "http://11.0.0.1/", false},
		{"10.0.0.0/8", "http://ten.example/", false},
		{"fd00::/8", "http://[fd00::1]/", true},
		{"::1", "http://[::1]:8080/", true},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := newNoProxyMatcher([]string{tt.rule}).excludes(u); got != tt.want {
			t.Errorf("noProxy %q, %s: excluded = %v, want %v", tt.rule, tt.url, got, tt.want)
		}
	}
}

func TestBadProxyURL(t *testing.T) {
	t.Parallel()
	_, err := New(Options{HTTPProxy: "http://[bad", MaxAttempts: 1}).Fetch(testCtx(t), Request{URL: "http://127.0.0.1:1/"})
	if err == nil || !strings.Contains(err.Error(), "httpProxy") {
		t.Fatalf("err = %v, want an httpProxy error", err)
	}
}
