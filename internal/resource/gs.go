package resource

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	gcsEndpoint = "https://storage.googleapis.com"
	// The metadata server's address rather than metadata.google.internal:
	// the initramfs may have no resolver for that name yet.
	gceTokenURL      = "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
	gceProbeDeadline = 2 * time.Second
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
	if f.opts.GCSEndpoint == "" {
		if tok := gceToken(ctx); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	return f.do(req)
}

// gceToken asks the metadata server for an access token; "" when it is not
// reachable (not on GCP) or has none.
func gceToken(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, gceProbeDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, gceTokenURL, nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Metadata-Flavor", "Google")
	// The metadata server is link-local: never through a proxy.
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t) != nil {
		return ""
	}
	return t.AccessToken
}

// escapeKey percent-encodes each path segment of an object key.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
