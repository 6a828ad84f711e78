package config

import (
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config/report"
)

func TestIgnitionSectionRules(t *testing.T) {
	const hash = `"verification":{"hash":"sha512-` + "0a0a" + `"}`
	cases := []struct {
		name     string
		versions []Version
		ignition string
		want     finding
	}{
		{"merge ok", Versions, `"config":{"merge":[{"source":"https://e.com/a"},{"source":"https://e.com/b"}]}`, noFindings},
		{"merge duplicate", Versions, `"config":{"merge":[{"source":"https://e.com/a"},{"source":"https://e.com/a"}]}`, wantErr("ignition.config.merge.1.source", "duplicate config to merge source")},
		{"merge no source", Versions[1:], `"config":{"merge":[{}]}`, wantErr("ignition.config.merge.0.source", "needs a source")},
		{"merge no source 3.0", []Version{V3_0}, `"config":{"merge":[{}]}`, wantWarn("ignition.config.merge.0.source", "nothing is merged")},
		{"replace ok", Versions, `"config":{"replace":{"source":"https://e.com/r"}}`, noFindings},
		{"replace without source", Versions[1:], `"config":{"replace":{"compression":"gzip"}}`, wantWarn("ignition.config.replace.source", "nothing replaces this config")},
		{"replace hash without source", Versions[1:], `"config":{"replace":{` + hash + `}}`, wantErr("ignition.config.replace.verification.hash", "no source to verify")},
		{"replace hash without source 3.0", []Version{V3_0}, `"config":{"replace":{"verification":{"hash":"sha512-` + strings.Repeat("0", 128) + `"}}}`, wantWarn("ignition.config.replace.verification.hash", "nothing to verify")},
		{"replace and merge", Versions, `"config":{"replace":{"source":"https://e.com/r"},"merge":[{"source":"https://e.com/a"}]}`, wantWarn("ignition.config.merge", "ignored because replace is set")},
		{"replace resource rules", Versions, `"config":{"replace":{"source":"ftp://e.com/r"}}`, wantErr("ignition.config.replace.source", "unsupported scheme")},
		{"ca ok", Versions, `"security":{"tls":{"certificateAuthorities":[{"source":"data:,PEM"},{"source":"https://e.com/ca.pem"}]}}`, noFindings},
		{"ca duplicate", Versions, `"security":{"tls":{"certificateAuthorities":[{"source":"data:,PEM"},{"source":"data:,PEM"}]}}`, wantErr("ignition.security.tls.certificateAuthorities.1.source", "duplicate certificate authority source")},
		{"ca no source", Versions, `"security":{"tls":{"certificateAuthorities":[{}]}}`, wantErr("ignition.security.tls.certificateAuthorities.0.source", "needs a source")},
		{"ca gzip s3", []Version{V3_1, V3_6}, `"security":{"tls":{"certificateAuthorities":[{"source":"s3://b/ca","compression":"gzip"}]}}`, noFindings},
		{"timeouts ok", Versions, `"timeouts":{"httpResponseHeaders":0,"httpTotal":30}`, noFindings},
		{"timeout negative", Versions, `"timeouts":{"httpResponseHeaders":-1}`, wantWarn("ignition.timeouts.httpResponseHeaders", "negative, which means no timeout")},
		{"timeout overflow", Versions, `"timeouts":{"httpTotal":9223372037}`, wantErr("ignition.timeouts.httpTotal", `the limit is 9223372036 seconds (safety rule "sizes and ids in range"`)},
		{"total negative", Versions, `"timeouts":{"httpTotal":-5}`, wantWarn("ignition.timeouts.httpTotal", "negative")},
		{"proxy ok", []Version{V3_1, V3_6}, `"proxy":{"httpProxy":"http://p.example.net:3128","httpsProxy":"https://p.example.net/","noProxy":["*","1.2.3.4","10.0.0.0/8","example.com",".example.com","h.example.com:8080","[::1]:80","fd00::/8"]}`, noFindings},
		{"proxy socks", []Version{V3_1, V3_6}, `"proxy":{"httpProxy":"socks5://p:1080"}`, wantErr("ignition.proxy.httpProxy", "http:// or https://")},
		{"proxy no scheme", []Version{V3_6}, `"proxy":{"httpsProxy":"p.example.net:3128"}`, wantErr("ignition.proxy.httpsProxy", "")},
		{"proxy no host", []Version{V3_6}, `"proxy":{"httpsProxy":"https://"}`, wantWarn("ignition.proxy.httpsProxy", "no host")},
		{"proxy upper case scheme", []Version{V3_6}, `"proxy":{"httpsProxy":"HTTPS://p"}`, noFindings},
		{"proxy bad url", []Version{V3_6}, `"proxy":{"httpProxy":"http://[::1"}`, wantErr("ignition.proxy.httpProxy", "not a valid URL")},
		{"noProxy empty", []Version{V3_6}, `"proxy":{"noProxy":[""]}`, wantWarn("ignition.proxy.noProxy.0", "is empty, so it matches no host")},
		{"noProxy url", []Version{V3_6}, `"proxy":{"noProxy":["http://a.com"]}`, wantWarn("ignition.proxy.noProxy.0", "is a URL")},
		{"noProxy list in one", []Version{V3_6}, `"proxy":{"noProxy":["a.com,b.com"]}`, wantWarn("ignition.proxy.noProxy.0", "comma")},
		{"noProxy bad cidr", []Version{V3_6}, `"proxy":{"noProxy":["10.0.0.0/99"]}`, wantWarn("ignition.proxy.noProxy.0", "CIDR")},
		{"noProxy bad port", []Version{V3_6}, `"proxy":{"noProxy":["a.com:99999"]}`, wantWarn("ignition.proxy.noProxy.0", "port")},
		{"noProxy duplicate", []Version{V3_6}, `"proxy":{"noProxy":["a.com","a.com"]}`, wantErr("ignition.proxy.noProxy.1", "duplicate")},
		{"noProxy duplicate empty", []Version{V3_6}, `"proxy":{"noProxy":["",""]}`, wantErr("ignition.proxy.noProxy.1", "duplicate")},
	}
	for _, c := range cases {
		for _, v := range c.versions {
			checkFinding(t, c.name+" "+v.String(), parseRep(t, withIgnition(v, c.ignition, "")), c.want)
		}
	}
}

// TestIgnitionValidateGo checks the same rules on a config built in Go.
func TestIgnitionValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{
		Version: "3.6.0",
		Config: IgnitionConfig{Merge: []Resource{
			{Source: vStr("https://e.com/a")},
			{Source: vStr("https://e.com/a")},
		}},
		Timeouts: Timeouts{HTTPTotal: vInt(-1)},
	}}
	rep := Validate(cfg)
	checkFinding(t, "duplicate merge", rep, wantErr("ignition.config.merge.1.source", "duplicate"))
	if rep.Entries[0].Line != 0 {
		t.Errorf("a Go config has no positions, got line %d", rep.Entries[0].Line)
	}

	cfg.Ignition.Config.Merge = cfg.Ignition.Config.Merge[:1]
	checkFinding(t, "negative timeout", Validate(cfg), wantWarn("ignition.timeouts.httpTotal", "negative"))

	cfg.Ignition.Timeouts = Timeouts{}
	checkFinding(t, "fixed", Validate(cfg), noFindings)
}

// TestIgnitionErrorPosition checks line and column of a duplicate CA.
func TestIgnitionErrorPosition(t *testing.T) {
	src := `{"ignition": {"version": "3.0.0",
"security": {"tls": {"certificateAuthorities": [
  {"source": "data:,A"},
  {"source": "data:,A"}
]}}}}`
	rep := parseRep(t, src)
	w := wantErr("ignition.security.tls.certificateAuthorities.1.source", "duplicate")
	checkFinding(t, "dup ca", rep, w)
	for _, e := range rep.Entries {
		if e.Level == report.Error && e.Path.String() == w.path && (e.Line != 4 || e.Column != 14) {
			t.Errorf("duplicate CA at %d:%d, want 4:14", e.Line, e.Column)
		}
	}
}
