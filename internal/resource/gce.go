package resource

import (
	"context"
	"encoding/json"
	"time"

	"cloud.google.com/go/compute/metadata"
)

// gceProbe bounds asking the GCE metadata server for a token on behalf of
// a gs: fetch: off GCP nothing answers, and the fetch goes on anonymously.
const gceProbe = 2 * time.Second

// NewGCE returns a GCE metadata client over the link-local client of m. The
// library sends Metadata-Flavor: Google to 169.254.169.254 (or to
// GCE_METADATA_HOST); m's transport holds the retry loop and m.Endpoint, in
// tests, the fake server's address.
func NewGCE(m Metadata) *metadata.Client {
	return metadata.NewWithOptions(&metadata.Options{Client: m.Client(nil), Logger: m.Log})
}

// GCE is the fetcher's one GCE metadata client, shared by the gcp provider
// and gs: fetches (Options.GCEMetadataEndpoint replaces its address in
// tests).
func (f *Fetcher) GCE() *metadata.Client {
	f.cloud.gceOnce.Do(func() {
		f.cloud.gce = NewGCE(f.metadataAt(f.opts.GCEMetadataEndpoint))
	})
	return f.cloud.gce
}

// gceToken asks the metadata server for the instance's service-account
// access token, once per fetcher; "" when it is not reachable (not on
// GCP) or has none.
func (f *Fetcher) gceToken(ctx context.Context) string {
	f.cloud.gceTokenOnce.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, gceProbe)
		defer cancel()
		body, err := f.GCE().GetWithContext(ctx, "instance/service-accounts/default/token")
		if err != nil {
			return
		}
		var t struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal([]byte(body), &t) == nil {
			f.cloud.gceTok = t.AccessToken
		}
	})
	return f.cloud.gceTok
}
