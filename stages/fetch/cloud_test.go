package fetch

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/stages"
)

// TestAWSUserDataMergingS3SharesOneIMDSClient: on aws, the user data
// comes from IMDS and merges an s3: child; the provider's read, the role
// credentials and the instance's region all go through one IMDS client
// (one IMDSv2 token), and the child is fetched signed with the role's key.
func TestAWSUserDataMergingS3SharesOneIMDSClient(t *testing.T) {
	t.Parallel()
	const ttlHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	user := `{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"s3://bucket/child.ign"}]}}}`
	child := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/from-s3"}]}}`
	var tokens atomic.Int32
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			tokens.Add(1)
			w.Header().Set(ttlHeader, r.Header.Get(ttlHeader)) // as the real service does
			io.WriteString(w, "TOKEN")
			return
		}
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != "TOKEN" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/latest/user-data":
			io.WriteString(w, user)
		case "/latest/meta-data/iam/security-credentials/":
			io.WriteString(w, "role\n")
		case "/latest/meta-data/iam/security-credentials/role":
			io.WriteString(w, `{"Code":"Success","AccessKeyId":"AKIDROLE","SecretAccessKey":"s","Token":"t","Expiration":"2999-01-01T00:00:00Z"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer imds.Close()
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDROLE/") {
			http.Error(w, "anonymous", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/bucket/child.ign" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, child)
	}))
	defer s3.Close()

	h := newHarness(t)
	h.opts.Fetch = resource.Options{AWSMetadataEndpoint: imds.URL, S3Endpoint: s3.URL, MaxAttempts: 2}
	cache := filepath.Join(t.TempDir(), "config.json")
	env := &stages.Env{Platform: "aws", ConfigCache: cache}
	if err := h.run(t, "fetch", env); err != nil {
		t.Fatal(err)
	}
	cfg := readCache(t, cache)
	if len(cfg.Storage.Files) != 1 || cfg.Storage.Files[0].Path != "/etc/from-s3" {
		t.Fatalf("merged config wrong: %+v", cfg.Storage)
	}
	if n := tokens.Load(); n != 1 {
		t.Errorf("IMDS handed out %d tokens, want 1: the provider and the s3 fetch share one client", n)
	}
}
