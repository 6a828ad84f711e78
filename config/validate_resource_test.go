package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config/report"
)

// withIgnition builds a config of the given version whose ignition section
// holds extra (JSON members, may be empty) and whose top level holds rest.
func withIgnition(version Version, extra, rest string) string {
	ign := fmt.Sprintf(`"version":%q`, version.String())
	if extra != "" {
		ign += "," + extra
	}
	doc := `{"ignition":{` + ign + `}`
	if rest != "" {
		doc += "," + rest
	}
	return doc + "}"
}

// parseReport parses src and returns the report, failing the test if the
// error returned disagrees with the report.
func parseRep(t *testing.T, src string) report.Report {
	t.Helper()
	_, rep, err := Parse([]byte(src))
	if (err != nil) != rep.IsFatal() {
		t.Fatalf("Parse error %v disagrees with report:\n%s", err, rep)
	}
	return rep
}

// finding describes one expected finding: level, exact path and a message
// fragment. A zero finding means "no errors and no warnings at all".
type finding struct {
	level report.Level
	path  string
	msg   string
}

func wantErr(path, msg string) finding  { return finding{report.Error, path, msg} }
func wantWarn(path, msg string) finding { return finding{report.Warning, path, msg} }

var noFindings = finding{}

// checkFinding asserts that rep has the finding w, or is clean when w is zero.
// Warnings must never make a config invalid.
func checkFinding(t *testing.T, name string, rep report.Report, w finding) {
	t.Helper()
	if w == noFindings {
		if len(rep.Entries) != 0 {
			t.Errorf("%s: want no findings, got\n%s", name, rep)
		}
		return
	}
	for _, e := range rep.Entries {
		if e.Level == w.level && e.Path.String() == w.path && strings.Contains(e.Message, w.msg) {
			if w.level == report.Warning && rep.IsFatal() {
				t.Errorf("%s: want only the warning, but the report has errors:\n%s", name, rep)
			}
			return
		}
	}
	t.Errorf("%s: want %s at %s containing %q, got\n%s", name, w.level, w.path, w.msg, rep)
}

func vStr(s string) *string { return &s }
func vInt(i int) *int       { return &i }
func vBool(b bool) *bool    { return &b }

var (
	sha512Hex = strings.Repeat("0a", 64)
	sha256Hex = strings.Repeat("b1", 32)
)

// TestResourceRulesThroughParse runs each resource rule on a merged config
// reference, for the versions where the rule differs.
func TestResourceRulesThroughParse(t *testing.T) {
	const at = "ignition.config.merge.0"
	cases := []struct {
		name     string
		versions []Version
		resource string
		want     finding
	}{
		{"https ok", Versions, `{"source":"https://example.com/a.ign"}`, noFindings},
		{"http ok", Versions, `{"source":"http://example.com/a.ign"}`, noFindings},
		{"tftp ok", Versions, `{"source":"tftp://10.0.0.1/a.ign"}`, noFindings},
		{"s3 ok", Versions, `{"source":"s3://bucket/key/a.ign"}`, noFindings},
		{"data ok", Versions, `{"source":"data:,%7B%7D"}`, noFindings},
		{"data base64 ok", Versions, `{"source":"data:application/json;base64,e30="}`, noFindings},
		{"unparsable", Versions, `{"source":"http://[::1"}`, wantErr(at+".source", "not a valid URL")},
		{"no scheme", Versions, `{"source":"example.com/a.ign"}`, wantErr(at+".source", "no URL scheme")},
		{"empty source", Versions[1:], `{"source":""}`, wantErr(at+".source", "config to merge needs a source URL")},
		{"upper case scheme", Versions, `{"source":"HTTPS://example.com/a.ign"}`, noFindings},
		{"upper case data", Versions, `{"source":"DATA:,x"}`, wantErr(at+".source", "data URL does not decode")},
		{"http without slashes", Versions, `{"source":"http:example.com/a.ign"}`, wantWarn(at+".source", "has no host")},
		{"s3 empty version", Versions, `{"source":"s3://b/k?versionId="}`, wantErr(at+".source", "versionId is empty")},
		{"ftp", Versions, `{"source":"ftp://example.com/a"}`, wantErr(at+".source", `unsupported scheme "ftp"`)},
		{"http no host", Versions, `{"source":"http:///a.ign"}`, wantWarn(at+".source", "has no host")},
		{"tftp no host", Versions, `{"source":"tftp:///a.ign"}`, wantWarn(at+".source", "tftp URL")},
		{"s3 no key", Versions, `{"source":"s3://bucket"}`, wantWarn(at+".source", "bucket and a key")},
		{"s3 no bucket", Versions, `{"source":"s3:///key"}`, wantWarn(at+".source", "needs a bucket and a key")},
		{"gs before 3.2", []Version{V3_0, V3_1}, `{"source":"gs://bucket/object"}`, wantErr(at+".source", "supported from spec 3.2.0")},
		{"gs from 3.2", []Version{V3_2, V3_3, V3_4, V3_5, V3_6}, `{"source":"gs://bucket/object"}`, noFindings},
		{"gs no object", []Version{V3_2, V3_6}, `{"source":"gs://bucket/"}`, wantWarn(at+".source", "gs://BUCKET/OBJECT")},
		{"arn before 3.4", []Version{V3_0, V3_3}, `{"source":"arn:aws:s3:::bucket/key"}`, wantErr(at+".source", "supported from spec 3.4.0")},
		{"arn object", []Version{V3_4, V3_5, V3_6}, `{"source":"arn:aws:s3:::bucket/key"}`, noFindings},
		{"arn access point", []Version{V3_4, V3_6}, `{"source":"arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/dir/key?versionId=3"}`, noFindings},
		{"arn bucket only", []Version{V3_4, V3_6}, `{"source":"arn:aws:s3:::bucket"}`, wantErr(at+".source", "does not name an object")},
		{"arn access point no object", []Version{V3_6}, `{"source":"arn:aws:s3:us-west-2:123456789012:accesspoint/ap"}`, wantErr(at+".source", "does not name an object")},
		{"arn access point without object part", []Version{V3_6}, `{"source":"arn:aws:s3:us-west-2:123456789012:accesspoint/ap/key"}`, wantWarn(at+".source", "access point ARN")},
		{"arn other service", []Version{V3_6}, `{"source":"arn:aws:iam::123456789012:user/x"}`, wantErr(at+".source", `service "iam"`)},
		{"arn malformed", []Version{V3_6}, `{"source":"arn:aws:s3"}`, wantErr(at+".source", "malformed")},
		// The spec accepts any partition; the fetcher knows five.
		{"arn unknown partition", []Version{V3_4, V3_6}, `{"source":"arn:aws-eusc:s3:::bucket/key"}`, wantWarn(at+".source", `partition "aws-eusc" is not one of`)},
		{"arn empty partition", []Version{V3_6}, `{"source":"arn::s3:::bucket/key"}`, wantWarn(at+".source", `partition "" is not one of`)},
		{"arn access point out of partition", []Version{V3_6}, `{"source":"arn:aws-cn:s3:us-east-1:1:accesspoint/ap/object/k"}`, wantWarn(at+".source", "not in partition")},
		// The spec's library decides, and the fetcher decodes with it.
		{"data upper-case base64", Versions, `{"source":"data:;BASE64,aGk="}`, wantErr(at+".source", "expected base64, got BASE64")},
		{"data quoted parameter", Versions, `{"source":"data:text/plain;charset=\"utf-8\",x"}`, noFindings},
		{"data no comma", Versions, `{"source":"data:text/plain"}`, wantErr(at+".source", "data URL does not decode")},
		{"data bad base64", Versions, `{"source":"data:;base64,e30*"}`, wantErr(at+".source", "data URL does not decode")},
		{"sha512 ok", Versions, `{"source":"https://e.com/a","verification":{"hash":"sha512-` + sha512Hex + `"}}`, noFindings},
		{"sha256 before 3.1", []Version{V3_0}, `{"source":"https://e.com/a","verification":{"hash":"sha256-` + sha256Hex + `"}}`, wantErr(at+".verification.hash", "sha256 hashes are supported from spec 3.1.0")},
		{"sha256 from 3.1", []Version{V3_1, V3_2, V3_6}, `{"source":"https://e.com/a","verification":{"hash":"sha256-` + sha256Hex + `"}}`, noFindings},
		{"hash short", Versions, `{"source":"https://e.com/a","verification":{"hash":"sha512-abc"}}`, wantErr(at+".verification.hash", "has 3 hex digits, want 128")},
		{"hash not hex", []Version{V3_6}, `{"source":"https://e.com/a","verification":{"hash":"sha256-` + strings.Repeat("zz", 32) + `"}}`, wantWarn(at+".verification.hash", "not hexadecimal")},
		{"hash type", Versions, `{"source":"https://e.com/a","verification":{"hash":"md5-00"}}`, wantErr(at+".verification.hash", "sha512-<128 hex digits> or, from spec 3.1.0, sha256-<64 hex digits>")},
		{"hash no dash", Versions, `{"source":"https://e.com/a","verification":{"hash":"sha512"}}`, wantErr(at+".verification.hash", "malformed")},
		{"hash without source", Versions[1:], `{"verification":{"hash":"sha512-` + sha512Hex + `"}}`, wantErr(at+".verification.hash", "no source to verify")},
		{"gzip ok", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","compression":"gzip"}`, noFindings},
		{"empty compression ok", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","compression":""}`, noFindings},
		{"xz", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","compression":"xz"}`, wantErr(at+".compression", `unsupported compression "xz"`)},
		{"gzip s3", []Version{V3_1, V3_6}, `{"source":"s3://b/k","compression":"gzip"}`, noFindings},
		{"gzip arn", []Version{V3_4, V3_6}, `{"source":"arn:aws:s3:::b/k","compression":"gzip"}`, noFindings},
		{"headers ok", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"Authorization","value":"Basic x"},{"name":"X-Remove"}]}`, noFindings},
		{"header no name", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"value":"x"}]}`, wantErr(at+".httpHeaders.0.name", "name is required")},
		{"header bad name", []Version{V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"X Y","value":"x"}]}`, wantWarn(at+".httpHeaders.0.name", "refuses to send it")},
		{"header duplicate", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"X-A","value":"1"},{"name":"X-A","value":"2"}]}`, wantErr(at+".httpHeaders.1.name", "duplicate HTTP header")},
		{"header same but case", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"X-A","value":"1"},{"name":"x-a","value":"2"}]}`, wantWarn(at+".httpHeaders.1.name", "both values are sent")},
		{"header empty value", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"X-A","value":""}]}`, wantErr(at+".httpHeaders.0.value", "is empty")},
		{"header value newline", []Version{V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"X-A","value":"1\r\nHost: evil"}]}`, wantWarn(at+".httpHeaders.0.value", "line break")},
		{"header keep-alive sent", []Version{V3_1, V3_6}, `{"source":"https://e.com/a","httpHeaders":[{"name":"Keep-Alive","value":"5"}]}`, noFindings},
		{"header tftp", []Version{V3_1, V3_6}, `{"source":"tftp://h/a","httpHeaders":[{"name":"X-A","value":"1"}]}`, wantErr(at+".httpHeaders", `source is not an http or https URL`)},
		{"header data", []Version{V3_6}, `{"source":"data:,x","httpHeaders":[{"name":"X-A","value":"1"}]}`, wantErr(at+".httpHeaders", "only allowed with http or https")},
		{"header without source", []Version{V3_6}, `{"httpHeaders":[{"name":"X-A","value":"1"}]}`, wantErr(at+".httpHeaders", "no source")},
	}
	for _, c := range cases {
		for _, v := range c.versions {
			src := withIgnition(v, `"config":{"merge":[`+c.resource+`]}`, "")
			checkFinding(t, c.name+" "+v.String(), parseRep(t, src), c.want)
		}
	}
}

// TestResourceThroughValidate calls the rule shared with storage directly,
// naming the resource as storage does.
func TestResourceThroughValidate(t *testing.T) {
	path := report.Path{"storage", "files", 0, "contents"}
	cases := []struct {
		name string
		r    Resource
		want finding
	}{
		{"empty resource", Resource{}, noFindings},
		{"empty source means empty contents", Resource{Source: vStr(""), Verification: Verification{Hash: vStr("sha512-" + sha512Hex)}}, noFindings},
		{"headers on empty source", Resource{Source: vStr(""), HTTPHeaders: []HTTPHeader{{Name: "A", Value: vStr("b")}}}, wantErr("storage.files.0.contents.httpHeaders", "no source")},
		{"data", Resource{Source: vStr("data:,hello%20world")}, noFindings},
		{"key file gs", Resource{Source: vStr("gs://b/o"), Verification: Verification{Hash: vStr("sha256-" + sha256Hex)}}, noFindings},
		{"compression without source", Resource{Compression: vStr("gzip")}, wantWarn("storage.files.0.contents.compression", "no source")},
		{"bad data", Resource{Source: vStr("data:;base64,!!!!")}, wantErr("storage.files.0.contents.source", "file contents source: data URL does not decode")},
	}
	for _, c := range cases {
		v := &validator{version: V3_6}
		v.resource(&c.r, path, "file contents")
		checkFinding(t, c.name, v.rep, c.want)
	}
}

func TestParseHash(t *testing.T) {
	algo, sum, err := ParseHash("sha256-" + sha256Hex)
	if err != nil || algo != "sha256" || len(sum) != 32 || sum[0] != 0xb1 {
		t.Errorf("sha256: (%q, %x, %v)", algo, sum, err)
	}
	algo, sum, err = ParseHash("sha512-" + sha512Hex)
	if err != nil || algo != "sha512" || len(sum) != 64 || sum[63] != 0x0a {
		t.Errorf("sha512: (%q, %x, %v)", algo, sum, err)
	}
	for _, bad := range []string{"", "sha512-", "sha1-" + strings.Repeat("0", 40), "sha256-" + sha512Hex, "sha512:" + sha512Hex} {
		if _, _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted a bad hash", bad)
		}
	}
}

// TestResourceErrorPosition checks that a resource finding carries the line
// and column of the offending value.
func TestResourceErrorPosition(t *testing.T) {
	src := "{\n  \"ignition\": {\n    \"version\": \"3.1.0\",\n    \"config\": {\n      \"replace\": {\"source\": \"https://e.com/c\", \"compression\": \"bz2\"}\n    }\n  }\n}"
	rep := parseRep(t, src)
	for _, e := range rep.Entries {
		if e.Path.String() == "ignition.config.replace.compression" {
			if e.Line != 5 || e.Column != 63 {
				t.Errorf("compression error at %d:%d, want 5:63", e.Line, e.Column)
			}
			return
		}
	}
	t.Fatalf("no compression error in\n%s", rep)
}

func TestHashFormFromTables(t *testing.T) {
	if want := "sha512-<128 hex digits> or, from spec 3.1.0, sha256-<64 hex digits>"; hashForm != want {
		t.Errorf("hashForm = %q, want %q", hashForm, want)
	}
}
