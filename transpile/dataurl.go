package transpile

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"sync"
)

// dataURL encodes contents as the shortest of three data URLs, choosing as
// Butane does so that switching tools never changes a config: percent
// encoding, base64, or (when compress) gzip then base64, which must beat
// the others by more than the length of the "gzip" it adds to the config.
// It returns the URL and whether it is gzip-compressed.
func dataURL(data []byte, compress bool) (string, bool) {
	best := "," + percentEncode(data)
	if b64 := ";base64," + base64.StdEncoding.EncodeToString(data); len(b64) < len(best) {
		best = b64
	}
	// A gzip stream is at least 20 bytes, ";base64," and 28 characters:
	// with the 4 of "gzip" it cannot beat 40 characters, so skip the work.
	if compress && len(best) > 40 {
		if gz := ";base64," + base64.StdEncoding.EncodeToString(gzipBytes(data)); len(gz)+len("gzip") < len(best) {
			return "data:" + gz, true
		}
	}
	return "data:" + best, false
}

// gzipWriters reuses compressors: allocating one costs far more than
// compressing a typical config file.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return zw
}}

func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(data)
	zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// percentEncode keeps the unreserved characters of RFC 2396 and escapes
// every other byte as %XX (upper-case hex), the encoding data URLs from
// Butane carry.
func percentEncode(data []byte) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(data))
	for _, c := range data {
		if keepPlain(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func keepPlain(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()", c) >= 0
}
