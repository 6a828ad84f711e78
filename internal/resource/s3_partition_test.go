package resource

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestS3ARNFetchedFromItsPartition: fetching an ARN of the aws-cn
// partition goes to amazonaws.com.cn hosts only (the region lookup
// included), never to amazonaws.com. The fetch runs through an HTTPS
// proxy on 127.0.0.1 that notes the host of each CONNECT and refuses it.
func TestS3ARNFetchedFromItsPartition(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var hosts []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		http.Error(w, "no tunnels here", http.StatusForbidden)
	}))
	defer proxy.Close()
	for _, c := range []struct{ url, domain string }{
		{"arn:aws-cn:s3:::bkt/k", ".amazonaws.com.cn:443"},
		{"arn:aws-us-gov:s3:::bkt/k", ".amazonaws.com:443"},
		{"arn:aws-iso-b:s3:::bkt/k", ".sc2s.sgov.gov:443"},
	} {
		mu.Lock()
		hosts = nil
		mu.Unlock()
		f := New(Options{HTTPSProxy: proxy.URL, AWSMetadataEndpoint: "http://127.0.0.1:1", Metadata: Metadata{Attempts: 1}, MaxAttempts: 1})
		if _, err := f.Fetch(testCtx(t), Request{URL: c.url}); err == nil {
			t.Fatalf("%s: fetched through a proxy that refuses every tunnel", c.url)
		}
		mu.Lock()
		if len(hosts) == 0 {
			t.Errorf("%s: no request reached the proxy", c.url)
		}
		for _, h := range hosts {
			if !strings.HasSuffix(h, c.domain) {
				t.Errorf("%s: asked %s, want a host under %s", c.url, h, strings.TrimSuffix(c.domain, ":443"))
			}
		}
		mu.Unlock()
	}
}
