package resource

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kindling-dev/kindling/internal/redact"
)

// httpClient builds, once, the client every http(s), s3 and gs fetch uses.
func (f *Fetcher) httpClient() (*http.Client, error) {
	f.clientOnce.Do(func() {
		f.client, f.clientErr = newHTTPClient(f.opts)
	})
	return f.client, f.clientErr
}

func newHTTPClient(opts Options) (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	for i, pem := range opts.CABundles {
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA bundle %d holds no PEM certificate", i)
		}
	}
	headers := opts.HTTPResponseHeaders
	if headers <= 0 {
		headers = DefaultHTTPResponseHeaders
	}
	proxy, err := newProxyFunc(opts.HTTPProxy, opts.HTTPSProxy, opts.NoProxy)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:                 proxy,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   headers,
		ResponseHeaderTimeout: headers,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}, nil
}

// Version is Kindling's version, sent in the User-Agent header.
const Version = "0.1.0"

// defaultHeaders go with every HTTP request, as Ignition sends them: config
// servers such as OpenShift's machine-config-server pick the spec version
// of their answer from Accept, and "identity" keeps a server from
// compressing what the config's hash was computed over.
func defaultHeaders() http.Header {
	return http.Header{
		"User-Agent":      {"Kindling/" + Version},
		"Accept":          {"application/vnd.coreos.ignition+json;version=3.6.0, */*;q=0.1"},
		"Accept-Encoding": {"identity"},
	}
}

// maxRedirects bounds a redirect chain; a longer one is taken for a loop.
const maxRedirects = 10

// errRedirect is a redirect Kindling will not follow.
var errRedirect = errors.New("redirect refused")

// checkRedirect follows at most maxRedirects http(s) redirects and sends
// only the default headers after the first hop: httpHeaders (credentials,
// typically) are meant for the URL the config names, not for wherever it
// points. Ignition clears them the same way. A refused redirect is
// permanent: retrying would meet it again.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return permanent(fmt.Errorf("%w: more than %d redirects (a loop?)", errRedirect, maxRedirects))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return permanent(fmt.Errorf("%w: redirect to a %s: URL (%s); only http and https are followed",
			errRedirect, req.URL.Scheme, redact.URL(req.URL.String())))
	}
	req.Header = defaultHeaders()
	return nil
}

// httpStatusError is an HTTP answer other than 200.
type httpStatusError struct {
	Code   int
	Status string
}

func (e *httpStatusError) Error() string { return "server answered " + e.Status }

// httpGet performs one GET and classifies its answer: 200 returns the body,
// 404 ErrNotFound, 5xx and the platform's RetryCodes a retryable error,
// anything else a permanent one.
func (f *Fetcher) httpGet(ctx context.Context, rawURL string, headers map[string][]string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, permanent(err)
	}
	req.Header = defaultHeaders()
	// A header the config sets replaces the default of that name.
	for k := range headers {
		req.Header.Del(k)
	}
	for k, vs := range headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Host") != "" {
		req.Host = req.Header.Get("Host")
	}
	return f.do(req)
}

func (f *Fetcher) do(req *http.Request) (io.ReadCloser, error) {
	client, err := f.httpClient()
	if err != nil {
		return nil, permanent(err)
	}
	ctx, cancel := context.WithCancel(req.Context())
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		redact.URLErrors(err)
		var perm *permanentError
		if errors.As(err, &perm) {
			return nil, perm // a refused redirect
		}
		if isCertificateError(err) {
			return nil, permanent(err) // waiting will not fix trust
		}
		return nil, err // connection errors are retried
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent {
		return newIdleReader(resp.Body, f.idleRead(), cancel), nil
	}
	defer cancel()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return nil, f.classifyStatus(resp.StatusCode, resp.Status)
}

func (f *Fetcher) classifyStatus(code int, status string) error {
	se := &httpStatusError{Code: code, Status: status}
	switch {
	case code == http.StatusNotFound:
		return fmt.Errorf("%w: %v", ErrNotFound, se)
	case code >= 500 || slices.Contains(f.opts.RetryCodes, code):
		return se
	default:
		return permanent(se)
	}
}

func (f *Fetcher) idleRead() time.Duration {
	if f.opts.IdleRead > 0 {
		return f.opts.IdleRead
	}
	return DefaultIdleRead
}

// idleReader aborts a response body that sends nothing for a while: the
// request's context is cancelled, which unblocks the Read, and the error
// says why, so the attempt is retried like a cut transfer.
type idleReader struct {
	body    io.ReadCloser
	idle    time.Duration
	cancel  context.CancelFunc
	timer   *time.Timer
	expired atomic.Bool
}

func newIdleReader(body io.ReadCloser, idle time.Duration, cancel context.CancelFunc) *idleReader {
	r := &idleReader{body: body, idle: idle, cancel: cancel}
	r.timer = time.AfterFunc(idle, func() {
		r.expired.Store(true)
		cancel()
	})
	return r
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if r.expired.Load() {
		return n, fmt.Errorf("no data for %s (idle read timeout)", r.idle)
	}
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	err := r.body.Close()
	r.cancel()
	return err
}

func isCertificateError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify)
}
