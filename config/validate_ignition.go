package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"

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
	if !isZeroResource(&c.Replace) {
		if c.Replace.Source == nil || *c.Replace.Source == "" {
			v.errorf(replacePath.Append("source"), "replace needs a source: the URL of the config that replaces this one")
		}
		v.resource(&c.Replace, replacePath, "replacement config")
	}
	if c.Replace.Source != nil && len(c.Merge) > 0 {
		// The replacement config is rendered instead of this one, so this
		// config's merge list is never fetched.
		v.warnf(path.Append("merge"), "merge is ignored because replace is set: the replacement config is used instead of this config (put merges in the replacement)")
	}
	v.uniqueSources(c.Merge, path.Append("merge"), "config to merge")
}

// certificateAuthorities checks the extra CA bundles; each needs a unique
// source.
func (v *validator) certificateAuthorities(cas []Resource, path report.Path) {
	v.uniqueSources(cas, path, "certificate authority")
}

// uniqueSources checks a list of resources that each need a source, unique
// within the list.
func (v *validator) uniqueSources(list []Resource, path report.Path, what string) {
	seen := map[string]int{}
	for i := range list {
		p := path.Append(i)
		r := &list[i]
		if r.Source == nil || *r.Source == "" {
			v.errorf(p.Append("source"), "%s needs a source URL", what)
		} else if j, dup := seen[*r.Source]; dup {
			v.errorf(p.Append("source"), "duplicate %s source %q (also entry %d); every source must be unique", what, *r.Source, j)
		} else {
			seen[*r.Source] = i
		}
		v.resource(r, p, what)
	}
}

func isZeroResource(r *Resource) bool {
	return r.Source == nil && r.Compression == nil && r.Verification.Hash == nil && len(r.HTTPHeaders) == 0
}

// timeouts checks that HTTP timeouts are not negative (0 means none).
func (v *validator) timeouts(t *Timeouts, path report.Path) {
	check := func(val *int, key string) {
		if val != nil && *val < 0 {
			v.errorf(path.Append(key), "timeout %d is negative; expected seconds >= 0 (0 means no timeout)", *val)
		}
	}
	check(t.HTTPResponseHeaders, "httpResponseHeaders")
	check(t.HTTPTotal, "httpTotal")
}

// proxy checks the proxy URLs and the noProxy list.
func (v *validator) proxy(p *Proxy, path report.Path) {
	v.proxyURL(p.HTTPProxy, path.Append("httpProxy"))
	v.proxyURL(p.HTTPSProxy, path.Append("httpsProxy"))
	seen := map[string]int{}
	for i, entry := range p.NoProxy {
		ep := path.Append("noProxy", i)
		if msg := noProxyProblem(entry); msg != "" {
			v.errorf(ep, "noProxy entry %q %s; expected an IP address (prefix), a CIDR such as 10.0.0.0/8, a domain such as example.com or .example.com (each optionally with :PORT), or *", entry, msg)
			continue
		}
		if j, dup := seen[entry]; dup {
			v.warnf(ep, "duplicate noProxy entry %q (also entry %d)", entry, j)
		}
		seen[entry] = i
	}
}

// proxyURL checks one proxy URL: http or https with a host.
func (v *validator) proxyURL(s *string, path report.Path) {
	if s == nil {
		return
	}
	u, err := url.Parse(*s)
	if err != nil {
		v.errorf(path, "proxy %q is not a valid URL: %v", *s, err)
		return
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		v.errorf(path, "proxy %q must be an http:// or https:// URL", *s)
		return
	}
	if u.Host == "" {
		v.errorf(path, "proxy %q has no host", *s)
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
