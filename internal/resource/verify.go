package resource

import (
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/kindling-dev/kindling/config"
)

// verifier hashes the decompressed bytes as they stream past.
type verifier struct {
	algo     string
	expected string
	h        hash.Hash // nil: no verification asked
}

func newVerifier(spec string) (*verifier, error) {
	if spec == "" {
		return &verifier{}, nil
	}
	// The validator's own reader of the form, so what validates verifies.
	algo, sum, err := config.ParseHash(spec)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashFuncs[algo]
	if !ok {
		return nil, fmt.Errorf("hash type %q has no implementation here", algo)
	}
	return &verifier{algo: algo, expected: hex.EncodeToString(sum), h: newHash()}, nil
}

// hashFuncs implements each hash type the spec names. Fixed, only read.
var hashFuncs = map[string]func() hash.Hash{"sha256": sha256.New, "sha512": sha512.New}

func (v *verifier) reset() {
	if v.h != nil {
		v.h.Reset()
	}
}

func (v *verifier) check() error {
	if v.h == nil {
		return nil
	}
	actual := hex.EncodeToString(v.h.Sum(nil))
	if actual != v.expected {
		return fmt.Errorf("%w: expected %s-%s, got %s-%s", ErrHashMismatch, v.algo, v.expected, v.algo, actual)
	}
	return nil
}

// copyDecoded decompresses body if asked and copies it to w, feeding the
// hash on the way. Decompression errors are permanent: the bytes arrived but
// are not what the config says.
// copyBuffers recycles the copy buffers: the files stage fetches thousands
// of small resources, and a fresh 256 KiB buffer for each dominated its time.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 256<<10)
	return &b
}}

func copyDecoded(w io.Writer, v *verifier, body io.Reader, compression string) error {
	src := body
	if compression == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return gzipError(err)
		}
		defer zr.Close()
		src = zr
	}
	dst := w
	if v.h != nil {
		dst = io.MultiWriter(w, v.h)
	}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, err := io.CopyBuffer(dst, src, *buf)
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	if err != nil && compression == "gzip" {
		return gzipError(err)
	}
	return err
}

// gzipError classifies errors out of the gzip reader: corrupt data is
// permanent, while a transport error underneath (reset, EOF too early) is
// retried like any cut transfer.
func gzipError(err error) error {
	if err == gzip.ErrHeader || err == gzip.ErrChecksum {
		return permanent(fmt.Errorf("gzip decompression: %w", err))
	}
	return fmt.Errorf("reading gzip stream: %w", err)
}
