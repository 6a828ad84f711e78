package resource

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// TestOneMetadataRetryLoop: a service failing with 503 is asked exactly
// Attempts times, whichever library asks: the libraries' own retries do
// not multiply the transport's.
func TestOneMetadataRetryLoop(t *testing.T) {
	t.Parallel()
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut { // IMDSv2 token: granted
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			io.WriteString(w, "TOKEN")
			return
		}
		gets.Add(1)
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	m := Metadata{Endpoint: srv.URL, Attempts: 3, HeaderTimeout: time.Second}

	_, err := NewGCE(m).GetWithContext(testCtx(t), "instance/attributes/user-data")
	var me *MetadataError
	if !errors.As(err, &me) || me.Status != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "giving up after 3 attempt(s)") {
		t.Errorf("gce: err = %v", err)
	}
	if n := gets.Swap(0); n != 3 {
		t.Errorf("gce library: %d requests, want 3", n)
	}

	_, err = NewIMDS(m).GetUserData(testCtx(t), &imds.GetUserDataInput{})
	if err == nil {
		t.Error("imds: no error")
	}
	if n := gets.Load(); n != 3 {
		t.Errorf("imds client: %d requests, want 3", n)
	}
}

// TestMetadataBodyBound: a metadata answer larger than MaxConfigSize is
// refused at once, not retried, and never held whole.
func TestMetadataBodyBound(t *testing.T) {
	t.Parallel()
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		chunk := strings.Repeat("x", 1<<20)
		for range MaxConfigSize>>20 + 2 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	_, err := NewGCE(Metadata{Endpoint: srv.URL, Attempts: 3}).GetWithContext(testCtx(t), "instance/attributes/user-data")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "resource.MaxConfigSize") {
		t.Errorf("err = %v, want ErrTooLarge naming the limit", err)
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
