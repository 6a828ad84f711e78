package resource

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// decodeDataURL decodes an RFC 2397 URL: data:[<mediatype>][;base64],<data>.
// The media type is not needed to write a file, so it is ignored.
func decodeDataURL(raw string) ([]byte, error) {
	rest, ok := strings.CutPrefix(raw, "data:")
	if !ok {
		return nil, fmt.Errorf("not a data URL")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fmt.Errorf("data URL has no comma before its data")
	}
	isBase64 := strings.HasSuffix(meta, ";base64")
	text, err := url.PathUnescape(payload)
	if err != nil {
		return nil, fmt.Errorf("data URL: bad percent-encoding: %w", err)
	}
	if !isBase64 {
		return []byte(text), nil
	}
	// Whitespace and missing padding are common in hand-written URLs.
	text = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, text)
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
	}
	if err != nil {
		return nil, fmt.Errorf("data URL: bad base64: %w", err)
	}
	return data, nil
}
