// Package render turns what a platform provides into the final config: it
// parses the user config, fetches and applies ignition.config.merge and
// replace children through the same resource Fetcher, and merges the base
// configs (/usr/lib/kindling/base.d, base.platform.d/ID) under it and the
// system user configs.
//
// Order of the result, lowest first:
//
//	base.d/*.ign (lexical), base.platform.d/PLATFORM/*.ign (lexical),
//	then the user config.
//
// The user config is the provider's when it gave one. Otherwise it is the
// first system user config found of /run/kindling/user.ign,
// /etc/kindling/user.ign, /usr/lib/kindling/user.ign: run-time beats
// administrator beats vendor, as with systemd's configuration directories.
// A system user config does not add to a provider's config: the platform's
// word is the user's word.
package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/redact"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/transpile"
)

// Locations of base and system configs, below Options.Root.
const (
	BaseDir         = "/usr/lib/kindling/base.d"
	BasePlatformDir = "/usr/lib/kindling/base.platform.d"
)

// SystemUserConfigs in precedence order: the first that exists is used.
// A fixed table, never changed at run time (tests move Options.Root).
var SystemUserConfigs = []string{"/run/kindling/user.ign", "/etc/kindling/user.ign", "/usr/lib/kindling/user.ign"}

// Limits on what config references may make Render fetch. Depth alone
// does not bound the work: ten merges on each of nine levels is 10^9
// fetches. Each fetched config is also held to resource.MaxConfigSize.
const (
	// DefaultMaxDepth bounds how deep merge/replace references may nest.
	DefaultMaxDepth = 10
	// DefaultMaxConfigs bounds how many configs are fetched in all.
	DefaultMaxConfigs = 64
	// DefaultMaxConfigBytes bounds the bytes of all fetched configs
	// together (after decompression).
	DefaultMaxConfigBytes = 64 << 20
)

// Options configure Render.
type Options struct {
	Root     string // prefix for base and system config paths ("" = /)
	Platform string // selects base.platform.d/PLATFORM
	// UserName names the given user config in messages ("" = "provider config").
	UserName string
	// Fetch are the base fetcher options (Offline, endpoints); each config's
	// ignition section is layered on them for the children it references.
	Fetch          resource.Options
	MaxDepth       int   // 0: DefaultMaxDepth
	MaxConfigs     int   // 0: DefaultMaxConfigs
	MaxConfigBytes int64 // 0: DefaultMaxConfigBytes
}

// Result says where the config came from.
type Result struct {
	Config config.Config
	// UserSource is "provider", a system user config path, or "" for none.
	UserSource string
	Report     report.Report // warnings from every parsed config
}

// Render builds the final config. user is the provider's config, nil when it
// gave none. An error wrapping resource.ErrNeedsNetwork means an offline
// fetcher met a reference that needs the network.
func Render(ctx context.Context, user []byte, opts Options) (Result, error) {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.MaxConfigs <= 0 {
		opts.MaxConfigs = DefaultMaxConfigs
	}
	if opts.MaxConfigBytes <= 0 {
		opts.MaxConfigBytes = DefaultMaxConfigBytes
	}
	r := &renderer{opts: opts}
	var res Result
	userName := opts.UserName
	if userName == "" {
		userName = "provider config"
	}
	if user != nil {
		res.UserSource = "provider"
	} else {
		path, data, err := r.systemUserConfig()
		if err != nil {
			return res, err
		}
		user, userName, res.UserSource = data, path, path
	}
	bases, err := r.baseConfigPaths()
	if err != nil {
		return res, err
	}
	var final config.Config
	have := false
	add := func(name string, data []byte) error {
		cfg, err := r.load(ctx, name, data, 0)
		if err != nil {
			return err
		}
		if have {
			final = config.Merge(final, cfg)
		} else {
			final, have = cfg, true
		}
		return nil
	}
	for _, p := range bases {
		data, err := os.ReadFile(p)
		if err != nil {
			return res, fmt.Errorf("base config: %w", err)
		}
		if err := add(p, data); err != nil {
			return res, err
		}
	}
	if user != nil {
		if err := add(userName, user); err != nil {
			return res, err
		}
	}
	if !have {
		// Nothing anywhere: provisioning runs with an empty config, which
		// changes nothing; the caller says so.
		final = config.Config{Ignition: config.Ignition{Version: config.Newest.String()}}
	}
	final.Ignition.Config = config.IgnitionConfig{}
	if rep := config.Validate(final); rep.IsFatal() {
		return res, fmt.Errorf("the merged config is invalid:\n%s", rep)
	}
	res.Config, res.Report = final, r.report
	return res, nil
}

type renderer struct {
	opts    Options
	report  report.Report
	fetched int   // configs fetched so far
	bytes   int64 // their bytes so far
}

func (r *renderer) path(p string) string { return filepath.Join(r.opts.Root, p) }

func (r *renderer) systemUserConfig() (string, []byte, error) {
	return SystemUserConfig(r.opts.Root)
}

// SystemUserConfig returns the first system user config that exists under
// root (see SystemUserConfigs) and its path; nil data when there is none.
// The fetch stage asks before the platform, as the reference does: a
// config embedded in the image or the initramfs preempts the platform's.
func SystemUserConfig(root string) (string, []byte, error) {
	for _, p := range SystemUserConfigs {
		path := filepath.Join(root, p)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("system user config: %w", err)
		}
		return path, data, nil
	}
	return "", nil, nil
}

// baseConfigPaths lists base.d then base.platform.d/PLATFORM, each sorted.
func (r *renderer) baseConfigPaths() ([]string, error) {
	dirs := []string{r.path(BaseDir)}
	if r.opts.Platform != "" {
		dirs = append(dirs, r.path(filepath.Join(BasePlatformDir, r.opts.Platform)))
	}
	var out []string
	for _, d := range dirs {
		m, err := filepath.Glob(filepath.Join(d, "*.ign"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// load parses one config (JSON, or the YAML dialect, which a user may hand
// the platform directly; it has no local files to read) and resolves its replace and merge references.
func (r *renderer) load(ctx context.Context, name string, data []byte, depth int) (config.Config, error) {
	cfg, rep, err := transpile.ParseAny(data, transpile.Options{})
	for i := range rep.Entries {
		rep.Entries[i].Message = name + ": " + rep.Entries[i].Message
	}
	r.report.Merge(rep)
	if err != nil || rep.IsFatal() {
		if err == nil {
			err = errors.New("invalid config")
		}
		// The report quotes source lines, which may hold URLs with secrets.
		return cfg, redact.Error(fmt.Errorf("%s: %w\n%s", name, err, rep))
	}
	return r.resolve(ctx, name, cfg, depth)
}

// resolve follows cfg's references: replace first (the referenced config
// takes cfg's place entirely), then merges in order, each child on top of
// the result so far. Children are fetched with cfg's own ignition options.
func (r *renderer) resolve(ctx context.Context, name string, cfg config.Config, depth int) (config.Config, error) {
	refs := cfg.Ignition.Config
	if refs.Replace.Source == nil && len(refs.Merge) == 0 {
		return cfg, nil
	}
	if depth >= r.opts.MaxDepth {
		return cfg, fmt.Errorf("%s: config references nest deeper than %d levels (render.MaxDepth)", name, r.opts.MaxDepth)
	}
	fopts, err := resource.OptionsFromConfig(ctx, cfg.Ignition, r.opts.Fetch)
	if err != nil {
		return cfg, fmt.Errorf("%s: ignition section: %w", name, err)
	}
	f := resource.New(fopts)
	if refs.Replace.Source != nil {
		child, err := r.child(ctx, f, refs.Replace, name, report.Path{"ignition", "config", "replace"}, depth)
		if err != nil {
			return cfg, err
		}
		return child, nil
	}
	out := cfg
	out.Ignition.Config = config.IgnitionConfig{}
	for i, m := range refs.Merge {
		child, err := r.child(ctx, f, m, name, report.Path{"ignition", "config", "merge", i}, depth)
		if err != nil {
			return cfg, err
		}
		out = config.Merge(out, child)
	}
	return out, nil
}

func (r *renderer) child(ctx context.Context, f *resource.Fetcher, ref config.Resource, parent string, at report.Path, depth int) (config.Config, error) {
	if r.fetched >= r.opts.MaxConfigs {
		return config.Config{}, fmt.Errorf("%s: %s: more than %d referenced configs in all (render.MaxConfigs)", parent, at, r.opts.MaxConfigs)
	}
	r.fetched++
	req := resource.RequestFrom(ref).ConfigSized()
	if left := r.opts.MaxConfigBytes - r.bytes; left < req.MaxSize {
		// The last config may use what the others left of the budget;
		// a config is never empty, so at least one byte is allowed.
		req.MaxSize = max(left, 1)
		req.LimitName = fmt.Sprintf("render.MaxConfigBytes, %d MiB for all referenced configs", r.opts.MaxConfigBytes>>20)
	}
	data, err := f.Fetch(ctx, req)
	if err != nil {
		return config.Config{}, fmt.Errorf("%s: %s: %w", parent, at, err)
	}
	r.bytes += int64(len(data))
	name := fmt.Sprintf("%s (from %s %s)", redact.URL(*ref.Source), parent, at)
	child, err := r.load(ctx, name, data, depth+1)
	if err != nil {
		return child, err
	}
	child.Ignition.Config = config.IgnitionConfig{}
	return child, nil
}
