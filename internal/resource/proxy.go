package resource

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/kindling-dev/kindling/internal/redact"
)

// newProxyFunc returns the transport's proxy chooser. noProxy entries follow
// the spec: an IP address (1.2.3.4), a CIDR block (1.2.3.0/24), a domain
// name (example.com: the domain and its subdomains), a domain with a
// leading dot (.example.com: subdomains only), or "*" (never proxy); IPs
// and domains may carry a port (example.com:8080) to match only that port.
// Loopback targets are not special: they are proxied unless excluded.
func newProxyFunc(httpProxy, httpsProxy string, noProxy []string) (func(*http.Request) (*url.URL, error), error) {
	hp, err := parseProxyURL(httpProxy)
	if err != nil {
		return nil, fmt.Errorf("httpProxy: %w", err)
	}
	sp, err := parseProxyURL(httpsProxy)
	if err != nil {
		return nil, fmt.Errorf("httpsProxy: %w", err)
	}
	if hp == nil && sp == nil {
		return nil, nil
	}
	m := newNoProxyMatcher(noProxy)
	return func(req *http.Request) (*url.URL, error) {
		p := hp
		if req.URL.Scheme == "https" {
			p = sp
		}
		if p == nil || m.excludes(req.URL) {
			return nil, nil
		}
		return p, nil
	}, nil
}

func parseProxyURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw // "proxy.example:3128" without a scheme means http
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid proxy URL %q", redact.URL(raw))
	}
	return u, nil
}

type noProxyRule struct {
	ip      net.IP
	cidr    *net.IPNet
	domain  string // lower case, without leading dot
	subOnly bool   // leading dot: subdomains only
	port    string // "" matches every port
}

type noProxyMatcher struct {
	all   bool
	rules []noProxyRule
}

func newNoProxyMatcher(entries []string) *noProxyMatcher {
	m := &noProxyMatcher{}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			continue
		case e == "*":
			m.all = true
			continue
		}
		if _, cidr, err := net.ParseCIDR(e); err == nil {
			m.rules = append(m.rules, noProxyRule{cidr: cidr})
			continue
		}
		host, port := e, ""
		if h, p, err := net.SplitHostPort(e); err == nil {
			host, port = h, p
		}
		if ip := net.ParseIP(host); ip != nil {
			m.rules = append(m.rules, noProxyRule{ip: ip, port: port})
			continue
		}
		r := noProxyRule{port: port}
		r.domain, r.subOnly = strings.CutPrefix(host, ".")
		m.rules = append(m.rules, r)
	}
	return m
}

// excludes reports whether u must be fetched without the proxy.
func (m *noProxyMatcher) excludes(u *url.URL) bool {
	if m.all {
		return true
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	ip := net.ParseIP(host)
	for _, r := range m.rules {
		if r.port != "" && r.port != port {
			continue
		}
		switch {
		case r.cidr != nil:
			if ip != nil && r.cidr.Contains(ip) {
				return true
			}
		case r.ip != nil:
			if ip != nil && r.ip.Equal(ip) {
				return true
			}
		case ip == nil:
			if host == r.domain && !r.subOnly {
				return true
			}
			if strings.HasSuffix(host, "."+r.domain) {
				return true
			}
		}
	}
	return false
}
