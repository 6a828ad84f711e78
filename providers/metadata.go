package providers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

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

// exhausted is a status still failing after every attempt: its message is
// the retry loop's, and statusOf finds the status in it.
type exhausted struct {
	*resource.MetadataError
	status *errStatus
}

func (e *exhausted) Unwrap() []error { return []error{e.MetadataError, e.status} }

// statusOf returns the HTTP status of a final error, or 0.
func statusOf(err error) int {
	var s *errStatus
	if errors.As(err, &s) {
		return s.code
	}
	return 0
}

// metadataCall is the one helper for talking to a link-local metadata
// service: any method, custom headers. Tries, backoff and the body bound
// are resource.Metadata's (the one retry loop for metadata services):
// connection errors, cut bodies, 5xx and the codes in retry are retried;
// any other non-2xx status is final and returned as *errStatus.
func (fc *FetchContext) metadataCall(ctx context.Context, method, url string, hdr map[string]string, retry ...int) ([]byte, error) {
	return fc.metadataCallVia(ctx, nil, method, url, hdr, retry...)
}

// metadata is the link-local policy of this fetch.
func (fc *FetchContext) metadata() resource.Metadata {
	return resource.Metadata{Attempts: fc.MaxAttempts, HeaderTimeout: fc.HTTPTimeout, Endpoint: fc.MetadataURL, Log: fc.logger()}
}

// metadataCallVia is metadataCall over a given transport (a platform may
// need its own dialer; nil is a fresh one without proxy, so a stuck
// connection of one fetch never serves the next).
func (fc *FetchContext) metadataCallVia(ctx context.Context, transport *http.Transport, method, url string, hdr map[string]string, retry ...int) ([]byte, error) {
	client := fc.metadata().Client(transport)
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(resource.WithRetryCodes(ctx, retry...), method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		var me *resource.MetadataError
		if errors.As(err, &me) && me.Status != 0 {
			return nil, &exhausted{me, &errStatus{url: url, code: me.Status}}
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body) // already read and bounded by the transport
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &errStatus{url: url, code: resp.StatusCode}
	}
	return body, nil
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
