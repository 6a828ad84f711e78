package providers

import (
	"context"
	"fmt"
	"net/http"
)

// aws: the EC2 instance metadata service. IMDSv2 first: PUT a session
// token, then GET the user data with it. If the token PUT is answered with
// a client error (IMDSv2 unsupported, e.g. some EC2-compatible clouds) we
// fall back to a plain IMDSv1 GET; if the service then refuses too (IMDSv1
// disabled) the fetch fails. 404 on the user data means none was given.
type aws struct{}

const (
	awsTokenURL    = "http://169.254.169.254/latest/api/token"
	awsUserDataURL = "http://169.254.169.254/2019-10-01/user-data"
	awsTokenTTL    = "21600"
)

func init() {
	Register(aws{}, Source{
		Reads:   []string{"PUT " + awsTokenURL, "GET " + awsUserDataURL},
		Headers: []string{"X-aws-ec2-metadata-token-ttl-seconds: " + awsTokenTTL, "X-aws-ec2-metadata-token"},
	})
}

func (aws) Name() string       { return "aws" }
func (aws) NeedsNetwork() bool { return true }

func (aws) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	hdr := map[string]string{}
	token, err := fc.metadataCall(ctx, http.MethodPut, fc.metadataURL(awsTokenURL),
		map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": awsTokenTTL})
	switch {
	case err == nil:
		hdr["X-aws-ec2-metadata-token"] = string(token)
	case statusOf(err) >= 400 && statusOf(err) < 500:
		fc.logger().Info("IMDSv2 token refused, trying IMDSv1", "error", err)
	default:
		return nil, fmt.Errorf("aws: getting an IMDSv2 token: %w", err)
	}
	body, err := fc.metadataCall(ctx, http.MethodGet, fc.metadataURL(awsUserDataURL), hdr)
	if statusOf(err) == http.StatusNotFound {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("aws: fetching user data: %w", err)
	}
	return decodeUserData("aws", body, false)
}
