// Package resource fetches everything a config references (child configs,
// CA bundles, file contents, LUKS key files) through one Fetcher: every URL
// scheme, retries with backoff, headers, custom CAs, proxies, timeouts, and
// hash verification and decompression while streaming.
package resource

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// Errors callers can test with errors.Is.
var (
	// ErrNotFound: the resource does not exist (HTTP 404, missing object).
	ErrNotFound = errors.New("resource not found")
	// ErrNeedsNetwork: the fetcher is offline and the URL needs the network.
	ErrNeedsNetwork = errors.New("resource needs the network")
	// ErrHashMismatch: the fetched bytes do not match the expected hash.
	ErrHashMismatch = errors.New("hash mismatch")
)

// Options configure a Fetcher; they come from the config's ignition section
// (see FromConfig) and from the platform.
type Options struct {
	Offline             bool          // only data: URLs; others return ErrNeedsNetwork
	HTTPResponseHeaders time.Duration // 0: default 10 s
	HTTPTotal           time.Duration // 0: no limit besides the context
	CABundles           [][]byte      // extra PEM roots besides the system ones
	HTTPProxy           string
	HTTPSProxy          string
	NoProxy             []string
	// RetryCodes are extra HTTP status codes a platform wants retried
	// (5xx and connection errors always are).
	RetryCodes []int
}

// Request is one resource to fetch.
type Request struct {
	URL         string
	Headers     http.Header
	Hash        string // "sha512-HEX" or "sha256-HEX"; empty for none
	Compression string // "" or "gzip"
}

// Fetcher fetches resources. Safe for concurrent use.
type Fetcher struct {
	opts Options
}

// New returns a Fetcher with the given options.
func New(opts Options) *Fetcher { return &Fetcher{opts: opts} }

// Fetch returns the whole (decompressed, verified) resource.
func (f *Fetcher) Fetch(ctx context.Context, req Request) ([]byte, error) {
	panic("not implemented")
}

// FetchTo streams the (decompressed) resource to w, verifying the hash as it
// goes. On a hash mismatch it returns ErrHashMismatch after writing; callers
// that write files write to a temporary file and rename only on success.
func (f *Fetcher) FetchTo(ctx context.Context, req Request, w io.Writer) error {
	panic("not implemented")
}
