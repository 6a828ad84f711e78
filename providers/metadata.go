package providers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kindling-dev/kindling/internal/resource"
)

// maxMetadataBody bounds what we read from a metadata service: user data is
// a config, held to the config limit (platforms cap it at tens of KiB).
const maxMetadataBody = resource.MaxConfigSize

// errStatus is a final non-success HTTP answer.
type errStatus struct {
	url  string
	code int
}

func (e *errStatus) Error() string { return fmt.Sprintf("GET %s: HTTP status %d", e.url, e.code) }

// statusOf returns the HTTP status of a final error, or 0.
func statusOf(err error) int {
	var s *errStatus
	if errors.As(err, &s) {
		return s.code
	}
	return 0
}

// metadataCall is the one helper for talking to a link-local metadata
// service: any method, custom headers, a bounded number of tries with
// backoff. Connection errors, cut bodies, 5xx and the codes in retry are
// retried; any other non-2xx status is final and returned as *errStatus.
func (fc *FetchContext) metadataCall(ctx context.Context, method, url string, hdr map[string]string, retry ...int) ([]byte, error) {
	// Link-local services never need a proxy; a fresh transport also keeps
	// a stuck connection from one try out of the next.
	return fc.metadataCallVia(ctx, &http.Transport{Proxy: nil}, method, url, hdr, retry...)
}

// metadataCallVia is metadataCall over a given transport (a platform may
// need its own dialer); the response header timeout is set here.
func (fc *FetchContext) metadataCallVia(ctx context.Context, transport *http.Transport, method, url string, hdr map[string]string, retry ...int) ([]byte, error) {
	attempts := fc.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	timeout := fc.HTTPTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	transport.ResponseHeaderTimeout = timeout
	client := &http.Client{Transport: transport}
	defer client.CloseIdleConnections()
	wait := 200 * time.Millisecond
	var last error
	for n := 1; n <= attempts; n++ {
		body, err, final := tryMetadata(ctx, client, method, url, hdr, retry, timeout)
		if err == nil || final {
			return body, err
		}
		last = err
		fc.logger().Debug("metadata request failed, retrying", "url", url, "attempt", n, "error", err)
		if n == attempts {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s %s: giving up after %d attempt(s): %w", method, url, n, last)
		case <-t.C:
		}
		wait = min(2*wait, 3*time.Second)
	}
	return nil, fmt.Errorf("%s %s: giving up after %d attempt(s): %w", method, url, attempts, last)
}

// tryMetadata makes one request; final says whether retrying is pointless.
func tryMetadata(ctx context.Context, client *http.Client, method, url string, hdr map[string]string, retry []int, timeout time.Duration) (body []byte, err error, final bool) {
	// The body must arrive within a few header-timeouts too.
	ctx, cancel := context.WithTimeout(ctx, 3*timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err, true
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err, false
	}
	defer resp.Body.Close()
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxMetadataBody+1))
		if err != nil {
			return nil, fmt.Errorf("reading body of %s: %w", url, err), false
		}
		if len(body) > maxMetadataBody {
			return nil, fmt.Errorf("%s: %w: response larger than %d bytes (resource.MaxConfigSize)", url, resource.ErrTooLarge, maxMetadataBody), true
		}
		return body, nil, false
	}
	err = &errStatus{url: url, code: code}
	if code >= 500 {
		return nil, err, false
	}
	for _, c := range retry {
		if c == code {
			return nil, err, false
		}
	}
	return nil, err, true
}

// gunzipConfig decompresses a gzipped config, held to
// resource.MaxConfigSize after decompression.
func gunzipConfig(raw []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxMetadataBody+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > maxMetadataBody {
		return nil, fmt.Errorf("%w: decompressed config larger than %d bytes (resource.MaxConfigSize)", resource.ErrTooLarge, maxMetadataBody)
	}
	return out, nil
}

// isGzip reports whether data starts with the gzip magic number.
func isGzip(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }
