// Package fetch holds the fetch-offline and fetch stages. Both find the
// platform, ask its provider for the user config, render it (merge and
// replace references, base and system configs; see internal/render) and
// write the result to Env.ConfigCache for the later stages.
//
// fetch-offline runs before networking, with a fetcher that can only read
// data: URLs. When the config needs the network (the provider talks to a
// metadata service, or a reference is remote) it writes no cache but the
// marker file NeedsNetworkMarker next to it, and succeeds; the boot then
// brings networking up and the fetch stage does the work. The fetch stage
// does nothing when a cache already exists (fetch-offline finished the
// job), and removes the marker when it writes the cache.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/kcmdline"
	"github.com/kindling-dev/kindling/internal/redact"
	"github.com/kindling-dev/kindling/internal/render"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/providers"
	"github.com/kindling-dev/kindling/stages"
)

// NeedsNetworkMarker is created in the config cache's directory by
// fetch-offline when the config can only be fetched with the network.
const NeedsNetworkMarker = "fetch-needs-network"

// Options are what the fetch stages take besides the Env; the zero value
// is the real machine. Tests build their own Stage with them, so they can
// run in parallel.
type Options struct {
	// HostRoot prefixes where base configs, system user configs and
	// /proc/cmdline are looked up.
	HostRoot string
	// Customize, when set, adjusts each FetchContext (tests point a
	// provider at a fake metadata server).
	Customize func(*providers.FetchContext)
	// Fetch are the base fetcher options (tests set endpoints).
	Fetch resource.Options
	// Providers looks up the provider of a platform id; nil means
	// providers.Get, the platforms linked into the binary (tests bring
	// platforms of their own without registering them globally).
	Providers func(platform string) (providers.Provider, error)
}

// provider returns env's platform id and its provider.
func (o Options) provider(env *stages.Env) (string, providers.Provider, error) {
	platform, err := platformOf(env, o.HostRoot)
	if err != nil {
		return "", nil, err
	}
	get := o.Providers
	if get == nil {
		get = providers.Get
	}
	p, err := get(platform)
	if err != nil {
		return "", nil, err
	}
	return platform, p, nil
}

// fetchContext is the providers' view of this fetch.
func (o Options) fetchContext(env *stages.Env, fetcher *resource.Fetcher, offline bool) *providers.FetchContext {
	fc := &providers.FetchContext{Fetcher: fetcher, Root: o.HostRoot, Offline: offline, Log: env.Log}
	if o.Customize != nil {
		o.Customize(fc)
	}
	return fc
}

func init() {
	stages.Register(Stage{Offline: true})
	stages.Register(Stage{})
}

// Stage is fetch-offline (Offline) or fetch.
type Stage struct {
	Offline bool
	Options
}

func (s Stage) Name() string {
	if s.Offline {
		return "fetch-offline"
	}
	return "fetch"
}

func (s Stage) Info() stages.Info {
	if s.Offline {
		return stages.Info{MakesConfig: true, Summary: "stage: fetch the config without the network and cache it"}
	}
	return stages.Info{MakesConfig: true, Summary: "stage: fetch the config over the network and cache it"}
}

func (s Stage) Run(ctx context.Context, env *stages.Env, _ *config.Config) error {
	if env.ConfigCache == "" {
		return errors.New("no config cache path given")
	}
	marker := filepath.Join(filepath.Dir(env.ConfigCache), NeedsNetworkMarker)
	if !s.Offline {
		if _, err := os.Stat(env.ConfigCache); err == nil {
			logf(env, "config already fetched by fetch-offline, nothing to do")
			return nil
		}
	}
	if env.FetchTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, env.FetchTimeout)
		defer cancel()
	}
	platform, p, err := s.provider(env)
	if err != nil {
		return err
	}
	if s.Offline && providers.Needs(p) {
		logf(env, "platform %s needs the network; leaving the config to the fetch stage", platform)
		return markNeedsNetwork(marker)
	}
	res, err := s.fetchAndRender(ctx, env, p, platform)
	if s.Offline && errors.Is(err, resource.ErrNeedsNetwork) {
		logf(env, "config needs the network (%v); leaving it to the fetch stage", err)
		return markNeedsNetwork(marker)
	}
	if err != nil {
		return err
	}
	if err := env.RecordUserConfig(res.UserSource != ""); err != nil {
		return fmt.Errorf("recording whether a user config was provided: %w", err)
	}
	data, err := config.Marshal(res.Config)
	if err != nil {
		return err
	}
	if err := writeAtomic(env.ConfigCache, data); err != nil {
		return fmt.Errorf("writing the config cache: %w", err)
	}
	if err := env.Registry().MarkIdle(env.RunDirPath(), &res.Config); err != nil {
		return fmt.Errorf("recording which stages have nothing to do: %w", err)
	}
	// Cleanup after provisioning only has work where the platform keeps
	// the config readable.
	_, remover := p.(providers.ConfigRemover)
	if err := stages.SetIdle(env.RunDirPath(), CleanupStep, !remover); err != nil {
		return fmt.Errorf("recording which stages have nothing to do: %w", err)
	}
	if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	logf(env, "rendered config written to %s", env.ConfigCache)
	return nil
}

func (s Stage) fetchAndRender(ctx context.Context, env *stages.Env, p providers.Provider, platform string) (render.Result, error) {
	// One Cloud for the provider's fetcher and every fetcher rendering
	// builds: one IMDS token, one role credential, one GCE token.
	fopts := s.Fetch
	fopts.Offline = s.Offline
	fopts.Cloud = &resource.Cloud{}
	fc := s.fetchContext(env, resource.New(fopts), s.Offline)
	if env.Status != nil {
		env.Status("fetching the config from platform %s", platform)
	}
	raw, from, err := userConfig(ctx, env, fc, p, s.HostRoot)
	switch {
	case errors.Is(err, providers.ErrNoConfig), err == nil && len(raw) == 0:
		logf(env, "platform %s provided no user config", platform)
		raw = nil
	case err != nil:
		return render.Result{}, fmt.Errorf("platform %s: %w", platform, err)
	case providers.NotAConfig(raw):
		// Cloud images often get cloud-init user data; that is not for us.
		logf(env, "platform %s user data is a cloud-config or script, not a Kindling config; ignoring it", platform)
		raw = nil
	}
	res, err := render.Render(ctx, raw, render.Options{Root: s.HostRoot, Platform: platform, Fetch: fopts, UserName: from})
	if err != nil {
		return res, err
	}
	for _, e := range res.Report.Entries {
		if env.Log != nil {
			env.Log.Warn(redact.Text(e.String())) // quotes config lines, URLs included
		}
	}
	if res.UserSource == "" {
		logf(env, "no user config provided; using base configs only")
	} else if res.UserSource != "provider" {
		logf(env, "no user config from the platform; using system user config %s", res.UserSource)
	}
	return res, nil
}

// userConfig is, in Ignition's order, the config named by the kernel
// command line's config URL on any platform, else a system user config
// (one embedded in the image or the initramfs), and only without either
// the provider's.
// The second result names the config's origin for messages.
func userConfig(ctx context.Context, env *stages.Env, fc *providers.FetchContext, p providers.Provider, hostRoot string) ([]byte, string, error) {
	raw, err := providers.FetchCmdlineConfig(ctx, fc)
	if err == nil {
		logf(env, "using the config URL from the kernel command line (%s=)", providers.ConfigURLArgs[0])
		return raw, "config from the kernel command line", nil
	}
	if !errors.Is(err, providers.ErrNoConfig) {
		return nil, "", err
	}
	path, raw, err := render.SystemUserConfig(hostRoot)
	if err != nil || raw != nil {
		if raw != nil {
			logf(env, "using the system user config %s; the platform is not asked", path)
		}
		return raw, path, err
	}
	raw, err = p.FetchConfig(ctx, fc)
	return raw, "", err
}

// platformOf is Env.Platform, else the kernel command line's.
func platformOf(env *stages.Env, hostRoot string) (string, error) {
	if env.Platform != "" {
		return env.Platform, nil
	}
	cmdline, err := kcmdline.Read(hostRoot)
	if err != nil {
		return "", fmt.Errorf("no --platform given and the kernel command line is unreadable: %w", err)
	}
	if id, ok := providers.PlatformFromCmdline(cmdline); ok && id != "" {
		return id, nil
	}
	return "", fmt.Errorf("no platform: pass --platform or the kernel argument %s=", providers.PlatformArgs[0])
}

func markNeedsNetwork(marker string) error {
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return err
	}
	return os.WriteFile(marker, nil, 0o644)
}

// writeAtomic writes a 0600 file via a temp file and rename, so a reader
// never sees half a config.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func logf(env *stages.Env, format string, args ...any) {
	if env.Log != nil {
		env.Log.Info(fmt.Sprintf(format, args...))
	}
}
