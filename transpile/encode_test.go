package transpile

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/vincent-petithory/dataurl"
)

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

// TestEscapedLenMatchesLibrary: the length the choice uses is the length of
// what the library then writes, for every byte and for mixed text.
func TestEscapedLenMatchesLibrary(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	for _, in := range [][]byte{all, []byte("key = value # ü\n"), nil} {
		if got, want := escapedLen(in), len(dataurl.Escape(in)); got != want {
			t.Errorf("escapedLen(%q) = %d, the library writes %d", in, got, want)
		}
	}
}

// TestDataURLTieGoesToPercent: the shorter form wins, and when percent
// encoding and base64 are the same length Butane keeps the percent form.
func TestDataURLTieGoesToPercent(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"\n\n\n", "data:,%0A%0A%0A"},                     // 10 against 12
		{"\n\n\n\n\n\n", "data:;base64,CgoKCgoK"},         // 19 against 16
		{"abcd\n\n\n\n\n", "data:,abcd%0A%0A%0A%0A%0A"},   // 20 against 20
		{"abcde\n\n\n\n\n", "data:,abcde%0A%0A%0A%0A%0A"}, // 21 against 24
	} {
		got, _ := dataURL([]byte(c.in), false)
		if got != c.want {
			t.Errorf("dataURL(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
