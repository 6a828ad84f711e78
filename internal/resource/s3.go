package resource

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kindling-dev/kindling/internal/redact"
)

// S3 objects are fetched with plain net/http: anonymous GETs, or GETs signed
// with AWS Signature Version 4 using the instance role's credentials from
// IMDSv2. This costs a few hundred lines instead of the SDK's megabytes.

const defaultIMDS = "http://169.254.169.254"

// s3Location is what an s3: or arn: URL names.
type s3Location struct {
	bucket    string
	key       string
	versionID string
	region    string // known from an access point ARN; else discovered
	// accessPoint and account are set for access point ARNs.
	accessPoint string
	account     string
}

// parseS3 understands s3://BUCKET/KEY[?versionId=V],
// arn:aws:s3:::BUCKET/KEY and
// arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY.
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
	fields := strings.SplitN(u.Opaque, ":", 5)
	if len(fields) != 5 || !strings.HasPrefix(fields[0], "aws") || fields[1] != "s3" {
		return loc, fmt.Errorf("ARN %q is not an S3 ARN (arn:aws:s3:...)", redact.URL(raw))
	}
	region, account, resource := fields[2], fields[3], fields[4]
	if rest, ok := strings.CutPrefix(resource, "accesspoint/"); ok {
		name, key, ok := strings.Cut(rest, "/object/")
		if !ok || name == "" || key == "" || region == "" || account == "" {
			return loc, fmt.Errorf("access point ARN must be arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY")
		}
		loc.accessPoint, loc.account, loc.region, loc.key = name, account, region, key
		loc.bucket = name + "-" + account
		return loc, nil
	}
	bucket, key, ok := strings.Cut(resource, "/")
	if !ok || bucket == "" || key == "" {
		return loc, fmt.Errorf("S3 object ARN must be arn:aws:s3:::BUCKET/KEY")
	}
	loc.bucket, loc.key = bucket, key
	return loc, nil
}

type awsCreds struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
}

var regionCache sync.Map // bucket -> region

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
		signV4(req, creds, region, time.Now().UTC())
	}
	return f.do(req)
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
	if loc.accessPoint != "" {
		return fmt.Sprintf("https://%s-%s.s3-accesspoint.%s.amazonaws.com/%s%s", loc.accessPoint, loc.account, loc.region, key, q), loc.region, nil
	}
	region, err := f.bucketRegion(ctx, loc.bucket)
	if err != nil {
		return "", "", err
	}
	if strings.Contains(loc.bucket, ".") {
		// Dotted names break the wildcard certificate: path-style.
		return fmt.Sprintf("https://s3.%s.amazonaws.com/%s/%s%s", region, loc.bucket, key, q), region, nil
	}
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s%s", loc.bucket, region, key, q), region, nil
}

// bucketRegion asks S3 where a bucket lives: a HEAD on the global endpoint
// answers (even 301 or 403) with an x-amz-bucket-region header.
func (f *Fetcher) bucketRegion(ctx context.Context, bucket string) (string, error) {
	if r, ok := regionCache.Load(bucket); ok {
		return r.(string), nil
	}
	client, err := f.httpClient()
	if err != nil {
		return "", permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "https://"+bucket+".s3.amazonaws.com/", nil)
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
	regionCache.Store(bucket, region)
	return region, nil
}

// awsCredentials reads the instance role's credentials through IMDSv2,
// once. nil (anonymous) when not on AWS or no role is attached. With an
// S3Endpoint override the metadata service is asked only if
// AWSMetadataEndpoint is set too.
func (f *Fetcher) awsCredentials(ctx context.Context) *awsCreds {
	f.awsOnce.Do(func() {
		base := f.opts.AWSMetadataEndpoint
		if base == "" {
			if f.opts.S3Endpoint != "" {
				return
			}
			base = defaultIMDS
		}
		f.aws = imdsCredentials(ctx, strings.TrimRight(base, "/"))
	})
	return f.aws
}

func imdsCredentials(ctx context.Context, base string) *awsCreds {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{}} // link-local: no proxy
	call := func(method, path, token string) (string, bool) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
		if err != nil {
			return "", false
		}
		if token == "" {
			req.Header.Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
		} else {
			req.Header.Set("X-Aws-Ec2-Metadata-Token", token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", false
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return string(b), err == nil && resp.StatusCode == http.StatusOK
	}
	token, ok := call(http.MethodPut, "/latest/api/token", "")
	if !ok {
		return nil
	}
	roles, ok := call(http.MethodGet, "/latest/meta-data/iam/security-credentials/", token)
	role, _, _ := strings.Cut(strings.TrimSpace(roles), "\n")
	if !ok || role == "" {
		return nil
	}
	body, ok := call(http.MethodGet, "/latest/meta-data/iam/security-credentials/"+role, token)
	if !ok {
		return nil
	}
	var c awsCreds
	if json.Unmarshal([]byte(body), &c) != nil || c.AccessKeyID == "" {
		return nil
	}
	return &c
}

// signV4 adds an AWS Signature Version 4 Authorization header for S3. It
// signs host, range and every x-amz-* header; the payload hash is the
// x-amz-content-sha256 header's value, set to UNSIGNED-PAYLOAD if absent.
func signV4(req *http.Request, c *awsCreds, region string, now time.Time) {
	amzDate := now.Format("20060102T150405Z")
	day := now.Format("20060102")
	req.Header.Set("X-Amz-Date", amzDate)
	if req.Header.Get("X-Amz-Content-Sha256") == "" {
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	}
	payload := req.Header.Get("X-Amz-Content-Sha256")
	if c.Token != "" {
		req.Header.Set("X-Amz-Security-Token", c.Token)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	headers := map[string]string{"host": host}
	for k := range req.Header {
		lk := strings.ToLower(k)
		if lk == "range" || strings.HasPrefix(lk, "x-amz-") {
			headers[lk] = strings.TrimSpace(req.Header.Get(k))
		}
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, k := range names {
		canonHeaders.WriteString(k + ":" + headers[k] + "\n")
	}
	signed := strings.Join(names, ";")
	canonical := strings.Join([]string{
		req.Method,
		canonicalPath(req.URL),
		canonicalQuery(req.URL.Query()),
		canonHeaders.String(),
		signed,
		payload,
	}, "\n")
	scope := day + "/" + region + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+c.SecretAccessKey), day)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s", c.AccessKeyID, scope, signed, sig))
}

// canonicalPath encodes each segment of the path the way SigV4 wants and
// makes the request send exactly that path.
func canonicalPath(u *url.URL) string {
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		segs[i] = awsEscape(s)
	}
	p := strings.Join(segs, "/")
	if p == "" {
		p = "/"
	}
	u.RawPath = p
	return p
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, awsEscape(k)+"="+awsEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// awsEscape percent-encodes everything but A-Z a-z 0-9 - _ . ~.
func awsEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%7E", "~")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
