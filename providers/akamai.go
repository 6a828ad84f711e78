package providers

import (
	"context"
	"fmt"
	"net/http"
)

// akamai (Linode): PUT /v1/token for a short-lived token, then GET
// /v1/user-data with it; the user data comes back base64-encoded.
type akamai struct{}

func init() {
	Register(akamai{}, Source{
		Reads:   []string{"PUT http://169.254.169.254/v1/token", "GET http://169.254.169.254/v1/user-data"},
		Headers: []string{"Metadata-Token-Expiry-Seconds: 300", "Accept: text/plain", "Metadata-Token"},
	})
}

func (akamai) Name() string       { return "akamai" }
func (akamai) NeedsNetwork() bool { return true }

func (akamai) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	// As Ignition: a short-lived token, asked for as plain text.
	token, err := fc.metadataCall(ctx, http.MethodPut, fc.metadataURL("http://169.254.169.254/v1/token"),
		map[string]string{"Metadata-Token-Expiry-Seconds": "300", "Accept": "text/plain"})
	if err != nil {
		return nil, fmt.Errorf("akamai: getting a metadata token: %w", err)
	}
	body, err := fc.metadataCall(ctx, http.MethodGet, fc.metadataURL("http://169.254.169.254/v1/user-data"),
		map[string]string{"Metadata-Token": string(token)})
	if statusOf(err) == http.StatusNotFound {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("akamai: fetching user data: %w", err)
	}
	data, err := decodeUserData("akamai", body, true)
	if err == nil && isGzip(data) {
		// The Linode Metadata Service may store user data compressed.
		if data, err = gunzipConfig(data); err != nil {
			return nil, fmt.Errorf("akamai: user data: %w", err)
		}
	}
	return data, err
}
