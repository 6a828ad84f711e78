package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
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

// TestError: the text of the returned error and of a *url.Error in its
// chain are redacted; errors.Is still sees the chain.
func TestError(t *testing.T) {
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
