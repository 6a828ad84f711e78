package providers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kindling-dev/kindling/internal/resource"
)

// Kernel arguments Kindling reads; the ignition.* spellings are accepted so
// images built for Ignition boot unchanged. The kindling.* one wins.
// Fixed tables, only read.
var (
	PlatformArgs  = []string{"kindling.platform.id", "ignition.platform.id"}
	ConfigURLArgs = []string{"kindling.config.url", "ignition.config.url"}
)

// ParseCmdline splits a kernel command line into key/value pairs in order.
// Double quotes group words (key="a b"); a bare word has an empty value.
func ParseCmdline(cmdline string) [][2]string {
	var out [][2]string
	for _, word := range splitQuoted(cmdline) {
		k, v, _ := strings.Cut(word, "=")
		out = append(out, [2]string{k, strings.Trim(v, `"`)})
	}
	return out
}

// splitQuoted splits on whitespace outside double quotes.
func splitQuoted(s string) []string {
	var words []string
	var cur strings.Builder
	inQuote, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
			started = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n'):
			if started {
				words = append(words, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, cur.String())
	}
	return words
}

// CmdlineValue returns the value of the first of keys present on the
// command line; when a key repeats, its last occurrence counts, as the
// kernel does for its own parameters.
func CmdlineValue(cmdline string, keys ...string) (string, bool) {
	args := ParseCmdline(cmdline)
	for _, key := range keys {
		val, found := "", false
		for _, kv := range args {
			if kv[0] == key {
				val, found = kv[1], true
			}
		}
		if found {
			return val, true
		}
	}
	return "", false
}

// PlatformFromCmdline returns the platform id the kernel arguments name.
func PlatformFromCmdline(cmdline string) (string, bool) {
	return CmdlineValue(cmdline, PlatformArgs...)
}

// ReadCmdline reads root/proc/cmdline.
func ReadCmdline(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "/proc/cmdline"))
	return strings.TrimSpace(string(b)), err
}

func (fc *FetchContext) cmdline() (string, error) {
	if fc.Cmdline != "" {
		return fc.Cmdline, nil
	}
	return ReadCmdline(fc.Root)
}

// FetchCmdlineConfig fetches the config named by kindling.config.url= (or
// ignition.config.url=) on the kernel command line, with any scheme the
// resource fetcher knows, held to resource.MaxConfigSize. As in Ignition,
// this URL is tried first on every platform: a machine booted with
// ignition.platform.id=qemu and a config URL gets that config even with
// nothing in fw_cfg. No argument, or an empty one, returns ErrNoConfig; a
// failing fetch is an error (the user asked for that config).
func FetchCmdlineConfig(ctx context.Context, fc *FetchContext) ([]byte, error) {
	cmdline, err := fc.cmdline()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoConfig // a test root without /proc
	}
	if err != nil {
		return nil, fmt.Errorf("reading the kernel command line: %w", err)
	}
	url, ok := CmdlineValue(cmdline, ConfigURLArgs...)
	if !ok || url == "" {
		return nil, ErrNoConfig
	}
	f := fc.Fetcher
	if f == nil {
		f = resource.New(resource.Options{})
	}
	b, err := f.Fetch(ctx, resource.Request{URL: url}.ConfigSized())
	if err != nil {
		return nil, fmt.Errorf("config URL from the kernel command line: %w", err)
	}
	return b, nil
}
