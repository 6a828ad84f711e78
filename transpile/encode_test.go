package transpile

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"testing"
)

func TestUnitEscape(t *testing.T) {
	for in, want := range map[string]string{
		"/":                       "-",
		"/var/lib/data":           "var-lib-data",
		"/var/lib/data/":          "var-lib-data",
		"/dev/disk/by-label/swap": `dev-disk-by\x2dlabel-swap`,
		"/srv/my dir":             `srv-my\x20dir`,
		"/.hidden":                `\x2ehidden`,
	} {
		if got := unitEscape(in); got != want {
			t.Errorf("unitEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

// decodeDataURL reverses dataURL, so each case checks a round trip.
func decodeDataURL(t *testing.T, u string, gz bool) []byte {
	t.Helper()
	var data []byte
	if rest, ok := strings.CutPrefix(u, "data:;base64,"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			t.Fatal(err)
		}
		data = b
	} else {
		s, err := url.PathUnescape(strings.TrimPrefix(u, "data:,"))
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(s)
	}
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		data, _ = io.ReadAll(zr)
	}
	return data
}

func TestDataURL(t *testing.T) {
	cases := []struct {
		name, in, prefix string
		mayCompress, gz  bool
	}{
		{"plain", "hello world", "data:,hello%20world", true, false},
		{"empty", "", "data:,", true, false},
		{"binary is base64", "\x00\x01\x02\xff\xfe\xfd\x80\x81", "data:;base64,", true, false},
		{"repetitive is gzip", strings.Repeat("abc def\n", 500), "data:;base64,H4sI", true, true},
		{"no gzip where not allowed", strings.Repeat("abc def\n", 500), "data:;base64,YWJj", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, gz := dataURL([]byte(c.in), c.mayCompress)
			if gz != c.gz || !strings.HasPrefix(u, c.prefix) {
				t.Errorf("dataURL = %.40q gz=%v, want prefix %q gz=%v", u, gz, c.prefix, c.gz)
			}
			if back := decodeDataURL(t, u, gz); string(back) != c.in {
				t.Errorf("round trip changed the contents")
			}
		})
	}
}
