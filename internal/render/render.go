// Package render turns what a platform provides into the final config: it
// parses the user config, fetches and applies ignition.config.merge and
// replace children through the same resource Fetcher, and merges the base
// configs (/usr/lib/kindling/base.d, base.platform.d/ID) under it and the
// system user configs.
package render
