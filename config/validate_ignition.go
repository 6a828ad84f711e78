package config

import (
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kindling-dev/kindling/config/report"
)

// ignition checks the ignition section.
func (v *validator) ignition(c *Ignition) {
	path := report.Path{"ignition"}
	v.configRefs(&c.Config, path.Append("config"))
	v.certificateAuthorities(c.Security.TLS.CertificateAuthorities, path.Append("security", "tls", "certificateAuthorities"))
	v.timeouts(&c.Timeouts, path.Append("timeouts"))
	v.proxy(&c.Proxy, path.Append("proxy"))
}

// configRefs checks ignition.config: the replacement and the merged configs.
func (v *validator) configRefs(c *IgnitionConfig, path report.Path) {
	replacePath := path.Append("replace")
	v.configResource(&c.Replace, replacePath, "replacement config")
	if (c.Replace.Source == nil || *c.Replace.Source == "") && !isZeroResource(&c.Replace) {
		v.warnf(replacePath.Append("source"), "replace has no source, so nothing replaces this config and the other replace fields are ignored")
	}
	if c.Replace.Source != nil && *c.Replace.Source != "" && len(c.Merge) > 0 {
		// The replacement config is rendered instead of this one, so this
		// config's merge list is never fetched.
		v.warnf(path.Append("merge"), "merge is ignored because replace is set: the replacement config is used instead of this config (put merges in the replacement)")
	}
	// Spec 3.0 lets a merge entry go without a source (it merges nothing).
	v.sourceList(c.Merge, path.Append("merge"), "config to merge", v.version.AtLeast(V3_1))
}

// certificateAuthorities checks the extra CA bundles; each needs a unique
// source.
func (v *validator) certificateAuthorities(cas []Resource, path report.Path) {
	v.sourceList(cas, path, "certificate authority", true)
}

// sourceList checks a list of resources that each need a source, unique
// within the list (the spec keys these lists by source).
func (v *validator) sourceList(list []Resource, path report.Path, what string, required bool) {
	seen := map[string]int{}
	for i := range list {
		p := path.Append(i)
		r := &list[i]
		if required {
			v.requiredSource(r, p, what)
		} else if r.Source == nil || *r.Source == "" {
			v.warnf(p.Append("source"), "%s has no source, so nothing is merged", what)
		}
		key := ""
		if r.Source != nil {
			key = *r.Source
		}
		if j, dup := seen[key]; dup {
			v.errorf(p.Append("source"), "duplicate %s source %q (also entry %d); every source must be unique", what, key, j)
		} else {
			seen[key] = i
		}
		v.configResource(r, p, what)
	}
}

// configResource checks a config reference (a merge or replace entry, a
// certificate authority). Spec 3.0 lets one have a hash without a source;
// there is nothing to verify then.
func (v *validator) configResource(r *Resource, path report.Path, what string) {
	if !v.version.Less(V3_1) || r.Source != nil || r.Verification.Hash == nil {
		v.resource(r, path, what)
		return
	}
	unverified := *r
	unverified.Verification = Verification{}
	v.resource(&unverified, path, what)
	v.hash(*r.Verification.Hash, path.Append("verification", "hash"), what)
	v.warnf(path.Append("verification", "hash"), "%s has a hash but no source, so there is nothing to verify", what)
}

func isZeroResource(r *Resource) bool {
	return r.Source == nil && r.Compression == nil && r.Verification.Hash == nil && len(r.HTTPHeaders) == 0
}

// maxTimeoutSeconds is the longest timeout a time.Duration holds.
const maxTimeoutSeconds = math.MaxInt64 / int64(time.Second)

// timeouts checks the HTTP timeouts: a negative one means no timeout, as
// in the spec's fetcher, and one too long for a time.Duration overflows.
func (v *validator) timeouts(t *Timeouts, path report.Path) {
	check := func(val *int, key string) {
		switch {
		case val == nil:
		case *val < 0:
			v.warnf(path.Append(key), "timeout %d is negative, which means no timeout (as 0 does)", *val)
		case int64(*val) > maxTimeoutSeconds:
			v.safetyf(path.Append(key), ruleRanges, "timeout %d seconds overflows a duration; the limit is %d seconds", *val, maxTimeoutSeconds)
		}
	}
	check(t.HTTPResponseHeaders, "httpResponseHeaders")
	check(t.HTTPTotal, "httpTotal")
}

// proxy checks the proxy URLs and the noProxy list. The spec lists each
// noProxy entry once; what an entry means is up to the HTTP client, which
// ignores entries it cannot read, hence warnings.
func (v *validator) proxy(p *Proxy, path report.Path) {
	v.proxyURL(p.HTTPProxy, path.Append("httpProxy"))
	v.proxyURL(p.HTTPSProxy, path.Append("httpsProxy"))
	seen := map[string]int{}
	for i, entry := range p.NoProxy {
		ep := path.Append("noProxy", i)
		if j, dup := seen[entry]; dup {
			v.errorf(ep, "duplicate noProxy entry %q (also entry %d)", entry, j)
			continue
		}
		seen[entry] = i
		if msg := noProxyProblem(entry); msg != "" {
			v.warnf(ep, "noProxy entry %q %s, so it matches no host and is ignored; expected an IP address (prefix), a CIDR such as 10.0.0.0/8, a domain such as example.com or .example.com (each optionally with :PORT), or *", entry, msg)
		}
	}
}

// proxyURL checks one proxy URL: http or https (url.Parse lowers the
// scheme), with a host to be usable.
func (v *validator) proxyURL(s *string, path report.Path) {
	if s == nil {
		return
	}
	u, err := url.Parse(*s)
	if err != nil {
		v.errorf(path, "proxy %q is not a valid URL: %v", *s, err)
		return
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		v.errorf(path, "proxy %q must be an http:// or https:// URL", *s)
	case u.Host == "":
		v.warnf(path, "proxy %q has no host; fetches through it will fail", *s)
	}

}

// noProxyProblem says what is wrong with a noProxy entry, or "" if nothing.
func noProxyProblem(e string) string {
	switch {
	case e == "":
		return "is empty"
	case e == "*":
		return ""
	case strings.ContainsAny(e, " \t\r\n,"):
		return "contains whitespace or a comma (use one list entry per host)"
	case strings.Contains(e, "://"):
		return "is a URL"
	case strings.Contains(e, "/"):
		if _, _, err := net.ParseCIDR(e); err != nil {
			return "is not a valid CIDR"
		}
		return ""
	}
	host := e
	if h, port, err := net.SplitHostPort(e); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "has an invalid port"
		}
		host = h
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	name := strings.TrimPrefix(host, ".")
	if name == "" {
		return "has no host"
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*") != "" {
			return "is not a valid host name"
		}
	}
	return ""
}
