package resource

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSignV4Vector checks the signer against the GET Object example of
// AWS's Signature Version 4 documentation.
func TestSignV4Vector(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	req.Header.Set("Range", "bytes=0-9")
	req.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	creds := &awsCreds{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	signV4(req, creds, "us-east-1", time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC))
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got := req.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization\n got %s\nwant %s", got, want)
	}
}

// fakeS3 speaks enough of the S3 GET Object protocol, path-style:
// GET /BUCKET/KEY[?versionId=V]; 404 with a NoSuchKey XML body.
type fakeS3 struct {
	objects map[string]map[string]string // "bucket/key" -> versionId ("" = latest) -> body
	creds   *awsCreds                    // non-nil: requests must be signed with these

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
	if r.Header.Get("X-Amz-Security-Token") != s.creds.Token {
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
	signV4(check, s.creds, region, when)
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
func fakeIMDS(t *testing.T, creds awsCreds) *httptest.Server {
	const token = "imds-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest/api/token" {
			if r.Method != http.MethodPut || r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				http.Error(w, "bad token request", http.StatusBadRequest)
				return
			}
			io.WriteString(w, token)
			return
		}
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != token {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/latest/meta-data/iam/security-credentials/":
			io.WriteString(w, "test-role\n")
		case "/latest/meta-data/iam/security-credentials/test-role":
			fmt.Fprintf(w, `{"Code":"Success","AccessKeyId":%q,"SecretAccessKey":%q,"Token":%q}`, creds.AccessKeyID, creds.SecretAccessKey, creds.Token)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestS3SignedWithInstanceCredentials(t *testing.T) {
	creds := awsCreds{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret/key", Token: "session-token"}
	s3 := &fakeS3{creds: &creds, objects: map[string]map[string]string{
		"bucket/private key.txt": {"": "signed ok", "v 2": "signed version"},
		"ap-123456789012/k":      {"": "signed access point"},
	}}
	srv := httptest.NewServer(s3)
	defer srv.Close()
	imds := fakeIMDS(t, creds)

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
		{url: "arn:aws:s3:::b/k/x", want: s3Location{bucket: "b", key: "k/x"}},
		{url: "arn:aws-cn:s3:::b/k", want: s3Location{bucket: "b", key: "k"}},
		{url: "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/dir/k",
			want: s3Location{bucket: "ap-123456789012", key: "dir/k", region: "us-west-2", accessPoint: "ap", account: "123456789012"}},
		{url: "s3://b", err: "bucket and a key"},
		{url: "arn:aws:s3:::b", err: "arn:aws:s3:::BUCKET/KEY"},
		{url: "arn:aws:iam::123:role/x", err: "not an S3 ARN"},
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
