// Package stages defines the provisioning stages and runs them in order:
// fetch-offline, fetch, kargs, disks, mount, files, umount. Each stage is
// its own package below this one and registers itself here.
package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
)

// Env is what every stage gets.
type Env struct {
	Root         string        // target root, e.g. /sysroot
	ConfigCache  string        // rendered config cache, e.g. /run/kindling/config.json
	Platform     string        // platform id
	FetchTimeout time.Duration // bound for fetches
	Fetcher      *resource.Fetcher
	Log          *slog.Logger
	// Status reports progress (sd_notify STATUS= when under systemd).
	Status func(format string, args ...any)
	// Timings collects how long each stage took, for the result file.
	Timings map[string]time.Duration
	// RunDir holds runtime state shared between stage processes, e.g.
	// /run/kindling: the reboot-needed flag, stage timings, LUKS key files
	// handed from disks to files. Empty means the config cache's directory.
	RunDir string
	// Stages are the stages to run by name; nil means Default.
	Stages Registry
	// UserConfigProvided says whether the platform supplied a user config
	// (false when only base configs applied); recorded in the result file.
	UserConfigProvided bool
}

// Stage is one step of provisioning. Stages other than fetch and
// fetch-offline get the rendered config; the fetch stages produce it and
// receive nil.
type Stage interface {
	Name() string
	Run(ctx context.Context, env *Env, cfg *config.Config) error
}

// Info is what a stage says about itself, so the runner and the command
// line read it instead of testing stage names (as Ignition's stage
// registry does). The zero Info is an ordinary stage: it consumes the
// rendered config and leaves nothing mounted.
type Info struct {
	// Summary is its one line in `provision help`.
	Summary string
	// MakesConfig: the stage produces the rendered config (the fetch
	// stages) and is given nil instead of one.
	MakesConfig bool
	// Mounts: the stage leaves the config's filesystems mounted under
	// Env.Root for the stages after it.
	Mounts bool
	// Unmounts: the stage undoes Mounts. Run runs it last whenever a
	// Mounts stage ran, even after a failure, so nothing stays mounted.
	Unmounts bool
	// Devices: the stage changes block devices (partitions, formats).
	Devices bool
	// InRoot: the stage works inside Env.Root, which must then be an
	// existing directory; the others may run before the root exists.
	InRoot bool
}

// Describer is a stage that describes itself; stages that do not are
// described by the zero Info.
type Describer interface {
	Info() Info
}

// InfoOf returns what s says about itself.
func InfoOf(s Stage) Info {
	if d, ok := s.(Describer); ok {
		return d.Info()
	}
	return Info{}
}

// Idler is a stage that can tell from the config alone that it has
// nothing to do. The fetch stages record that (see MarkIdle), so the boot
// integration skips the stage's process instead of starting it to find out.
type Idler interface {
	Idle(cfg *config.Config) bool
}

// IdleDir, under Env.RunDir, holds an empty file named after each stage
// that has nothing to do for the cached config.
const IdleDir = "idle"

// MarkIdle records, for every stage of r that is an Idler, whether it has
// nothing to do for cfg; a marker left by an earlier config goes.
func (r Registry) MarkIdle(runDir string, cfg *config.Config) error {
	for _, name := range Order {
		if idler, ok := r[name].(Idler); ok {
			if err := SetIdle(runDir, name, idler.Idle(cfg)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetIdle creates or removes the idle marker of one step of the boot.
func SetIdle(runDir, name string, idle bool) error {
	dir := filepath.Join(runDir, IdleDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	marker := filepath.Join(dir, name)
	if idle {
		return os.WriteFile(marker, nil, 0o644)
	}
	if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Registry maps stage names to stages. Default holds the stages linked
// into the binary; tests build their own and pass it in Env.Stages, so
// they share no package state.
type Registry map[string]Stage

// Default is where stage packages register themselves, from their init
// functions; after that it is only read, so concurrent lookups are safe.
// Code that has an Env uses Env.Registry instead.
var Default = Registry{}

// Register adds a stage to Default; called from each stage package's init.
func Register(s Stage) { Default.Register(s) }

// Register adds a stage to r.
func (r Registry) Register(s Stage) {
	if _, dup := r[s.Name()]; dup {
		panic("stages: duplicate stage " + s.Name())
	}
	r[s.Name()] = s
}

// Order is the order stages run in (a fixed table, only read).
var Order = []string{"fetch-offline", "fetch", "kargs", "disks", "mount", "files", "umount"}

// ConfigStages are the stages of r, in Order, that consume the rendered
// config; without devices, those that change block devices or mount
// filesystems are left out (provision apply on a running system).
func (r Registry) ConfigStages(devices bool) []string {
	var out []string
	for _, name := range Order {
		s, ok := r[name]
		if !ok {
			continue
		}
		info := InfoOf(s)
		if info.MakesConfig || !devices && (info.Devices || info.Mounts || info.Unmounts) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// Get returns a stage registered in Default (for the command line, which
// lists the stages before any Env exists).
func Get(name string) (Stage, error) { return Default.Get(name) }

// Get returns a stage of r.
func (r Registry) Get(name string) (Stage, error) {
	s, ok := r[name]
	if !ok {
		return nil, fmt.Errorf("unknown stage %q (known: %v)", name, slices.Sorted(maps.Keys(r)))
	}
	return s, nil
}
