package config

import "github.com/kindling-dev/kindling/config/report"

// resource checks one fetched resource (source URL and its scheme for the
// config's version, data URL syntax, compression, hash, HTTP headers).
// what names the resource in messages ("file contents", "key file", ...).
func (v *validator) resource(r *Resource, path report.Path, what string) {}
