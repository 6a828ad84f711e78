package resource

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// S3 objects are fetched with plain net/http GETs, anonymous or signed by
// the AWS SDK's Signature Version 4 signer with the instance role's
// credentials (see imds.go). The SDK's S3 service client is not used: it
// would add megabytes for one GET.

// partition is one AWS partition: where its endpoints live and which region
// to ask where a bucket is.
type partition struct {
	dnsSuffix string
	hint      string // a region of the partition, for the bucket-region probe
}

// partitions are the AWS partitions Kindling builds endpoints for. An ARN
// naming any other is refused rather than sent to amazonaws.com.
var partitions = map[string]partition{
	"aws":        {dnsSuffix: "amazonaws.com", hint: "us-east-1"},
	"aws-cn":     {dnsSuffix: "amazonaws.com.cn", hint: "cn-north-1"},
	"aws-us-gov": {dnsSuffix: "amazonaws.com", hint: "us-gov-west-1"},
	"aws-iso":    {dnsSuffix: "c2s.ic.gov", hint: "us-iso-east-1"},
	"aws-iso-b":  {dnsSuffix: "sc2s.sgov.gov", hint: "us-isob-east-1"},
}

// regionPartitions maps region name prefixes to partitions, longest prefix
// first; any other region is in "aws".
var regionPartitions = []struct{ prefix, partition string }{
	{"us-isob-", "aws-iso-b"},
	{"us-iso-", "aws-iso"},
	{"us-gov-", "aws-us-gov"},
	{"cn-", "aws-cn"},
}

// partitionOfRegion names the partition a region belongs to.
func partitionOfRegion(region string) string {
	for _, p := range regionPartitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

func knownPartitions() []string {
	names := make([]string, 0, len(partitions))
	for n := range partitions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

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
func parseS3(u *url.URL, raw string) (s3Location, error) {
	loc := s3Location{versionID: u.Query().Get("versionId")}
	if u.Scheme == "s3" {
		loc.bucket = u.Host
		loc.key = strings.TrimPrefix(u.Path, "/")
		if loc.bucket == "" || loc.key == "" {
			return loc, fmt.Errorf("s3 URL needs a bucket and a key: s3://BUCKET/KEY")
		}
		return loc, nil
	}
	a, err := arn.Parse("arn:" + u.Opaque)
	if err != nil || a.Service != "s3" {
		return loc, fmt.Errorf("%q is not an S3 ARN (arn:aws:s3:...)", redactARN(raw))
	}
	if _, ok := partitions[a.Partition]; !ok {
		return loc, fmt.Errorf("ARN partition %q is not one of %s", a.Partition, strings.Join(knownPartitions(), ", "))
	}
	loc.partition = a.Partition
	if rest, ok := strings.CutPrefix(a.Resource, "accesspoint/"); ok {
		name, key, ok := strings.Cut(rest, "/object/")
		if !ok || name == "" || key == "" || a.Region == "" || a.AccountID == "" {
			return loc, fmt.Errorf("access point ARN must be arn:%s:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY", a.Partition)
		}
		if partitionOfRegion(a.Region) != a.Partition {
			return loc, fmt.Errorf("access point ARN: region %q is not in partition %q", a.Region, a.Partition)
		}
		loc.accessPoint, loc.account, loc.region, loc.key = name, a.AccountID, a.Region, key
		loc.bucket = name + "-" + a.AccountID
		return loc, nil
	}
	bucket, key, ok := strings.Cut(a.Resource, "/")
	if !ok || bucket == "" || key == "" {
		return loc, fmt.Errorf("S3 object ARN must be arn:%s:s3:::BUCKET/KEY", a.Partition)
	}
	loc.bucket, loc.key = bucket, key
	return loc, nil
}

// redactARN drops an ARN's query, which may carry a version id.
func redactARN(raw string) string {
	s, _, _ := strings.Cut(raw, "?")
	return s
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
	part := partitions[loc.partition]
	if loc.partition == "" {
		part = partitions[partitionOfRegion(f.instanceRegion(ctx))]
	}
	if loc.accessPoint != "" {
		return fmt.Sprintf("https://%s-%s.s3-accesspoint.%s.%s/%s%s", loc.accessPoint, loc.account, loc.region, part.dnsSuffix, key, q), loc.region, nil
	}
	region, err := f.bucketRegion(ctx, loc.bucket, part)
	if err != nil {
		return "", "", err
	}
	return bucketURL(loc.bucket, region, part) + key + q, region, nil
}

// bucketURL is the base URL of a bucket's objects, ending in "/".
func bucketURL(bucket, region string, part partition) string {
	if strings.Contains(bucket, ".") {
		// Dotted names break the wildcard certificate: path-style.
		return fmt.Sprintf("https://s3.%s.%s/%s/", region, part.dnsSuffix, bucket)
	}
	return fmt.Sprintf("https://%s.s3.%s.%s/", bucket, region, part.dnsSuffix)
}

// bucketRegion asks S3 where a bucket lives: a HEAD on an endpoint of the
// partition answers (even 301 or 403) with an x-amz-bucket-region header.
func (f *Fetcher) bucketRegion(ctx context.Context, bucket string, part partition) (string, error) {
	if r, ok := f.cloud.regions.Load(bucket); ok {
		return r.(string), nil
	}
	client, err := f.httpClient()
	if err != nil {
		return "", permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, bucketURL(bucket, part.hint, part), nil)
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
