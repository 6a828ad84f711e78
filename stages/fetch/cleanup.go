package fetch

import (
	"context"
	"fmt"

	"github.com/kindling-dev/kindling/providers"
	"github.com/kindling-dev/kindling/stages"
)

// CleanupStep names Cleanup's idle marker (see stages.SetIdle), left by
// the fetch stage on platforms where it has nothing to do.
const CleanupStep = "cleanup"

// Cleanup runs once provisioning succeeded. Platforms that keep the user
// config where anything in the machine can read it later (hypervisor
// variables) get it removed, since configs may hold secrets. Other
// platforms have nothing to do.
func Cleanup(ctx context.Context, env *stages.Env, opts Options) error {
	platform, p, err := opts.provider(env)
	if err != nil {
		return err
	}
	remover, ok := p.(providers.ConfigRemover)
	if !ok {
		return nil
	}
	fc := opts.fetchContext(env, nil, false)
	if err := remover.RemoveConfig(ctx, fc); err != nil {
		return fmt.Errorf("platform %s: removing the config: %w", platform, err)
	}
	logf(env, "removed the user config from platform %s", platform)
	return nil
}
