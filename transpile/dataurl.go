package transpile

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"sync"

	"github.com/vincent-petithory/dataurl"
)

// dataURL encodes contents as the shortest of three data URLs, choosing as
// Butane does so that switching tools never changes a config: percent
// encoding (dataurl.Escape, Butane's own encoder, wins ties), base64, or
// (when compress) gzip then base64, which must beat the others by more
// than the length of the "gzip" it adds to the config. It returns the URL
// and whether it is gzip-compressed.
//
// Only the choice is made here. The percent form is measured before it is
// built, because the library's encoder is slow and base64 wins for most
// binary contents.
func dataURL(data []byte, compress bool) (string, bool) {
	const b64Prefix = ";base64,"
	pctLen := len(",") + escapedLen(data)
	bestLen := min(pctLen, len(b64Prefix)+base64.StdEncoding.EncodedLen(len(data)))
	// A gzip stream is at least 20 bytes, ";base64," and 28 characters:
	// with the 4 of "gzip" it cannot beat 40 characters, so skip the work.
	if compress && bestLen > 40 {
		if gz := b64Prefix + base64.StdEncoding.EncodeToString(gzipBytes(data)); len(gz)+len("gzip") < bestLen {
			return "data:" + gz, true
		}
	}
	if pctLen == bestLen {
		return percentDataURL(data), false
	}
	return "data:" + b64Prefix + base64.StdEncoding.EncodeToString(data), false
}

// percentDataURL is the percent-encoded data URL of data.
func percentDataURL(data []byte) string {
	return "data:," + dataurl.Escape(data)
}

// escapedLen is the length of dataurl.Escape(data), from a table of what
// the library escapes (learnt from it, not restated), without building it.
func escapedLen(data []byte) int {
	n := 0
	for _, c := range data {
		n += int(escapedWidth[c])
	}
	return n
}

// escapedWidth is the length dataurl.Escape gives each byte: 1 kept, 3
// escaped.
var escapedWidth = func() (w [256]uint8) {
	for c := range w {
		w[c] = uint8(len(dataurl.Escape([]byte{byte(c)})))
	}
	return w
}()

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
