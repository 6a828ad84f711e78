// Package disks is the disks stage: it partitions disks, assembles RAID
// arrays, formats and opens LUKS volumes and creates filesystems, in that
// order, each step with the distro tools (sfdisk, mdadm, cryptsetup,
// clevis, mkfs.*, mkswap, wipefs) run through internal/command.
//
// The whole partition plan of every disk is worked out, and every LUKS key
// fetched, before the first write, so a config that cannot be applied
// (a mismatching partition, a disk in use, an unreachable key) fails
// without touching any disk.
package disks

import (
	"context"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/stages"
)

func init() { stages.Register(Stage{}) }

// Stage is the disks stage.
type Stage struct{}

// Name is the stage's name.
func (Stage) Name() string { return "disks" }

// Idle says the config has no disks, arrays, LUKS volumes or filesystems.
func (Stage) Idle(cfg *config.Config) bool { return noStorage(cfg.Storage) }

func noStorage(st config.Storage) bool {
	return len(st.Disks) == 0 && len(st.Raid) == 0 && len(st.Luks) == 0 && len(st.Filesystems) == 0
}

// Run applies the storage section's disks, raid, luks and filesystems.
func (s Stage) Run(ctx context.Context, env *stages.Env, cfg *config.Config) error {
	env = env.Quiet()
	if s.Idle(cfg) {
		return nil
	}
	st := cfg.Storage
	if err := checkRaidNames(st.Raid); err != nil {
		return err
	}
	plans, err := planDisks(ctx, st.Disks)
	if err != nil {
		return err
	}
	keys, err := fetchLuksKeys(ctx, env, st.Luks)
	if err != nil {
		return err
	}
	for _, p := range plans {
		env.Progress("disks: partitioning %s", p.device)
		if err := p.apply(ctx); err != nil {
			return err
		}
	}
	if err := createRaids(ctx, env, st.Raid); err != nil {
		return err
	}
	keyFiles, err := createLuks(ctx, env, st.Luks, keys)
	if err == nil {
		err = createFilesystems(ctx, env, st.Filesystems)
	}
	if err != nil {
		removeKeyFiles(env, keyFiles)
	}
	return err
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func boolv(b *bool) bool { return b != nil && *b }

func intv(i *int) int {
	if i == nil {
		return 0
	}
	return *i
}
