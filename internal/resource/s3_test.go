package resource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// TestSignV4Vector checks the signer's wiring (payload hash, path escaping,
// signed headers) against the GET Object example of
// AWS's Signature Version 4 documentation.
func TestSignV4Vector(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	req.Header.Set("Range", "bytes=0-9")
	req.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	if err := signS3(context.Background(), req, creds, "us-east-1", time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	// The SDK separates the parts with ", ", AWS's example with ",".
	if got := strings.ReplaceAll(req.Header.Get("Authorization"), ", ", ","); got != want {
		t.Fatalf("Authorization\n got %s\nwant %s", got, want)
	}
}

// fakeS3 speaks enough of the S3 GET Object protocol, path-style:
// GET /BUCKET/KEY[?versionId=V]; 404 with a NoSuchKey XML body.
type fakeS3 struct {
	objects map[string]map[string]string // "bucket/key" -> versionId ("" = latest) -> body
	creds   *aws.Credentials             // non-nil: requests must be signed with these

	mu   sync.Mutex
	seen []string
}

func (s *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r.URL.RawPath+" "+r.URL.Path+"?"+r.URL.RawQuery)
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if s.creds != nil && !s.validSignature(r) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code></Error>`)
		return
	}
	versions, ok := s.objects[strings.TrimPrefix(r.URL.Path, "/")]
	body, found := versions[r.URL.Query().Get("versionId")]
	if !ok || !found {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Key>%s</Key></Error>`, r.URL.Path)
		return
	}
	io.WriteString(w, body)
}

// validSignature re-signs the request as received and compares, which
// checks that the path and query sent are the ones that were signed.
func (s *fakeS3) validSignature(r *http.Request) bool {
	if r.Header.Get("X-Amz-Security-Token") != s.creds.SessionToken {
		return false
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	u, _ := url.Parse("http://" + r.Host + r.RequestURI)
	check, _ := http.NewRequest(r.Method, u.String(), nil)
	check.Header.Set("X-Amz-Content-Sha256", r.Header.Get("X-Amz-Content-Sha256"))
	region := "us-east-1"
	if cred := r.Header.Get("Authorization"); strings.Contains(cred, "/eu-west-3/") {
		region = "eu-west-3"
	}
	if signS3(context.Background(), check, *s.creds, region, when) != nil {
		return false
	}
	return check.Header.Get("Authorization") == r.Header.Get("Authorization") && u.EscapedPath() == check.URL.EscapedPath()
}

func TestS3FakeEndpoint(t *testing.T) {
	s3 := &fakeS3{objects: map[string]map[string]string{
		"bucket/dir/config.ign":     {"": "latest", "v1": "version one"},
		"bucket/dir/a b+c=d.txt":    {"": "odd key"},
		"mybucket-123456789012/k/x": {"": "via access point"},
	}}
	srv := httptest.NewServer(s3)
	defer srv.Close()
	f := New(Options{S3Endpoint: srv.URL, MaxAttempts: 2})
	tests := []struct {
		url, want string
		wantErr   error
	}{
		{"s3://bucket/dir/config.ign", "latest", nil},
		{"s3://bucket/dir/config.ign?versionId=v1", "version one", nil},
		{"s3://bucket/dir/a%20b+c=d.txt", "odd key", nil},
		{"arn:aws:s3:::bucket/dir/config.ign", "latest", nil},
		{"arn:aws:s3:::bucket/dir/config.ign?versionId=v1", "version one", nil},
		{"arn:aws:s3:eu-west-3:123456789012:accesspoint/mybucket/object/k/x", "via access point", nil},
		{"s3://bucket/dir/config.ign?versionId=v9", "", ErrNotFound},
		{"s3://bucket/missing", "", ErrNotFound},
	}
	for _, tt := range tests {
		got, err := f.Fetch(testCtx(t), Request{URL: tt.url})
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v, want %v", tt.url, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
}

// fakeIMDS answers the IMDSv2 token and credential calls for one role.
func fakeIMDS(t *testing.T, creds aws.Credentials, region string) *httptest.Server {
	return fakeIMDSCounting(t, creds, region, new(atomic.Int32))
}

// fakeIMDSCounting is fakeIMDS counting the tokens it hands out.
func fakeIMDSCounting(t *testing.T, creds aws.Credentials, region string, tokens *atomic.Int32) *httptest.Server {
	const token = "imds-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest/api/token" {
			tokens.Add(1)
			if r.Method != http.MethodPut || r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				http.Error(w, "bad token request", http.StatusBadRequest)
				return
			}
			// As the real service, echo the lifetime granted.
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			io.WriteString(w, token)
			return
		}
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != token {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/latest/user-data":
			io.WriteString(w, "user data")
		case "/latest/meta-data/iam/security-credentials/":
			io.WriteString(w, "test-role\n")
		case "/latest/meta-data/iam/security-credentials/test-role":
			fmt.Fprintf(w, `{"Code":"Success","AccessKeyId":%q,"SecretAccessKey":%q,"Token":%q,"Expiration":%q}`,
				creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		case "/latest/dynamic/instance-identity/document":
			fmt.Fprintf(w, `{"accountId":"123456789012","instanceId":"i-0abc","region":%q,"availabilityZone":%q}`, region, region+"a")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestS3SignedWithInstanceCredentials(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret/key", SessionToken: "session-token"}
	s3 := &fakeS3{creds: &creds, objects: map[string]map[string]string{
		"bucket/private key.txt": {"": "signed ok", "v 2": "signed version"},
		"ap-123456789012/k":      {"": "signed access point"},
	}}
	srv := httptest.NewServer(s3)
	defer srv.Close()
	imds := fakeIMDS(t, creds, "us-east-1")

	f := New(Options{S3Endpoint: srv.URL, AWSMetadataEndpoint: imds.URL, MaxAttempts: 2})
	for url, want := range map[string]string{
		"s3://bucket/private%20key.txt":                             "signed ok",
		"s3://bucket/private%20key.txt?versionId=v%202":             "signed version",
		"arn:aws:s3:eu-west-3:123456789012:accesspoint/ap/object/k": "signed access point",
	} {
		got, err := f.Fetch(testCtx(t), Request{URL: url})
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", url, got, err, want)
		}
	}
	// Anonymous requests are refused by this bucket, and 403 is final.
	_, err := New(Options{S3Endpoint: srv.URL}).Fetch(testCtx(t), Request{URL: "s3://bucket/private%20key.txt"})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("anonymous: err = %v, want 403", err)
	}
}

func TestParseS3(t *testing.T) {
	tests := []struct {
		url  string
		want s3Location
		err  string
	}{
		{url: "s3://b/k/x.ign", want: s3Location{bucket: "b", key: "k/x.ign"}},
		{url: "s3://b/k?versionId=abc", want: s3Location{bucket: "b", key: "k", versionID: "abc"}},
		{url: "arn:aws:s3:::b/k/x", want: s3Location{bucket: "b", key: "k/x", partition: "aws"}},
		{url: "arn:aws-cn:s3:::b/k", want: s3Location{bucket: "b", key: "k", partition: "aws-cn"}},
		{url: "arn:aws-iso-b:s3:::b/k", want: s3Location{bucket: "b", key: "k", partition: "aws-iso-b"}},
		{url: "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/dir/k",
			want: s3Location{bucket: "ap-123456789012", key: "dir/k", region: "us-west-2", accessPoint: "ap", account: "123456789012", partition: "aws"}},
		{url: "arn:aws-eusc:s3:::b/k", err: `partition "aws-eusc" is not one of aws, aws-cn, aws-iso, aws-iso-b, aws-us-gov`},
		{url: "arn:aws-cn:s3:us-east-1:123:accesspoint/ap/object/k", err: `region "us-east-1" is not in partition "aws-cn"`},
		{url: "s3://b", err: "bucket and a key"},
		{url: "arn:aws:s3:::b", err: "does not name an object"},
		{url: "arn:aws:iam::123:role/x", err: `names service "iam"`},
		{url: "arn:aws:s3:us-west-2:123:accesspoint/ap", err: "accesspoint/NAME/object/KEY"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseS3(u, tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.url, got, err, tt.want)
		}
	}
}

func TestGCSFakeEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bucket/dir/obj.ign" {
			io.WriteString(w, "from gcs")
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	f := New(Options{GCSEndpoint: srv.URL, MaxAttempts: 2})
	got, err := f.Fetch(testCtx(t), Request{URL: "gs://bucket/dir/obj.ign"})
	if err != nil || string(got) != "from gcs" {
		t.Fatalf("%q, %v", got, err)
	}
	if _, err := f.Fetch(testCtx(t), Request{URL: "gs://bucket/nope"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if _, err := f.Fetch(testCtx(t), Request{URL: "gs://bucket"}); err == nil || !strings.Contains(err.Error(), "gs://BUCKET/OBJECT") {
		t.Fatalf("err = %v, want a shape error", err)
	}
}

// TestS3PartitionEndpoints: each partition's objects are fetched from its
// own domain; an s3:// URL takes the partition of the instance's region,
// which IMDS tells (Ignition's region hint).
func TestS3PartitionEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, instanceRegion, bucketRegion, want string
	}{
		{"arn:aws:s3:::bkt/k", "", "eu-west-3", "https://bkt.s3.eu-west-3.amazonaws.com/k"},
		{"arn:aws-cn:s3:::bkt/k", "", "cn-northwest-1", "https://bkt.s3.cn-northwest-1.amazonaws.com.cn/k"},
		{"arn:aws-us-gov:s3:::bkt/k", "", "us-gov-east-1", "https://bkt.s3.us-gov-east-1.amazonaws.com/k"},
		{"arn:aws-iso:s3:::bkt/k", "", "us-iso-east-1", "https://bkt.s3.us-iso-east-1.c2s.ic.gov/k"},
		{"arn:aws-iso-b:s3:::bkt/k", "", "us-isob-east-1", "https://bkt.s3.us-isob-east-1.sc2s.sgov.gov/k"},
		{"arn:aws-cn:s3:::dotted.bkt/k", "", "cn-north-1", "https://s3.cn-north-1.amazonaws.com.cn/dotted.bkt/k"},
		{"arn:aws-iso:s3:us-iso-west-1:123456789012:accesspoint/ap/object/k", "", "", "https://ap-123456789012.s3-accesspoint.us-iso-west-1.c2s.ic.gov/k"},
		{"s3://bkt/k", "cn-north-1", "cn-north-1", "https://bkt.s3.cn-north-1.amazonaws.com.cn/k"},
		{"s3://bkt/k", "us-isob-east-1", "us-isob-east-1", "https://bkt.s3.us-isob-east-1.sc2s.sgov.gov/k"},
		{"s3://bkt/k", "", "us-west-2", "https://bkt.s3.us-west-2.amazonaws.com/k"},
	}
	for _, tt := range tests {
		t.Run(tt.url+" "+tt.instanceRegion, func(t *testing.T) {
			t.Parallel()
			opts := Options{Metadata: Metadata{Attempts: 1}}
			if tt.instanceRegion != "" {
				opts.AWSMetadataEndpoint = fakeIMDS(t, aws.Credentials{}, tt.instanceRegion).URL
			} else {
				opts.AWSMetadataEndpoint = "http://127.0.0.1:1" // nothing listens: off AWS
			}
			f := New(opts)
			f.cloud.regions.Store("bkt", tt.bucketRegion) // no S3 to ask in a test
			f.cloud.regions.Store("dotted.bkt", tt.bucketRegion)
			u, _ := url.Parse(tt.url)
			loc, err := parseS3(u, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			got, region, err := f.s3URL(testCtx(t), loc)
			if err != nil || got != tt.want {
				t.Fatalf("%s, %v; want %s", got, err, tt.want)
			}
			if want := tt.bucketRegion; want != "" && region != want {
				t.Errorf("signing region %s, want %s", region, want)
			}
		})
	}
}

// TestOneIMDSClient: the aws provider's user-data read and an s3: fetch's
// credentials go through the fetcher's one IMDS client, so one IMDSv2
// token serves both.
func TestOneIMDSClient(t *testing.T) {
	t.Parallel()
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", SessionToken: "tok"}
	var tokens atomic.Int32
	md := fakeIMDSCounting(t, creds, "us-east-1", &tokens)
	s3 := &fakeS3{creds: &creds, objects: map[string]map[string]string{"bucket/k": {"": "signed"}}}
	srv := httptest.NewServer(s3)
	defer srv.Close()
	f := New(Options{S3Endpoint: srv.URL, AWSMetadataEndpoint: md.URL, MaxAttempts: 2})
	out, err := f.IMDS().GetUserData(testCtx(t), &imds.GetUserDataInput{})
	if err != nil {
		t.Fatal(err)
	}
	out.Content.Close()
	if got, err := f.Fetch(testCtx(t), Request{URL: "s3://bucket/k"}); err != nil || string(got) != "signed" {
		t.Fatalf("%q, %v", got, err)
	}
	if n := tokens.Load(); n != 1 {
		t.Errorf("IMDS handed out %d tokens, want 1 (one client)", n)
	}
}

// TestGCSWithServiceAccountToken: a gs: fetch asks the GCE metadata server
// (Metadata-Flavor: Google, as the real one insists) for the service
// account's token, once per fetcher, and sends it to GCS.
func TestGCSWithServiceAccountToken(t *testing.T) {
	t.Parallel()
	var tokenCalls atomic.Int32
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" {
			http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/computeMetadata/v1/instance/service-accounts/default/token" {
			http.NotFound(w, r)
			return
		}
		tokenCalls.Add(1)
		w.Header().Set("Metadata-Flavor", "Google")
		io.WriteString(w, `{"access_token":"ya29.test","expires_in":3599,"token_type":"Bearer"}`)
	}))
	defer md.Close()
	gcs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer ya29.test" {
			http.Error(w, "anonymous", http.StatusForbidden)
			return
		}
		io.WriteString(w, "private "+r.URL.Path)
	}))
	defer gcs.Close()
	f := New(Options{GCSEndpoint: gcs.URL, GCEMetadataEndpoint: md.URL, MaxAttempts: 2})
	for _, obj := range []string{"a", "b"} {
		got, err := f.Fetch(testCtx(t), Request{URL: "gs://bucket/" + obj})
		if err != nil || string(got) != "private /bucket/"+obj {
			t.Fatalf("%q, %v", got, err)
		}
	}
	if n := tokenCalls.Load(); n != 1 {
		t.Errorf("token asked %d times, want once per fetcher", n)
	}
}

// TestS3OffAWSProbesOnce: where no metadata service answers, an s3: fetch
// asks it once (for credentials), not a second time for the region.
func TestS3OffAWSProbesOnce(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accepts and drops: a service that never answers
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	f := New(Options{AWSMetadataEndpoint: "http://" + l.Addr().String(), Metadata: Metadata{Attempts: 1}})
	if c := f.awsCredentials(testCtx(t)); c != nil {
		t.Fatalf("credentials from nowhere: %+v", c)
	}
	before := conns.Load()
	if r := f.instanceRegion(testCtx(t)); r != "" {
		t.Fatalf("region %q", r)
	}
	if conns.Load() != before {
		t.Errorf("the region was asked of a service that never answered")
	}
}
