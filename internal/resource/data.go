package resource

import (
	"fmt"

	"github.com/vincent-petithory/dataurl"
)

// decodeDataURL decodes an RFC 2397 URL, data:[<mediatype>][;base64],<data>,
// with the same library Ignition uses, so that exactly the data URLs it
// accepts are accepted here and decode to the same bytes (";BASE64" in any
// case, quoted parameters, its rules on padding and stray characters).
// The media type is not needed to write a file, so it is ignored.
func decodeDataURL(raw string) ([]byte, error) {
	du, err := dataurl.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid data URL: %w", err)
	}
	return du.Data, nil
}
