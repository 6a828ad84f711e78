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
	"time"
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
	return &http.Client{Transport: tr}, nil
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
	resp, err := client.Do(req)
	if err != nil {
		if isCertificateError(err) {
			return nil, permanent(err) // waiting will not fix trust
		}
		return nil, err // connection errors are retried
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
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

func isCertificateError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify)
}
