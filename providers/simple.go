package providers

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// simpleHTTP is a platform whose metadata service hands out the user data
// with one GET: 404 means none was set, an empty body likewise.
type simpleHTTP struct {
	name    string
	url     string
	headers map[string]string
	base64  bool  // the body is base64 of the user data
	retry   []int // extra status codes meaning "not ready yet"
}

func (p simpleHTTP) Name() string { return p.name }

func (p simpleHTTP) source() Source {
	src := Source{Reads: []string{"GET " + p.url}}
	for k, v := range p.headers {
		src.Headers = append(src.Headers, k+": "+v)
	}
	sort.Strings(src.Headers)
	return src
}
func (p simpleHTTP) NeedsNetwork() bool { return true }

func (p simpleHTTP) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	body, err := fc.metadataCall(ctx, http.MethodGet, fc.metadataURL(p.url), p.headers, p.retry...)
	if statusOf(err) == http.StatusNotFound {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("%s metadata service: %w", p.name, err)
	}
	return decodeUserData(p.name, body, p.base64)
}

// decodeUserData undoes a platform's base64 transport encoding; empty
// user data means none was given.
func decodeUserData(platform string, body []byte, b64 bool) ([]byte, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, ErrNoConfig
	}
	if !b64 {
		return body, nil
	}
	out, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(body)))
	if err != nil {
		return nil, fmt.Errorf("%s: user data is not valid base64: %w", platform, err)
	}
	if len(out) == 0 {
		return nil, ErrNoConfig
	}
	return out, nil
}

// Platforms whose protocol is a single GET. Endpoints are those of
// Ignition v2.26.0's providers; every one is a literal address, since the
// initramfs may have no DNS resolver yet (gcp's metadata.google.internal
// is 169.254.169.254).
func init() {
	for _, p := range []simpleHTTP{
		{name: "gcp", url: "http://169.254.169.254/computeMetadata/v1/instance/attributes/user-data",
			headers: map[string]string{"Metadata-Flavor": "Google"}},
		{name: "digitalocean", url: "http://169.254.169.254/metadata/v1/user-data"},
		{name: "brightbox", url: "http://169.254.169.254/latest/user-data"},
		{name: "exoscale", url: "http://169.254.169.254/1.0/user-data"},
		{name: "hetzner", url: "http://169.254.169.254/hetzner/v1/userdata"},
		{name: "vultr", url: "http://169.254.169.254/user-data/user-data"},
		{name: "upcloud", url: "http://169.254.169.254/metadata/v1/user_data"},
		{name: "aliyun", url: "http://100.100.100.200/latest/user-data"},
		{name: "oraclecloud", url: "http://169.254.169.254/opc/v2/instance/metadata/user_data",
			headers: map[string]string{"Authorization": "Bearer Oracle"}, base64: true},
		{name: "packet", url: "https://metadata.platformequinix.com/userdata"},
	} {
		Register(p, p.source())
	}
}
