package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/kindling-dev/kindling/internal/resource"
)

// aws: the EC2 instance metadata service, through the AWS SDK's IMDS client
// (the one the fetcher uses for s3: credentials and the region). IMDSv2
// first: PUT a session token, then GET the user data with it. When the
// token PUT is refused (403, 404, 405: IMDSv2 unsupported, e.g. some
// EC2-compatible clouds) the client falls back to a plain IMDSv1 GET; if
// the service then refuses too (IMDSv1 disabled) the fetch fails. 404 on
// the user data means none was given.
type aws struct{}

const (
	awsTokenURL    = "http://169.254.169.254/latest/api/token"
	awsUserDataURL = "http://169.254.169.254/latest/user-data"
)

func init() {
	Register(aws{}, Source{
		Reads:   []string{"PUT " + awsTokenURL, "GET " + awsUserDataURL},
		Headers: []string{"X-aws-ec2-metadata-token-ttl-seconds", "X-aws-ec2-metadata-token"},
	})
}

func (aws) Name() string       { return "aws" }
func (aws) NeedsNetwork() bool { return true }

func (aws) FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	out, err := fc.imds().GetUserData(ctx, &imds.GetUserDataInput{})
	if httpStatus(err) == http.StatusNotFound {
		return nil, ErrNoConfig
	}
	if err != nil {
		return nil, fmt.Errorf("aws: fetching user data: %w", err)
	}
	defer out.Content.Close()
	body, err := io.ReadAll(out.Content) // bounded by resource.Metadata
	if err != nil {
		return nil, fmt.Errorf("aws: reading user data: %w", err)
	}
	return decodeUserData("aws", body, false)
}

// imds is the fetcher's IMDS client, so the provider and s3: fetches share
// one token; a test's MetadataURL gets a client of its own.
func (fc *FetchContext) imds() *imds.Client {
	if fc.Fetcher != nil && fc.MetadataURL == "" {
		return fc.Fetcher.IMDS()
	}
	return resource.NewIMDS(fc.metadata())
}

// httpStatus is the HTTP status a library's error carries, or 0.
func httpStatus(err error) int {
	var s interface{ HTTPStatusCode() int }
	if errors.As(err, &s) {
		return s.HTTPStatusCode()
	}
	return statusOf(err)
}
