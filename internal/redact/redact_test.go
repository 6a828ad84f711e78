package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://u:p@host:8443/a/b?X-Amz-Signature=s#frag": "https://host:8443/a/b",
		"http://host/path":                    "http://host/path",
		"data:,secret":                        "data: URL",
		"DATA:;base64,c2VjcmV0":               "data: URL",
		"s3://bucket/key?versionId=v":         "s3://bucket/key",
		"tftp://user@host/file":               "tftp://host/file",
		"arn:aws:s3:::bucket/key?versionId=v": "arn:aws:s3:::bucket/key",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	text := `Get "http://u:p@h/x?sig=1": EOF; then https://a:b@c/d?e=f, data:,hidden`
	got := Text(text)
	for _, bad := range []string{"u:p", "sig=1", "a:b", "e=f", "hidden"} {
		if strings.Contains(got, bad) {
			t.Errorf("Text kept %q: %s", bad, got)
		}
	}
}

// TestTextKeepsURLBeforePunctuation: a URL that a colon or full stop
// follows stays readable (it used to be lost as unparsable).
func TestTextKeepsURLBeforePunctuation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"fetching https://127.0.0.1:43741: EOF":        "fetching https://127.0.0.1:43741: EOF",
		"fetching https://u:p@h:1/x?s=1: EOF":          "fetching https://h:1/x: EOF",
		"see http://host/path.":                        "see http://host/path.",
		"(from tftp://host/file), retrying":            "(from tftp://host/file), retrying",
		`Get "http://h/x?sig=2": connection refused`:   `Get "http://h/x": connection refused`,
		"s3://bucket/key?versionId=v; gs://b/o?x=y.":   "s3://bucket/key; gs://b/o.",
		"http://[::1]:8080/x: no route":                "http://[::1]:8080/x: no route",
		"http://[::1: bad":                             "(unparsable URL): bad",
		"fetching http://h/a,b:c: refused":             "fetching http://h/a,b:c: refused",
		"nothing here: just text, and data. No URLs.":  "nothing here: just text, and data. No URLs.",
		"ends with a URL and a bracket [http://h/p?q]": "ends with a URL and a bracket [http://h/p]",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestError: the text of the returned error and of a *url.Error in its
// chain are redacted; errors.Is still sees the chain.
func TestError(t *testing.T) {
	t.Parallel()
	sentinel := errors.New("sentinel")
	ue := &url.Error{Op: "Get", URL: "https://u:pw@h/p?sig=s", Err: sentinel}
	err := Error(fmt.Errorf("fetching https://u:pw@h/p?sig=s: %w", ue))
	if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "sig=") {
		t.Errorf("not redacted: %v", err)
	}
	if ue.URL != "https://h/p" {
		t.Errorf("*url.Error URL = %q", ue.URL)
	}
	if !errors.Is(err, sentinel) {
		t.Error("errors.Is lost the chain")
	}
	if Error(err) != err || Error(nil) != nil {
		t.Error("Error is not idempotent or maps nil to non-nil")
	}
}
