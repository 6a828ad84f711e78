package render

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kindling-dev/kindling/internal/resource"
)

// TestMergeFanOutIsBounded: every config merges ten children from a real
// server, four levels deep, well within MaxDepth: 1111 fetches. The total
// is stopped at MaxConfigs, named in the error.
func TestMergeFanOutIsBounded(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		var merges []string
		if level := strings.Count(r.URL.Path, "/"); level < 4 {
			for i := range 10 {
				merges = append(merges, fmt.Sprintf(`{"source":"%s%s/c%d"}`, srv.URL, r.URL.Path, i))
			}
		}
		fmt.Fprintf(w, `{"ignition":{"version":"3.6.0","config":{"merge":[%s]}}}`, strings.Join(merges, ","))
	}))
	defer srv.Close()
	user := fmt.Sprintf(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"%s/root"}]}}}`, srv.URL)
	_, err := render(t, user, Options{Root: t.TempDir(), MaxConfigs: 25})
	if err == nil || !strings.Contains(err.Error(), "more than 25 referenced configs") || !strings.Contains(err.Error(), "render.MaxConfigs") {
		t.Fatalf("err = %v, want the MaxConfigs limit named", err)
	}
	if n := hits.Load(); n != 25 {
		t.Fatalf("%d fetches, want exactly 25", n)
	}
}

// TestMergeChildGzipBomb: a small config whose merge child is a gzipped
// data URL of 512 MiB of spaces fails at resource.MaxConfigSize instead of
// inflating it all.
func TestMergeChildGzipBomb(t *testing.T) {
	t.Parallel()
	// 512 gzip members of 1 MiB each, back to back: one stream to a gzip
	// reader (RFC 1952), and compressed once instead of 512 times.
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	zw.Close()
	src := "data:;base64," + base64.StdEncoding.EncodeToString(bytes.Repeat(member.Bytes(), 512))
	user := fmt.Sprintf(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":%q,"compression":"gzip"}]}}}`, src)
	_, err := render(t, user, Options{Root: t.TempDir()})
	if !errors.Is(err, resource.ErrTooLarge) || !strings.Contains(err.Error(), "resource.MaxConfigSize") {
		t.Fatalf("err = %v, want ErrTooLarge naming resource.MaxConfigSize", err)
	}
	if !strings.Contains(err.Error(), "ignition.config.merge.0") {
		t.Errorf("error does not name the config path: %v", err)
	}
}

// TestConfigBytesBudget: children that are each under MaxConfigSize but
// together over MaxConfigBytes fail, naming that limit.
func TestConfigBytesBudget(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat(" ", 600)
	srv := serve(t, map[string]string{
		"/a": `{"ignition":{"version":"3.6.0"}}` + pad,
		"/b": `{"ignition":{"version":"3.6.0"}}` + pad,
	})
	user := fmt.Sprintf(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"%s/a"},{"source":"%s/b"}]}}}`, srv.URL, srv.URL)
	if _, err := render(t, user, Options{Root: t.TempDir(), MaxConfigBytes: 2000}); err != nil {
		t.Fatalf("within the budget: %v", err)
	}
	_, err := render(t, user, Options{Root: t.TempDir(), MaxConfigBytes: 1000})
	if !errors.Is(err, resource.ErrTooLarge) || !strings.Contains(err.Error(), "render.MaxConfigBytes") || !strings.Contains(err.Error(), "merge.1") {
		t.Fatalf("err = %v, want render.MaxConfigBytes at merge.1", err)
	}
}
