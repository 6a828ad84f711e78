package resource

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestDataURLs(t *testing.T) {
	t.Parallel()
	f := New(Options{})
	binary := []byte{0, 1, 2, 0xfe, 0xff, '+', '/'}
	tests := []struct {
		name, url string
		want      string
		wantErr   string
	}{
		{"plain", "data:,hello%20world", "hello world", ""},
		{"empty", "data:,", "", ""},
		{"media type", "data:text/plain;charset=utf-8,a%2Cb", "a,b", ""},
		{"base64", "data:;base64," + base64.StdEncoding.EncodeToString([]byte("kindling")), "kindling", ""},
		{"base64 binary", "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(binary), string(binary), ""},
		{"plus kept in plain", "data:,a+b", "a+b", ""},
		{"quoted parameter", `data:text/plain;charset="utf-8",x`, "x", ""},
		// Ignition decodes with vincent-petithory/dataurl and rejects
		// these; so do we, rather than writing different bytes.
		{"base64 unpadded", "data:;base64,YWI", "", "invalid data URL"},
		{"upper-case BASE64", "data:;BASE64,aGk=", "", "invalid data URL"},
		{"space in plain data", "data:,a b", "", "invalid data URL"},
		{"no comma", "data:text/plain", "", "invalid data URL"},
		{"bad base64", "data:;base64,@@@", "", "invalid data URL"},
		{"bad escape", "data:,%zz", "", "invalid data URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.Fetch(testCtx(t), Request{URL: tt.url})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDataURLVerificationAndGzip(t *testing.T) {
	t.Parallel()
	content := []byte(strings.Repeat("compress me ", 100))
	url := "data:;base64," + base64.StdEncoding.EncodeToString(gzipped(t, content))
	f := New(Options{Offline: true})
	got, err := f.Fetch(testCtx(t), Request{URL: url, Compression: "gzip", Hash: sha512Of(content)})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(content) {
		t.Fatalf("decompressed content differs")
	}
	// The hash is over the decompressed bytes, so the compressed bytes'
	// hash must not verify.
	_, err = f.Fetch(testCtx(t), Request{URL: url, Compression: "gzip", Hash: sha256Of(gzipped(t, content))})
	if !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("err = %v, want ErrHashMismatch", err)
	}
	// Not gzip at all: a permanent, named error.
	_, err = f.Fetch(testCtx(t), Request{URL: "data:,plain", Compression: "gzip"})
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("err = %v, want a gzip error", err)
	}
}

func TestOfflineNeedsNetwork(t *testing.T) {
	t.Parallel()
	f := New(Options{Offline: true})
	for _, u := range []string{"http://127.0.0.1:1/x", "https://example.com/x", "tftp://127.0.0.1/x", "s3://b/k", "gs://b/o", "arn:aws:s3:::b/k"} {
		_, err := f.Fetch(testCtx(t), Request{URL: u})
		if !errors.Is(err, ErrNeedsNetwork) {
			t.Errorf("%s: err = %v, want ErrNeedsNetwork", u, err)
		}
	}
	if got, err := f.Fetch(testCtx(t), Request{URL: "data:,ok"}); err != nil || string(got) != "ok" {
		t.Fatalf("data URL offline: %q, %v", got, err)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	f := New(Options{})
	tests := []struct{ name, url, hash, compression, wantErr string }{
		{"unknown scheme", "ftp://h/x", "", "", `unsupported URL scheme "ftp"`},
		{"no scheme", "/etc/passwd", "", "", "no scheme"},
		{"bad hash function", "data:,x", "md5-00", "", `hash type "md5" is not supported`},
		{"hash without dash", "data:,x", "abc", "", "hash \"abc\" is malformed"},
		{"short hash", "data:,x", "sha512-abcd", "", "128 hex digits"},
		{"bad compression", "data:,x", "", "xz", `unsupported compression "xz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Fetch(testCtx(t), Request{URL: tt.url, Hash: tt.hash, Compression: tt.compression})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
