package resource

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const (
	gcsEndpoint = "https://storage.googleapis.com"
)

// gsGet fetches gs://BUCKET/OBJECT from the GCS XML endpoint, with the
// instance's service-account token when the GCE metadata server answers,
// anonymously otherwise.
func (f *Fetcher) gsGet(ctx context.Context, u *url.URL) (io.ReadCloser, error) {
	base := gcsEndpoint
	if f.opts.GCSEndpoint != "" {
		base = strings.TrimRight(f.opts.GCSEndpoint, "/")
	}
	obj := strings.TrimPrefix(u.Path, "/")
	target := base + "/" + url.PathEscape(u.Host) + "/" + escapeKey(obj)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, permanent(err)
	}
	if f.opts.GCSEndpoint == "" || f.opts.GCEMetadataEndpoint != "" {
		if tok := f.gceToken(ctx); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	return f.do(req)
}

// escapeKey percent-encodes each path segment of an object key.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
