package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
	"unicode"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/resource"
)

// Files under Env.RunDir that stages share across processes.
const (
	// RebootNeededFile is created when a stage changed something (kernel
	// arguments) that only takes effect after a reboot.
	RebootNeededFile = "reboot-needed"
	// TimingsFile accumulates stage durations for the result file.
	TimingsFile = "timings.json"
	// NoUserConfigFile is left by the fetch stages when the platform had
	// no user config and only base configs apply.
	NoUserConfigFile = "no-user-config"
)

// ConfigError ties an error to the config entry that caused it, so every
// message names its config path.
type ConfigError struct {
	Path report.Path
	What string // a short description of the entry, e.g. the file path
	Err  error
}

func (e *ConfigError) Error() string {
	if e.What == "" {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s (%s): %v", e.Path, QuoteIfNeeded(e.What), e.Err)
}

// QuoteIfNeeded returns s as is when it is plain printable text, and
// quoted Go-style when it holds newlines, escape sequences or other
// control characters: a path from a config must not be able to forge a
// line or recolour the console in an error message.
func QuoteIfNeeded(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == '"' || r == '\\' {
			return strconv.Quote(s)
		}
	}
	return s
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Errorf returns a ConfigError for path.
func Errorf(path report.Path, what, format string, args ...any) error {
	return &ConfigError{Path: path, What: what, Err: fmt.Errorf(format, args...)}
}

// Registry is the registry env runs from: Env.Stages, or Default.
func (env *Env) Registry() Registry {
	if env.Stages != nil {
		return env.Stages
	}
	return Default
}

// RunDirPath returns the runtime state directory of env.
func (env *Env) RunDirPath() string {
	if env.RunDir != "" {
		return env.RunDir
	}
	if env.ConfigCache != "" {
		return filepath.Dir(env.ConfigCache)
	}
	return "/run/kindling"
}

// RequestReboot records that the machine must reboot before it is used.
func (env *Env) RequestReboot(reason string) error {
	dir := env.RunDirPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, RebootNeededFile), []byte(reason+"\n"), 0o644); err != nil {
		return err
	}
	env.logf("reboot requested", "reason", reason)
	return nil
}

// Quiet returns env when it has a logger, else a copy whose logger
// discards, so a stage can log without checking and without changing the
// Env its caller holds.
func (env *Env) Quiet() *Env {
	if env.Log != nil {
		return env
	}
	c := *env
	c.Log = slog.New(slog.DiscardHandler)
	return &c
}

func (env *Env) logf(msg string, args ...any) {
	if env.Log != nil {
		env.Log.Info(msg, args...)
	}
}

// Progress reports progress through Status, when one is set.
func (env *Env) Progress(format string, args ...any) {
	if env.Status != nil {
		env.Status(format, args...)
	}
}

// LoadConfig reads the rendered config the fetch stages cached.
func LoadConfig(path string) (*config.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the cached config (did the fetch stage run?): %w", err)
	}
	cfg, rep, err := config.Parse(data)
	if err != nil {
		// The first error says which entry and why; the cache is written
		// valid, so this is a tampered or hand-made cache.
		for _, e := range rep.Entries {
			if e.Level == report.Error {
				return nil, fmt.Errorf("cached config %s: %w: %s", path, err, e)
			}
		}
		return nil, fmt.Errorf("cached config %s: %w", path, err)
	}
	return &cfg, nil
}

// RecordUserConfig leaves (or removes) NoUserConfigFile in the run
// directory, so later stage processes, which only read the rendered config,
// know whether the platform supplied a user config.
func (env *Env) RecordUserConfig(provided bool) error {
	env.UserConfigProvided = provided
	return SetMarker(filepath.Join(env.RunDirPath(), NoUserConfigFile), !provided)
}

// SetMarker creates an empty marker file, or removes it.
func SetMarker(path string, present bool) error {
	if present {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, nil, 0o644)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// RunOne runs one stage the way the initramfs units do, each in its own
// process: stages after fetch read the cached config, and the stage's
// duration is added to the timings kept in RunDir for the result file.
func RunOne(ctx context.Context, env *Env, name string) error {
	s, err := env.Registry().Get(name)
	if err != nil {
		return err
	}
	var cfg *config.Config
	if !InfoOf(s).MakesConfig {
		if cfg, err = LoadConfig(env.ConfigCache); err != nil {
			return err
		}
		_, err := os.Stat(filepath.Join(env.RunDirPath(), NoUserConfigFile))
		env.UserConfigProvided = err != nil
	}
	env.loadTimings()
	err = env.runTimed(ctx, s, cfg, false)
	if serr := env.saveTimings(); serr != nil && err == nil {
		env.logf("could not save stage timings", "err", serr)
	}
	return err
}

// Run runs the named stages in Order in this process with an already
// parsed config (provision apply). Unknown or unregistered names fail
// before anything runs. When mount ran, umount runs at the end even if a
// stage in between failed, so no filesystem stays mounted.
func Run(ctx context.Context, env *Env, names []string, cfg *config.Config) error {
	for _, name := range names {
		if !slices.Contains(Order, name) {
			return fmt.Errorf("unknown stage %q", name)
		}
	}
	var todo []Stage
	for _, name := range Order {
		if !slices.Contains(names, name) {
			continue
		}
		s, err := env.Registry().Get(name)
		if err != nil {
			return err
		}
		todo = append(todo, s)
	}
	mounted := false
	var runErr error
	for _, s := range todo {
		info := InfoOf(s)
		if info.Unmounts {
			continue // below, whatever happened
		}
		var c *config.Config
		if !info.MakesConfig {
			c = cfg
		}
		if err := env.runTimed(ctx, s, c, true); err != nil {
			runErr = err
			break
		}
		mounted = mounted || info.Mounts
	}
	for _, s := range todo {
		if mounted && InfoOf(s).Unmounts {
			runErr = errors.Join(runErr, env.runTimed(ctx, s, cfg, true))
		}
	}
	return runErr
}

// runTimed runs one stage, reports progress and records how long it took.
// With tag, log records get a stage attribute (several stages share one
// logger in one process).
func (env *Env) runTimed(ctx context.Context, s Stage, cfg *config.Config, tag bool) error {
	senv := *env
	if env.Log != nil && tag {
		senv.Log = env.Log.With("stage", s.Name())
	}
	if cfg != nil && env.Fetcher == nil {
		// Built once per process: in provision apply every stage shares it,
		// so the config's CA bundles are fetched once, not per stage.
		f, err := FetcherFor(ctx, cfg, env.FetchTimeout)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name(), err)
		}
		env.Fetcher = f
		senv.Fetcher = f
	}
	if env.Timings == nil {
		env.Timings = map[string]time.Duration{}
	}
	senv.Timings = env.Timings
	ctx = command.WithLogger(ctx, senv.Log) // the stage's commands log with it
	senv.Progress("%s: starting", s.Name())
	senv.logf("stage starting")
	start := time.Now()
	err := s.Run(ctx, &senv, cfg)
	took := time.Since(start)
	env.Timings[s.Name()] = took
	if err != nil {
		senv.Progress("%s: failed: %v", s.Name(), err)
		if senv.Log != nil {
			senv.Log.Error("stage failed", "err", err, "took", took)
		}
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	senv.Progress("%s: done", s.Name())
	senv.logf("stage done", "took", took)
	return nil
}

// FetcherFor builds the fetcher a config asks for: its timeouts, proxies
// and extra certificate authorities, with the stage's fetch timeout (when
// set) capping the config's total HTTP timeout.
func FetcherFor(ctx context.Context, cfg *config.Config, timeout time.Duration) (*resource.Fetcher, error) {
	opts, err := resource.OptionsFromConfig(ctx, cfg.Ignition, resource.Options{})
	if err != nil {
		return nil, err
	}
	if timeout > 0 && (opts.HTTPTotal == 0 || timeout < opts.HTTPTotal) {
		opts.HTTPTotal = timeout
	}
	return resource.New(opts), nil
}

// loadTimings adds the durations earlier stage processes recorded.
func (env *Env) loadTimings() {
	if env.Timings == nil {
		env.Timings = map[string]time.Duration{}
	}
	var saved map[string]float64 // seconds
	if env.readRunJSON(TimingsFile, &saved) != nil {
		return
	}
	for k, v := range saved {
		if _, ok := env.Timings[k]; !ok {
			env.Timings[k] = time.Duration(v * float64(time.Second))
		}
	}
}

func (env *Env) saveTimings() error {
	out := map[string]float64{}
	for k, v := range env.Timings {
		out[k] = v.Seconds()
	}
	return env.writeRunJSON(TimingsFile, out)
}
