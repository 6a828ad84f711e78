package resource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestS3ErrorsCarryNoCredentials: an s3: fetch that fails (signature
// refused, object missing, server error after retries, endpoint down)
// says why without the instance role's secret key or session token or
// the signature of a request it sent. The stage prints these errors to
// the console and the journal.
func TestS3ErrorsCarryNoCredentials(t *testing.T) {
	t.Parallel()
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secretKEYvalue", SessionToken: "sessionTOKENvalue"}
	md := fakeIMDS(t, creds, "us-east-1")
	other := aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "other", SessionToken: creds.SessionToken}
	var mu sync.Mutex
	var signatures []string
	recording := func(h http.Handler) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, sig, ok := strings.Cut(r.Header.Get("Authorization"), "Signature="); ok {
				mu.Lock()
				signatures = append(signatures, sig)
				mu.Unlock()
			}
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	endpoints := map[string]string{
		"signature refused": recording(&fakeS3{creds: &other, objects: map[string]map[string]string{"bucket/k": {"": "x"}}}),
		// As S3 itself does, the refusal echoes the request it checked:
		// the session token and the signature are in the body.
		"signature refused, echoed": recording(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>%s</SignatureProvided>"+
				"<CanonicalRequest>GET\n/bucket/k\n\nx-amz-security-token:%s\n</CanonicalRequest></Error>",
				sig, r.Header.Get("X-Amz-Security-Token"))
		})),
		"no such key": recording(&fakeS3{creds: &creds}),
		"server error": recording(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<Error><Code>InternalError</Code></Error>", http.StatusInternalServerError)
		})),
		"endpoint down": "http://127.0.0.1:1",
	}
	for name, endpoint := range endpoints {
		f := New(Options{S3Endpoint: endpoint, AWSMetadataEndpoint: md.URL, MaxAttempts: 2})
		_, err := f.Fetch(testCtx(t), Request{URL: "s3://bucket/k"})
		if err == nil {
			t.Errorf("%s: the fetch succeeded", name)
			continue
		}
		mu.Lock()
		secrets := append([]string{creds.SecretAccessKey, creds.SessionToken}, signatures...)
		mu.Unlock()
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s: the error carries %q: %v", name, s, err)
			}
		}
	}
	if len(signatures) < 3 {
		t.Errorf("%d signed requests reached the endpoints, want every fetch signed", len(signatures))
	}
}
