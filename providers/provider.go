// Package providers knows, for each platform Kindling runs on, where the
// user config comes from: a metadata service, a config drive, the
// hypervisor, the kernel command line or a local file. Each platform is one
// small file registering a Provider; docs/platforms.md describes them.
package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kindling-dev/kindling/internal/resource"
)

// ErrNoConfig means the platform answered and has no user config for this
// machine; provisioning goes on with the base and system configs only.
var ErrNoConfig = errors.New("platform provides no user config")

// Provider fetches the raw user config on one platform.
type Provider interface {
	Name() string
	// FetchConfig returns the config bytes as the user supplied them
	// (decoded from any platform transport encoding), or ErrNoConfig.
	FetchConfig(ctx context.Context, fc *FetchContext) ([]byte, error)
}

// NeedsNetwork is implemented by providers whose config can only come over
// the network, so the fetch-offline stage can defer to the fetch stage
// without trying.
type NeedsNetwork interface {
	NeedsNetwork() bool
}

// FetchContext is what a provider may use. The zero value of every field
// except Fetcher means "the real machine".
type FetchContext struct {
	// Fetcher fetches config URLs (the kernel command line's config URL).
	Fetcher *resource.Fetcher
	// Root prefixes every local path read (/proc/cmdline, /sys, /dev);
	// tests point it at a temp dir.
	Root string
	// MetadataURL replaces the scheme and host of the platform's metadata
	// service (e.g. "http://127.0.0.1:8080"), for tests.
	MetadataURL string
	// ConfigFile is the path the "file" platform reads; empty means the
	// KINDLING_CONFIG_FILE environment variable.
	ConfigFile string
	// Cmdline is the kernel command line; empty means Root/proc/cmdline.
	Cmdline string
	// HTTPTimeout bounds waiting for one metadata response's headers
	// (default 10 s); MaxAttempts bounds the tries (default 8).
	HTTPTimeout time.Duration
	MaxAttempts int
	// Offline is set by fetch-offline: providers that could work either
	// way (openstack) only try what needs no network.
	Offline bool
	// DriveWait bounds waiting for a config drive to appear (default 30 s).
	DriveWait time.Duration
	// FindDrive, when set, replaces the search for a labelled config drive
	// (tests use it so a stray drive on the build machine cannot interfere).
	FindDrive func(labels []string) (string, error)
	// Vsock, when set, replaces the kernel's vsock sockets (applehv).
	Vsock VsockDialer
	Log   *slog.Logger

	// Seams for this package's tests, carried here rather than in package
	// variables so tests that use them can run in parallel. nil is the
	// real machine.
	guestinfo func(key string) (string, error)         // the VMware backdoor's guestinfo reader
	openVBox  func(path string) (vboxTransport, error) // opening the vboxguest device
}

func (fc *FetchContext) logger() *slog.Logger {
	if fc.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return fc.Log
}

// metadataURL returns def with its scheme and host replaced by
// fc.MetadataURL when that is set.
func (fc *FetchContext) metadataURL(def string) string {
	if fc.MetadataURL == "" {
		return def
	}
	u, err := url.Parse(def)
	if err != nil {
		return def
	}
	base, err := url.Parse(fc.MetadataURL)
	if err != nil {
		return def
	}
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

// Source says, as data, exactly where a platform's config comes from.
// docs/platforms.md shows it, and a test checks the page against it.
type Source struct {
	// Reads lists what is read, in order of preference: an HTTP request
	// as "METHOD URL", a file or device path, a named variable.
	Reads []string
	// Headers lists the request headers the platform requires, as
	// "Name: value" ("Name" alone when the value is obtained at run time).
	Headers []string
}

type entry struct {
	p   Provider
	src Source
}

// registry is filled by the platform files' init functions and only read
// afterwards, so concurrent lookups need no lock.
var registry = map[string]entry{}

// Register adds a provider with the description of its source; called
// from each platform file's init.
func Register(p Provider, src Source) {
	if _, dup := registry[p.Name()]; dup {
		panic("providers: duplicate platform " + p.Name())
	}
	if len(src.Reads) == 0 {
		panic("providers: platform " + p.Name() + " does not say what it reads")
	}
	registry[p.Name()] = entry{p, src}
}

// Get returns the provider of a platform id.
func Get(name string) (Provider, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown platform %q (known: %v)", name, Names())
	}
	return e.p, nil
}

// Describe returns the source description of a platform id.
func Describe(name string) (Source, bool) {
	e, ok := registry[name]
	return e.src, ok
}

// Names lists the registered platform ids, sorted.
func Names() []string { return slices.Sorted(maps.Keys(registry)) }

// Needs reports whether p can only fetch over the network.
func Needs(p Provider) bool {
	n, ok := p.(NeedsNetwork)
	return ok && n.NeedsNetwork()
}

// NotAConfig reports whether user data is clearly meant for cloud-init (a
// #cloud-config document or a script) rather than being a config.
func NotAConfig(data []byte) bool {
	s := strings.TrimLeft(string(data), " \t\r\n")
	return strings.HasPrefix(s, "#cloud-config") || strings.HasPrefix(s, "#!")
}

// StatusReporter is implemented by platforms that can be told how
// provisioning went (e.g. a "provisioning failed" flag shown in the cloud
// console). Callers report once, at the end; failure to report is logged,
// never fatal.
type StatusReporter interface {
	ReportStatus(ctx context.Context, fc *FetchContext, failure error) error
}

// ConfigRemover is implemented by platforms where the config stays
// readable by anything in the VM (hypervisor variables) and can be wiped
// once provisioning succeeded, since it may hold secrets.
type ConfigRemover interface {
	RemoveConfig(ctx context.Context, fc *FetchContext) error
}
