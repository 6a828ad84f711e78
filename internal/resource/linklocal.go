package resource

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Link-local metadata services (EC2 IMDS, the GCE metadata server and the
// single-GET services of providers/) are all reached through one
// http.Client built here, whose transport holds the one retry loop for
// them. The AWS SDK's IMDS client is given it with retries of its own
// turned off; the GCE metadata library's own retryer sees only a final
// answer (a response, or an error it does not retry).

// Metadata is the policy for link-local metadata requests.
type Metadata struct {
	// Attempts bounds the tries per request (0: 8).
	Attempts int
	// HeaderTimeout bounds waiting for one response's headers (0: 10 s);
	// the body must arrive within three of them.
	HeaderTimeout time.Duration
	// Endpoint, when set ("http://127.0.0.1:8080"), replaces the scheme and
	// host of every request: tests point it at a fake service.
	Endpoint string
	Log      *slog.Logger
}

// MetadataError is a request that failed after every attempt. It does not
// unwrap to the network error, so a library's own retryer stops here.
type MetadataError struct {
	Method, URL string
	Attempts    int
	Last        string
	// Status is the last HTTP status when the service answered.
	Status int
}

func (e *MetadataError) Error() string {
	return fmt.Sprintf("%s %s: giving up after %d attempt(s): %s", e.Method, e.URL, e.Attempts, e.Last)
}

type retryCodesKey struct{}

// WithRetryCodes marks a metadata request context: these HTTP statuses
// (besides 5xx) are retried, e.g. a 404 before the service has the data.
func WithRetryCodes(ctx context.Context, codes ...int) context.Context {
	return context.WithValue(ctx, retryCodesKey{}, codes)
}

// Client returns an http.Client for link-local services over base (nil: a
// fresh transport without proxy; a platform may pass its own dialer).
func (m Metadata) Client(base *http.Transport) *http.Client {
	if base == nil {
		base = &http.Transport{Proxy: nil}
	}
	base.ResponseHeaderTimeout = m.headerTimeout()
	return &http.Client{Transport: &metadataTransport{m: m, next: base}}
}

func (m Metadata) attempts() int {
	if m.Attempts > 0 {
		return m.Attempts
	}
	return 8
}

func (m Metadata) headerTimeout() time.Duration {
	if m.HeaderTimeout > 0 {
		return m.HeaderTimeout
	}
	return 10 * time.Second
}

type metadataTransport struct {
	m    Metadata
	next http.RoundTripper
}

// RoundTrip tries the request up to Attempts times with backoff. The body
// is read here, bounded by MaxConfigSize, so a cut body is retried too.
// A success or a final status is returned as a response; giving up is a
// *MetadataError.
func (t *metadataTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.m.Endpoint != "" {
		req = redirectTo(req, t.m.Endpoint)
	}
	retry, _ := req.Context().Value(retryCodesKey{}).([]int)
	log := t.m.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wait := 200 * time.Millisecond
	n := t.m.attempts()
	last := &MetadataError{Method: req.Method, URL: req.URL.String()}
	for i := 1; i <= n; i++ {
		last.Attempts = i
		resp, err := t.try(req)
		if err == nil && !retryable(resp.StatusCode, retry) {
			return resp, nil
		}
		if err != nil {
			last.Last, last.Status = err.Error(), 0
		} else {
			last.Last, last.Status = resp.Status, resp.StatusCode
		}
		if err == errTooLarge {
			return nil, fmt.Errorf("%s: %w: response larger than %d bytes (resource.MaxConfigSize)", req.URL, ErrTooLarge, MaxConfigSize)
		}
		log.Debug("metadata request failed, retrying", "url", req.URL.String(), "attempt", i, "error", last.Last)
		if i == n {
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			last.Last += " (" + req.Context().Err().Error() + ")"
			return nil, last
		case <-timer.C:
		}
		wait = min(2*wait, 3*time.Second)
	}
	return nil, last
}

var errTooLarge = fmt.Errorf("metadata response too large")

// try makes one request and reads its whole body.
func (t *metadataTransport) try(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), 3*t.m.headerTimeout())
	defer cancel()
	resp, err := t.next.RoundTrip(req.Clone(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(body) > MaxConfigSize {
		return nil, errTooLarge
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

func retryable(code int, extra []int) bool {
	return code >= 500 || slices.Contains(extra, code)
}

// redirectTo returns req with scheme and host replaced by endpoint's.
func redirectTo(req *http.Request, endpoint string) *http.Request {
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" {
		return req
	}
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = base.Scheme, base.Host, ""
	return req
}
