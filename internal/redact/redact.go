// Package redact is Kindling's one URL redactor. URLs in configs can carry
// secrets (user:password@, a pre-signed query, a whole data: URL); every
// message that may name one goes through here. It has no dependencies
// beyond the standard library, so any package, config included, can use it.
package redact

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// URL returns a form of a URL that is safe to print: userinfo
// (user:password@), the query (pre-signed URLs carry their signature there)
// and the fragment are dropped, and a data: URL, whose body may be a secret
// and megabytes long, becomes "data: URL".
func URL(raw string) string {
	if len(raw) >= 5 && strings.EqualFold(raw[:5], "data:") {
		return "data: URL"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.Opaque != "" {
		// arn:aws:s3:::bucket/key and the like: nothing secret can hide in
		// an opaque URL but a query.
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
		return u.String()
	}
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// urlInText finds URLs inside free text: scheme://… up to whitespace or a
// quote, and data: URLs.
var urlInText = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+|\bdata:[^\s"'<>]+`)

// Text redacts every URL found in s.
func Text(s string) string {
	return urlInText.ReplaceAllStringFunc(s, URL)
}

// redactedError carries an error whose text has every URL redacted, while
// errors.Is and errors.As still see the original chain.
type redactedError struct{ err error }

func (e *redactedError) Error() string { return Text(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// Error returns err with every URL in its message redacted, the URLs
// of *url.Error values in its chain included (net/http only masks the
// password of those, not the query). nil stays nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	if _, done := err.(*redactedError); done {
		return err
	}
	URLErrors(err)
	return &redactedError{err}
}

// URLErrors redacts, in place, the URL of every *url.Error in err's
// chain. Called where such errors are born, before any wrapping formats
// their text into a message of its own.
func URLErrors(err error) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ue, ok := e.(*url.Error); ok {
			ue.URL = URL(ue.URL)
		}
	}
}
