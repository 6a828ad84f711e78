package transpile

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"sync"
)

// dataURL encodes contents as the shortest of three data URLs: plain
// percent-encoding, base64, or gzip then base64 (only when the field may be
// compressed). It returns the URL and whether it is gzip-compressed.
func dataURL(data []byte, mayCompress bool) (string, bool) {
	best := "data:," + percentEncode(data)
	if b64 := "data:;base64," + base64.StdEncoding.EncodeToString(data); len(b64) < len(best) {
		best = b64
	}
	// gzip adds about 20 bytes of header and trailer: tiny contents
	// cannot win, so skip the work.
	if mayCompress && len(data) > 32 {
		if gz := "data:;base64," + base64.StdEncoding.EncodeToString(gzipBytes(data)); len(gz) < len(best) {
			return gz, true
		}
	}
	return best, false
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

// percentEncode keeps unreserved characters and a few harmless delimiters
// readable and escapes everything else byte by byte.
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
	return strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}
