package resource

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// awsProbe bounds asking IMDS for credentials or the region on behalf of an
// S3 fetch: off AWS nothing answers, and the fetch goes on anonymously.
const awsProbe = 3 * time.Second

// NewIMDS returns an EC2 instance metadata client (IMDSv2 token, falling
// back to IMDSv1 where the token is refused) over the link-local client
// of m: m's retry loop is the only one, the SDK's own is off.
func NewIMDS(m Metadata) *imds.Client {
	return imds.New(imds.Options{
		HTTPClient:            m.Client(nil),
		Retryer:               aws.NopRetryer{},
		DisableDefaultTimeout: true, // the caller's context bounds it
	})
}

// IMDS is the fetcher's one EC2 instance metadata client, shared by the aws
// provider and s3:/arn: fetches (Options.AWSMetadataEndpoint replaces its
// address in tests).
func (f *Fetcher) IMDS() *imds.Client {
	f.cloud.imdsOnce.Do(func() {
		f.cloud.imds = NewIMDS(f.metadataAt(f.opts.AWSMetadataEndpoint))
	})
	return f.cloud.imds
}

// metadataAt is the fetcher's link-local client, at endpoint instead of
// the service's own address when endpoint is set (a fake one in tests).
func (f *Fetcher) metadataAt(endpoint string) Metadata {
	m := f.opts.Metadata
	if endpoint != "" {
		m.Endpoint = strings.TrimRight(endpoint, "/")
	}
	return m
}

// awsAllowed says whether S3 fetches may ask IMDS: not when they go to a
// test or S3-compatible endpoint, unless a metadata endpoint is given too.
func (f *Fetcher) awsAllowed() bool {
	return f.opts.S3Endpoint == "" || f.opts.AWSMetadataEndpoint != ""
}

// awsCredentials returns the instance role's credentials, asked once per
// fetcher; nil (anonymous) when not on AWS or no role is attached.
func (f *Fetcher) awsCredentials(ctx context.Context) *aws.Credentials {
	f.cloud.awsOnce.Do(func() {
		if !f.awsAllowed() {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, awsProbe)
		defer cancel()
		p := ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = f.IMDS() })
		c, err := p.Retrieve(ctx)
		var me *MetadataError
		if errors.As(err, &me) && me.Status == 0 {
			// Nothing answered: not on AWS. Asking for the region would
			// only add another probe's wait.
			f.cloud.noIMDS = true
		}
		if err != nil || !c.HasKeys() {
			return
		}
		f.cloud.aws = &c
	})
	return f.cloud.aws
}

// instanceRegion is the EC2 region this machine runs in, asked once; ""
// off AWS. It picks the partition of s3:// URLs, as Ignition's region hint
// does.
func (f *Fetcher) instanceRegion(ctx context.Context) string {
	f.cloud.regionOnce.Do(func() {
		if !f.awsAllowed() || f.cloud.noIMDS {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, awsProbe)
		defer cancel()
		out, err := f.IMDS().GetRegion(ctx, &imds.GetRegionInput{})
		if err == nil {
			f.cloud.region = out.Region
		}
	})
	return f.cloud.region
}
