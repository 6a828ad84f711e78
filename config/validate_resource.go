package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/vincent-petithory/dataurl"

	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/s3arn"
)

// hashForm is the expected form of verification.hash, for messages:
// "sha512-<128 hex digits> or, from spec 3.1.0, sha256-<64 hex digits>".
var hashForm = func() string {
	var forms []string
	for _, t := range hashTypes.Values {
		form := fmt.Sprintf("%s-<%d hex digits>", t.Value, 2*hashSizes[t.Value])
		if V3_0.Less(t.Since) {
			form = fmt.Sprintf("from spec %s, %s", t.Since, form)
		}
		forms = append(forms, form)
	}
	return strings.Join(forms, " or, ")
}()

// hashSizes maps each hash type to its digest size in bytes; which
// versions accept it is in valueSince.
var hashSizes = map[string]int{
	"sha512": 64,
	"sha256": 32,
}

// The per-version values of sources and hashes (see valueSince).
var (
	sourceSchemes = mustValues("Resource.source")
	hashTypes     = mustValues("Verification.hash")
)

// resource checks one fetched resource (source URL and its scheme for the
// config's version, data URL syntax, compression, hash, HTTP headers).
// what names the resource in messages ("file contents", "key file", ...).
func (v *validator) resource(r *Resource, path report.Path, what string) {
	if r.Source == nil {
		v.sourcelessResource(r, path, what)
	} else {
		v.source(*r.Source, path.Append("source"), what)
	}
	v.compression(r.Compression, path.Append("compression"), what)
	if r.Verification.Hash != nil {
		v.hash(*r.Verification.Hash, path.Append("verification", "hash"), what)
	}
	v.httpHeaders(r.HTTPHeaders, r.Source, path.Append("httpHeaders"), what)
}

// requiredSource checks a resource that must have a source (a config to
// merge, a certificate authority): present and not empty.
func (v *validator) requiredSource(r *Resource, path report.Path, what string) {
	if r.Source == nil || *r.Source == "" {
		v.errorf(path.Append("source"), "%s needs a source URL", what)
	}
}

// sourcelessResource reports settings that only make sense with a source.
// A missing source is valid in itself (an empty file, no key file).
func (v *validator) sourcelessResource(r *Resource, path report.Path, what string) {
	if r.Verification.Hash != nil {
		v.errorf(path.Append("verification", "hash"), "%s has a hash but no source to verify; set source or remove verification", what)
	}
	if r.Compression != nil && *r.Compression != "" {
		v.warnf(path.Append("compression"), "%s has compression %q but no source; it is ignored", what, *r.Compression)
	}
}

// source checks a source URL and returns its scheme (as url.Parse gives
// it, lower case), or "" when it is empty or not usable. What the spec
// rejects is an error; a URL the spec accepts that cannot be fetched as
// written (no host, no object) is a warning that says so.
func (v *validator) source(src string, path report.Path, what string) string {
	if src == "" {
		// The spec allows an empty URL and reads it as empty contents.
		return ""
	}
	u, err := url.Parse(src)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		v.errorf(path, "%s source is not a valid URL: %v", what, err)
		return ""
	}
	scheme := u.Scheme
	since, known := sourceSchemes.Since(scheme)
	switch {
	case scheme == "":
		v.errorf(path, "%s source %q has no URL scheme; expected one of %s", what, src, v.schemeList())
		return ""
	case !known:
		v.errorf(path, "%s source has unsupported scheme %q; expected one of %s", what, u.Scheme, v.schemeList())
		return ""
	case v.version.Less(since):
		v.errorf(path, "%s source scheme %q is supported from spec %s; this config is spec %s", what, scheme, since, v.version)
		return ""
	}
	if err := specSchemeURL(scheme, src, u); err != nil {
		v.errorf(path, "%s source: %v", what, err)
		return ""
	}
	if err := checkSchemeURL(scheme, src, u); err != nil {
		v.warnf(path, "%s source: %v; fetching it will fail", what, err)
	}
	return scheme
}

// schemeList names the schemes the config's version accepts, for messages.
func (v *validator) schemeList() string {
	return strings.Join(sourceSchemes.In(v.version), ", ")
}

// specSchemeURL applies what the spec requires of each scheme: an S3
// versionId, when given, is not empty; an ARN names an S3 object; a data
// URL decodes.
func specSchemeURL(scheme, src string, u *url.URL) error {
	switch scheme {
	case "s3", "arn":
		if scheme == "arn" {
			if err := s3arn.Valid("arn:" + u.Opaque); err != nil {
				return err
			}
		}
		if vals, ok := u.Query()["versionId"]; ok && (len(vals) == 0 || vals[0] == "") {
			return fmt.Errorf("S3 versionId is empty")
		}
	case "data":
		if _, err := dataurl.DecodeString(src); err != nil {
			return fmt.Errorf("data URL does not decode: %v", err)
		}
	}
	return nil
}

// checkSchemeURL says what a URL the spec accepts lacks to be fetched.
func checkSchemeURL(scheme, src string, u *url.URL) error {
	switch scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%s URL %q has no host (expected %s://HOST/PATH)", scheme, src, scheme)
		}
	case "tftp":
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return fmt.Errorf("tftp URL %q has no host or no file path (expected tftp://HOST/PATH)", src)
		}
	case "s3":
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return fmt.Errorf("s3 URL %q needs a bucket and a key (expected s3://BUCKET/KEY)", src)
		}
	case "gs":
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return fmt.Errorf("gs URL %q needs a bucket and an object (expected gs://BUCKET/OBJECT)", src)
		}
	case "arn":
		// What the fetcher cannot read: no bucket and key, an access point
		// without its object part, a partition it has no endpoints for.
		_, err := s3arn.Parse("arn:" + u.Opaque)
		return err
	}
	// A data URL the spec accepts (dataurl.DecodeString) the fetcher
	// reads with the same library.
	return nil
}

// compression checks the compression type.
func (v *validator) compression(c *string, path report.Path, what string) {
	if c == nil {
		return
	}
	switch *c {
	case "", "gzip":
	default:
		v.errorf(path, "%s: unsupported compression %q; expected \"gzip\" or none", what, *c)
	}
}

// hash checks verification.hash, including whether the config's version
// knows the hash type. The spec checks the type and the length of the
// digest; a digest that is not hexadecimal can never match, which is a
// warning.
func (v *validator) hash(h string, path report.Path, what string) {
	algo, digest, ok := strings.Cut(h, "-")
	if !ok {
		v.errorf(path, "%s: hash %q is malformed: expected %s", what, h, hashForm)
		return
	}
	since, known := hashTypes.Since(algo)
	size := hashSizes[algo]
	switch {
	case !known:
		v.errorf(path, "%s: hash type %q is not supported: expected %s", what, algo, hashForm)
	case v.version.Less(since):
		v.errorf(path, "%s: %s hashes are supported from spec %s; this config is spec %s (use sha512-<128 hex digits>)", what, algo, since, v.version)
	case len(digest) != 2*size:
		v.errorf(path, "%s: %s hash has %d hex digits, want %d: expected %s", what, algo, len(digest), 2*size, hashForm)
	default:
		if _, _, err := ParseHash(h); err != nil {
			v.warnf(path, "%s: %v; no content can match it, so fetching it will fail", what, err)
		}
	}
}

// ParseHash reads a verification hash "TYPE-HEX" (sha512 or sha256) and
// returns the type and the digest bytes. It does not know spec versions.
func ParseHash(h string) (algo string, sum []byte, err error) {
	algo, digest, ok := strings.Cut(h, "-")
	if !ok {
		return "", nil, fmt.Errorf("hash %q is malformed: expected %s", h, hashForm)
	}
	size, known := hashSizes[algo]
	if !known {
		return "", nil, fmt.Errorf("hash type %q is not supported: expected %s", algo, hashForm)
	}
	if len(digest) != 2*size {
		return "", nil, fmt.Errorf("%s hash has %d hex digits, want %d: expected %s", algo, len(digest), 2*size, hashForm)
	}
	sum, err = hex.DecodeString(digest)
	if err != nil {
		return "", nil, fmt.Errorf("%s hash is not hexadecimal (%v): expected %s", algo, err, hashForm)
	}
	return algo, sum, nil
}

// httpHeaders checks custom headers. The spec requires a name, a non-empty
// value when one is given, names unique as written, and an http(s) source.
// Names HTTP would treat as the same, and names or values Go's HTTP client
// refuses to send, are warnings.
func (v *validator) httpHeaders(headers []HTTPHeader, src *string, path report.Path, what string) {
	if len(headers) == 0 {
		return
	}
	switch scheme := headerScheme(src); {
	case src == nil || *src == "":
		v.errorf(path, "%s has httpHeaders but no source; headers are only sent to http or https sources", what)
	case scheme != "http" && scheme != "https":
		v.errorf(path, "%s has httpHeaders but its source is not an http or https URL; headers are only allowed with http or https sources", what)
	}
	seen := map[string]int{}
	folded := map[string]int{}
	for i, h := range headers {
		p := path.Append(i)
		if j, dup := seen[h.Name]; dup {
			v.errorf(p.Append("name"), "%s: duplicate HTTP header %q (also httpHeaders.%d)", what, h.Name, j)
		} else {
			seen[h.Name] = i
		}
		if h.Value != nil && *h.Value == "" {
			v.errorf(p.Append("value"), "%s: value of HTTP header %q is empty; give a value or leave the header out", what, h.Name)
		}
		if h.Name == "" {
			v.errorf(p.Append("name"), "%s: HTTP header name is required", what)
			continue
		}
		key := strings.ToLower(h.Name)
		if j, dup := folded[key]; dup && headers[j].Name != h.Name {
			v.warnf(p.Append("name"), "%s: HTTP header %q is the same header as %q (httpHeaders.%d); both values are sent", what, h.Name, headers[j].Name, j)
		}
		folded[key] = i
		if !isHTTPToken(h.Name) {
			v.warnf(p.Append("name"), "%s: HTTP header name %q has characters other than letters, digits and !#$%%&'*+-.^_`|~; the HTTP client refuses to send it and the fetch will fail", what, h.Name)
		}
		if h.Value != nil && strings.ContainsAny(*h.Value, "\r\n\x00") {
			v.warnf(p.Append("value"), "%s: value of HTTP header %q contains a line break or NUL; the HTTP client refuses to send it and the fetch will fail", what, h.Name)
		}
	}
}

// headerScheme is the scheme of a source for the header rule, "" when it
// does not parse.
func headerScheme(src *string) string {
	if src == nil {
		return ""
	}
	u, err := url.Parse(*src)
	if err != nil {
		return ""
	}
	return u.Scheme
}

// isHTTPToken reports whether s is an RFC 9110 token, the syntax of a header
// field name.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
