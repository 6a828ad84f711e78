// Package resource fetches everything a config references (child configs,
// CA bundles, file contents, LUKS key files) through one Fetcher: every URL
// scheme, retries with backoff, headers, custom CAs, proxies, timeouts, and
// hash verification and decompression while streaming.
package resource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kindling-dev/kindling/internal/redact"
)

// Errors callers can test with errors.Is.
var (
	// ErrNotFound: the resource does not exist (HTTP 404, missing object).
	ErrNotFound = errors.New("resource not found")
	// ErrNeedsNetwork: the fetcher is offline and the URL needs the network.
	ErrNeedsNetwork = errors.New("resource needs the network")
	// ErrHashMismatch: the fetched bytes do not match the expected hash.
	ErrHashMismatch = errors.New("hash mismatch")
	// ErrTooLarge: the resource is larger than the request's MaxSize.
	ErrTooLarge = errors.New("resource too large")
)

// Default and bounds of the retry schedule.
const (
	DefaultHTTPResponseHeaders = 10 * time.Second
	// DefaultIdleRead is how long a response body may send nothing before
	// the attempt is abandoned (and retried): without it a server that
	// sends headers and then stalls would hang a fetch without httpTotal
	// forever.
	DefaultIdleRead = 30 * time.Second
	// MaxConfigSize bounds every config-sized fetch: a config (user,
	// merged or replacing), a CA bundle, provider user data. It applies to
	// the bytes after decompression, so a small gzip bomb cannot get past.
	MaxConfigSize = 32 << 20
	firstBackoff  = 200 * time.Millisecond
	maxBackoff    = 5 * time.Second
)

// Options configure a Fetcher; they come from the config's ignition section
// (see OptionsFromConfig) and from the platform.
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

	// S3Endpoint, when set (e.g. "http://127.0.0.1:9000"), sends every s3:
	// and arn: request there path-style instead of to AWS; used by tests
	// and S3-compatible stores.
	S3Endpoint string
	// AWSMetadataEndpoint replaces the EC2 instance metadata service
	// (http://169.254.169.254) asked for instance-role credentials.
	AWSMetadataEndpoint string
	// GCSEndpoint replaces https://storage.googleapis.com for gs: URLs.
	GCSEndpoint string
	// MaxAttempts bounds the attempts per fetch (0: bounded only by time).
	MaxAttempts int
	// IdleRead bounds the silence inside one response body (0: DefaultIdleRead).
	IdleRead time.Duration
}

// Request is one resource to fetch.
type Request struct {
	URL         string
	Headers     http.Header
	Hash        string // "sha512-HEX" or "sha256-HEX"; empty for none
	Compression string // "" or "gzip"
	// MaxSize, when positive, bounds the bytes written (after
	// decompression); more fails with ErrTooLarge, naming LimitName.
	MaxSize   int64
	LimitName string
}

// ConfigSized returns req held to MaxConfigSize, for a fetch whose result
// is kept in memory as a config (or a CA bundle).
func (req Request) ConfigSized() Request {
	req.MaxSize = MaxConfigSize
	req.LimitName = fmt.Sprintf("resource.MaxConfigSize, %d MiB", MaxConfigSize>>20)
	return req
}

// Fetcher fetches resources. Safe for concurrent use.
type Fetcher struct {
	opts Options

	clientOnce sync.Once
	client     *http.Client
	clientErr  error

	awsOnce sync.Once
	aws     *awsCreds // nil: anonymous
}

// New returns a Fetcher with the given options.
func New(opts Options) *Fetcher { return &Fetcher{opts: opts} }

// Fetch returns the whole (decompressed, verified) resource.
func (f *Fetcher) Fetch(ctx context.Context, req Request) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.FetchTo(ctx, req, &buf); err != nil {
		return nil, err
	}
	if buf.Len() == 0 {
		return []byte{}, nil
	}
	return buf.Bytes(), nil
}

// FetchTo streams the (decompressed) resource to w, verifying the hash as it
// goes. On a hash mismatch it returns ErrHashMismatch after writing; callers
// that write files write to a temporary file and rename only on success.
//
// A transfer cut in the middle is retried from the start. Before a retry the
// bytes already written must be undone: a *bytes.Buffer is truncated back
// to its length before the attempt; a Resetter is Reset; an io.Seeker (an
// *os.File, say) is rewound to where it started and, when it has a
// Truncate(int64) error method, truncated there.
// If w can be neither rewound nor reset and bytes were already written,
// the fetch fails instead of writing a corrupted mixture. Nothing is ever
// buffered in memory beyond a copy buffer, so memory stays bounded.
func (f *Fetcher) FetchTo(ctx context.Context, req Request, w io.Writer) error {
	// One prefix, one redaction: callers add the config path, not the URL.
	if err := f.fetchTo(ctx, req, w); err != nil {
		return redact.Error(fmt.Errorf("fetching %s: %w", redact.URL(req.URL), err))
	}
	return nil
}

func (f *Fetcher) fetchTo(ctx context.Context, req Request, w io.Writer) error {
	u, err := url.Parse(req.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL is the unredacted input
		}
		return fmt.Errorf("invalid URL: %w", err)
	}
	v, err := newVerifier(req.Hash)
	if err != nil {
		return err
	}
	if req.Compression != "" && req.Compression != "gzip" {
		return fmt.Errorf("unsupported compression %q", req.Compression)
	}
	if u.Scheme != "data" && f.opts.Offline {
		return fmt.Errorf("%w (offline, only data: URLs can be fetched)", ErrNeedsNetwork)
	}
	if f.opts.HTTPTotal > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.opts.HTTPTotal)
		defer cancel()
	}
	sink, err := newRewindable(w)
	if err != nil {
		return err
	}
	open, err := f.opener(u, req)
	if err != nil {
		return err
	}
	err = f.retry(ctx, sink, func(ctx context.Context) error {
		body, err := open(ctx)
		if err != nil {
			return err
		}
		defer body.Close()
		v.reset()
		err = copyDecoded(limitWriter(sink, req), v, body, req.Compression)
		if err != nil && u.Scheme == "data" {
			// In-memory bytes: trying again cannot change anything.
			err = permanent(err)
		}
		return err
	})
	if err != nil {
		return err
	}
	return v.check()
}

// opener returns a function that opens one attempt's body stream.
type openFunc func(ctx context.Context) (io.ReadCloser, error)

func (f *Fetcher) opener(u *url.URL, req Request) (openFunc, error) {
	switch u.Scheme {
	case "data":
		data, err := decodeDataURL(req.URL)
		if err != nil {
			return nil, err
		}
		return func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, nil
	case "http", "https":
		return func(ctx context.Context) (io.ReadCloser, error) {
			return f.httpGet(ctx, req.URL, req.Headers)
		}, nil
	case "tftp":
		return func(ctx context.Context) (io.ReadCloser, error) { return f.tftpGet(ctx, u) }, nil
	case "s3", "arn":
		loc, err := parseS3(u, req.URL)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (io.ReadCloser, error) { return f.s3Get(ctx, loc) }, nil
	case "gs":
		if u.Host == "" || len(u.Path) < 2 {
			return nil, fmt.Errorf("gs URL needs a bucket and an object: gs://BUCKET/OBJECT")
		}
		return func(ctx context.Context) (io.ReadCloser, error) { return f.gsGet(ctx, u) }, nil
	case "":
		return nil, fmt.Errorf("URL has no scheme")
	default:
		return nil, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
}

// permanentError marks a failure retrying cannot fix.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

func permanent(err error) error { return &permanentError{err} }

// retry runs attempt until it succeeds, fails permanently, the context ends
// or MaxAttempts is reached, waiting 200 ms, 400 ms, ... (at most 5 s)
// between attempts and undoing partial writes to sink before each retry.
func (f *Fetcher) retry(ctx context.Context, sink *rewindable, attempt func(context.Context) error) error {
	wait := firstBackoff
	for n := 1; ; n++ {
		err := attempt(ctx)
		if err == nil {
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) || errors.Is(err, ErrNotFound) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("giving up after %d attempt(s): %w", n, err)
		}
		if f.opts.MaxAttempts > 0 && n >= f.opts.MaxAttempts {
			return fmt.Errorf("giving up after %d attempt(s): %w", n, err)
		}
		if rerr := sink.rewind(); rerr != nil {
			return fmt.Errorf("%w; cannot retry: %v", err, rerr)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("giving up after %d attempt(s): %w", n, err)
		case <-t.C:
		}
		wait = min(wait*2, maxBackoff)
	}
}
