package resource

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kindling-dev/kindling/config"
)

// RequestFrom turns a config resource into a fetch request. A header whose
// value is null is left out (in the spec, null removes a header a merged
// parent had set).
func RequestFrom(r config.Resource) Request {
	req := Request{
		URL:         deref(r.Source),
		Hash:        deref(r.Verification.Hash),
		Compression: deref(r.Compression),
	}
	for _, h := range r.HTTPHeaders {
		if h.Value == nil {
			continue
		}
		if req.Headers == nil {
			req.Headers = http.Header{}
		}
		req.Headers.Add(h.Name, *h.Value)
	}
	return req
}

// OptionsFromConfig adds the config's ignition section (timeouts, proxies,
// certificate authorities) to the platform's base options. CA bundles are
// fetched first, through a fetcher with the base options plus the config's
// timeouts and proxies but without the new CAs; errors name the config path.
func OptionsFromConfig(ctx context.Context, ign config.Ignition, base Options) (Options, error) {
	opts := base
	if t := ign.Timeouts.HTTPResponseHeaders; t != nil {
		opts.HTTPResponseHeaders = time.Duration(*t) * time.Second
	}
	if t := ign.Timeouts.HTTPTotal; t != nil {
		opts.HTTPTotal = time.Duration(*t) * time.Second
	}
	if p := ign.Proxy.HTTPProxy; p != nil {
		opts.HTTPProxy = *p
	}
	if p := ign.Proxy.HTTPSProxy; p != nil {
		opts.HTTPSProxy = *p
	}
	if len(ign.Proxy.NoProxy) > 0 {
		opts.NoProxy = append([]string(nil), ign.Proxy.NoProxy...)
	}
	cas := ign.Security.TLS.CertificateAuthorities
	if len(cas) == 0 {
		return opts, nil
	}
	bootstrap := New(opts)
	opts.CABundles = append([][]byte(nil), base.CABundles...)
	for i, ca := range cas {
		data, err := bootstrap.Fetch(ctx, RequestFrom(ca).ConfigSized())
		if err != nil {
			return Options{}, fmt.Errorf("ignition.security.tls.certificateAuthorities.%d: CA bundle: %w", i, err)
		}
		opts.CABundles = append(opts.CABundles, data)
	}
	// Check the bundles now, so a bad one is reported at its path.
	for i, pem := range opts.CABundles[len(base.CABundles):] {
		if _, err := newHTTPClient(Options{CABundles: [][]byte{pem}}); err != nil {
			return Options{}, fmt.Errorf("ignition.security.tls.certificateAuthorities.%d: %w", i, err)
		}
	}
	return opts, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
