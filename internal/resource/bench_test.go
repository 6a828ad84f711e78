package resource

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// patternReader yields size bytes of a cheap deterministic pattern, so
// large bodies are generated on the fly instead of stored.
type patternReader struct{ off, size int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	n := int64(len(b))
	if rest := p.size - p.off; n > rest {
		n = rest
	}
	for i := int64(0); i < n; i++ {
		x := uint64(p.off + i)
		b[i] = byte(x ^ x>>8 ^ x>>17)
	}
	p.off += n
	return int(n), nil
}

func patternServer(tb testing.TB, size int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		io.CopyBuffer(w, &patternReader{size: size}, make([]byte, 256<<10))
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func patternSHA512(tb testing.TB, size int64) string {
	h := sha512.New()
	if _, err := io.CopyBuffer(h, &patternReader{size: size}, make([]byte, 256<<10)); err != nil {
		tb.Fatal(err)
	}
	return "sha512-" + hex.EncodeToString(h.Sum(nil))
}

// TestFetchToStreamsWithBoundedMemory fetches 128 MiB and checks that the
// whole process allocated only a small fraction of it: nothing buffers the
// body.
func TestFetchToStreamsWithBoundedMemory(t *testing.T) {
	const size = 128 << 20
	srv := patternServer(t, size)
	hash := patternSHA512(t, size)
	dest, err := os.CreateTemp(t.TempDir(), "big")
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := New(Options{}).FetchTo(testCtx(t), Request{URL: srv.URL, Hash: hash}, dest); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if st, _ := dest.Stat(); st.Size() != size {
		t.Fatalf("wrote %d bytes, want %d", st.Size(), size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Fatalf("allocated %d MiB while streaming %d MiB", alloc>>20, size>>20)
	}
}

// BenchmarkFetch1GiB fetches 1 GiB over loopback HTTP with sha512
// verification into a temporary file and reports throughput and the
// process's peak resident memory (VmHWM).
func BenchmarkFetch1GiB(b *testing.B) {
	const size = 1 << 30
	srv := patternServer(b, size)
	hash := patternSHA512(b, size)
	f := New(Options{})
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dest, err := os.CreateTemp(b.TempDir(), "big")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := f.FetchTo(b.Context(), Request{URL: srv.URL, Hash: hash}, dest); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		dest.Close()
		os.Remove(dest.Name())
		b.Logf("1 GiB in %v: %.0f MiB/s", took, float64(size>>20)/took.Seconds())
	}
	b.StopTimer()
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peakRSS-MiB")
		fmt.Fprintf(os.Stderr, "peak RSS of the benchmark process: %d MiB\n", hwm>>20)
	}
}

// peakRSS reads VmHWM from /proc/self/status, in bytes.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
