package providers

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/compute/metadata"

	"github.com/kindling-dev/kindling/internal/resource"
)

// gcp: the GCE metadata server, through Google's metadata library (the
// client the fetcher uses for gs: tokens): GET the user-data attribute with
// Metadata-Flavor: Google, at 169.254.169.254 rather than
// metadata.google.internal, which the initramfs may not resolve yet. 404
// or an empty value means none was given.
type gcp struct{}

const gcpUserDataURL = "http://169.254.169.254/computeMetadata/v1/instance/attributes/user-data"

func init() {
	Register(gcp{}, Source{Reads: []string{"GET " + gcpUserDataURL}, Headers: []string{"Metadata-Flavor: Google"}})
}

func (gcp) Name() string       { return "gcp" }
func (gcp) NeedsNetwork() bool { return true }

func (gcp) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	body, err := fc.gce().GetWithContext(ctx, "instance/attributes/user-data")
	var undefined metadata.NotDefinedError
	if errors.As(err, &undefined) {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("gcp metadata service: %w", err)
	}
	return decodeUserData("gcp", []byte(body), false)
}

// gce is the fetcher's GCE metadata client; a test's MetadataURL gets a
// client of its own.
func (fc *FetchContext) gce() *metadata.Client {
	if fc.Fetcher != nil && fc.MetadataURL == "" {
		return fc.Fetcher.GCE()
	}
	return resource.NewGCE(fc.metadata())
}
