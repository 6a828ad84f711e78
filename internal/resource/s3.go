package resource

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kindling-dev/kindling/internal/s3arn"
)

// S3 objects are fetched with plain net/http GETs, anonymous or signed by
// the AWS SDK's Signature Version 4 signer with the instance role's
// credentials (see imds.go). The SDK's S3 service client is not used: it
// would add megabytes for one GET.

// s3Location is what an s3: or arn: URL names.
type s3Location struct {
	bucket    string
	key       string
	versionID string
	// partition is the ARN's; "" for s3:// URLs (the instance's, else aws).
	partition string
	region    string // known from an access point ARN; else discovered
	// accessPoint and account are set for access point ARNs.
	accessPoint string
	account     string
}

// parseS3 understands s3://BUCKET/KEY[?versionId=V],
// arn:PARTITION:s3:::BUCKET/KEY and
// arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY.
func parseS3(u *url.URL, _ string) (s3Location, error) {
	loc := s3Location{versionID: u.Query().Get("versionId")}
	if u.Scheme == "s3" {
		loc.bucket = u.Host
		loc.key = strings.TrimPrefix(u.Path, "/")
		if loc.bucket == "" || loc.key == "" {
			return loc, fmt.Errorf("s3 URL needs a bucket and a key: s3://BUCKET/KEY")
		}
		return loc, nil
	}
	obj, err := s3arn.Parse("arn:" + u.Opaque)
	if err != nil {
		return loc, err
	}
	loc.partition, loc.bucket, loc.key = obj.Partition.Name, obj.Bucket, obj.Key
	loc.accessPoint, loc.account, loc.region = obj.AccessPoint, obj.Account, obj.Region
	return loc, nil
}

func (f *Fetcher) s3Get(ctx context.Context, loc s3Location) (io.ReadCloser, error) {
	creds := f.awsCredentials(ctx)
	target, region, err := f.s3URL(ctx, loc)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, permanent(err)
	}
	if creds != nil {
		if err := signS3(ctx, req, *creds, region, time.Now()); err != nil {
			return nil, permanent(fmt.Errorf("signing the S3 request: %w", err))
		}
	}
	return f.do(req)
}

// unsignedPayload is the payload hash of a GET: S3 accepts not hashing it.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// signS3 signs req for S3 with SigV4. S3 wants the path as sent, escaped
// once (escapeKey did), not escaped again.
func signS3(ctx context.Context, req *http.Request, creds aws.Credentials, region string, now time.Time) error {
	if req.Header.Get("X-Amz-Content-Sha256") == "" {
		req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	return signer.SignHTTP(ctx, creds, req, req.Header.Get("X-Amz-Content-Sha256"), "s3", region, now)
}

// s3URL returns the object's URL and the region to sign for.
func (f *Fetcher) s3URL(ctx context.Context, loc s3Location) (string, string, error) {
	q := ""
	if loc.versionID != "" {
		q = "?versionId=" + url.QueryEscape(loc.versionID)
	}
	key := escapeKey(loc.key)
	if f.opts.S3Endpoint != "" {
		region := loc.region
		if region == "" {
			region = "us-east-1"
		}
		return strings.TrimRight(f.opts.S3Endpoint, "/") + "/" + url.PathEscape(loc.bucket) + "/" + key + q, region, nil
	}
	part, ok := s3arn.Lookup(loc.partition)
	if !ok {
		part = s3arn.PartitionOfRegion(f.instanceRegion(ctx))
	}
	if loc.accessPoint != "" {
		return part.AccessPointURL(loc.accessPoint, loc.account, loc.region) + key + q, loc.region, nil
	}
	region, err := f.bucketRegion(ctx, loc.bucket, part)
	if err != nil {
		return "", "", err
	}
	return part.BucketURL(loc.bucket, region) + key + q, region, nil
}

// bucketRegion asks S3 where a bucket lives: a HEAD on an endpoint of the
// partition answers (even 301 or 403) with an x-amz-bucket-region header.
func (f *Fetcher) bucketRegion(ctx context.Context, bucket string, part s3arn.Partition) (string, error) {
	if r, ok := f.cloud.regions.Load(bucket); ok {
		return r.(string), nil
	}
	client, err := f.httpClient()
	if err != nil {
		return "", permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, part.BucketURL(bucket, part.Hint), nil)
	if err != nil {
		return "", permanent(err)
	}
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Do(req)
	if err != nil {
		return "", fmt.Errorf("finding the region of bucket %q: %w", bucket, err)
	}
	resp.Body.Close()
	region := resp.Header.Get("X-Amz-Bucket-Region")
	if region == "" {
		if resp.StatusCode == http.StatusNotFound {
			return "", fmt.Errorf("%w: bucket %q", ErrNotFound, bucket)
		}
		return "", fmt.Errorf("finding the region of bucket %q: %s", bucket, resp.Status)
	}
	f.cloud.regions.Store(bucket, region)
	return region, nil
}
