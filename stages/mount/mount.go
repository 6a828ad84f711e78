// Package mount holds the mount and umount stages: mount every filesystem
// of the config that has a path under the target root, shallowest first so
// that /var is mounted before /var/log, and unmount them in reverse once
// the files stage is done.
package mount

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/mountinfo"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

func init() {
	stages.Register(mountStage{})
	stages.Register(umountStage{})
}

// target is one filesystem to mount, with its config index for messages.
type target struct {
	index int
	fs    config.Filesystem
	path  string // cleaned, absolute, inside the root
}

// targets lists the filesystems that have a path, shallowest first.
// Swap and "none" are never mounted.
func targets(cfg *config.Config) []target {
	var out []target
	for i, fs := range cfg.Storage.Filesystems {
		p := strings.TrimSpace(deref(fs.Path))
		if p == "" {
			continue
		}
		switch deref(fs.Format) {
		case "swap", "none":
			continue
		}
		out = append(out, target{index: i, fs: fs, path: path.Clean("/" + p)})
	}
	sort.SliceStable(out, func(a, b int) bool { return depth(out[a].path) < depth(out[b].path) })
	return out
}

func depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func cfgPath(t target) report.Path { return report.Path{"storage", "filesystems", t.index} }

type mountStage struct{}

func (mountStage) Name() string { return "mount" }

func (mountStage) Info() stages.Info {
	return stages.Info{Mounts: true, InRoot: true, Summary: "stage: mount the config's filesystems under the target root"}
}

// Idle says no filesystem of the config is to be mounted (so none is to
// be unmounted either).
func (mountStage) Idle(cfg *config.Config) bool { return len(targets(cfg)) == 0 }

func (mountStage) Run(ctx context.Context, env *stages.Env, cfg *config.Config) error {
	env = env.Quiet()
	list := targets(cfg)
	if len(list) == 0 {
		return nil
	}
	var done, made []string
	for _, t := range list {
		env.Progress("mount: %s on %s", t.fs.Device, t.path)
		where, dirs, err := mountOne(ctx, env.Root, t)
		if err != nil {
			// Leave nothing half-mounted behind.
			for i := len(done) - 1; i >= 0; i-- {
				command.Run(ctx, "umount", done[i])
			}
			return stages.Errorf(cfgPath(t), t.fs.Device, "%w", err)
		}
		env.Log.Info("mounted", "device", t.fs.Device, "path", where)
		done = append(done, where)
		made = append(made, dirs...)
	}
	return env.RecordMadeDirs(made)
}

// mountOne creates the mount point inside the root (symlinks resolved
// inside it) and mounts the device there. The root is opened afresh each
// time and closed before returning: a descriptor held on a mount point
// would make unmounting it fail as busy.
func mountOne(ctx context.Context, rootDir string, t target) (where string, made []string, err error) {
	root, err := rootfs.Open(rootDir)
	if err != nil {
		return "", nil, err
	}
	defer root.Close()
	where = root.Dir()
	if t.path != "/" {
		if made, err = plainDirs(root, t.path); err != nil {
			return "", nil, err
		}
		if err := root.MkdirAll(t.path); err != nil {
			return "", nil, fmt.Errorf("creating the mount point %s: %w", t.path, err)
		}
		// A mount point made here is 0755 and root's, like its parents,
		// as in Ignition (MkdirAll leaves the last one 0700).
		if len(made) > 0 {
			if err := root.Chmod(t.path, 0o755); err != nil {
				return "", nil, err
			}
		}
		if where, err = root.Resolve(t.path); err != nil {
			return "", nil, err
		}
	}
	args := []string{}
	if f := deref(t.fs.Format); f != "" {
		args = append(args, "-t", f)
	}
	if len(t.fs.MountOptions) > 0 {
		args = append(args, "-o", strings.Join(t.fs.MountOptions, ","))
	}
	args = append(args, t.fs.Device, where)
	if _, err := command.Run(ctx, "mount", args...); err != nil {
		return "", nil, err
	}
	return where, made, nil
}

// plainDirs checks that every existing component of a mount path is a
// directory, as Ignition does: a symlink would move the mount elsewhere
// in the image (a link to / would mount over the whole root, hiding it
// from the files stage), and umount, resolving the path again later,
// could miss it. It returns the components that do not exist yet, which
// creating the mount point makes, parents first.
func plainDirs(root *rootfs.Root, path string) (missing []string, err error) {
	prefix := ""
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		prefix += "/" + part
		if missing != nil {
			missing = append(missing, prefix)
			continue
		}
		st, ok, err := root.Lstat(prefix)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok:
			missing = []string{prefix}
		case st.IsSymlink():
			return nil, fmt.Errorf("the mount point %s passes through %s, a symlink; mount points must be made of directories", path, prefix)
		case !st.IsDir():
			return nil, fmt.Errorf("the mount point %s passes through %s, which is not a directory", path, prefix)
		}
	}
	return missing, nil
}

type umountStage struct{}

func (umountStage) Name() string { return "umount" }

func (umountStage) Info() stages.Info {
	return stages.Info{Unmounts: true, InRoot: true, Summary: "stage: unmount what the mount stage mounted"}
}

// Run unmounts in reverse order what mount mounted. A path that is not a
// mount point (mount did not get that far) is skipped.
func (umountStage) Run(ctx context.Context, env *stages.Env, cfg *config.Config) error {
	env = env.Quiet()
	list := targets(cfg)
	if len(list) == 0 {
		return nil
	}
	root, err := rootfs.Open(env.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	mounted, err := mountPoints()
	if err != nil {
		return err
	}
	var errs []error
	for i := len(list) - 1; i >= 0; i-- {
		t := list[i]
		where := root.Dir()
		if t.path != "/" {
			if where, err = root.Resolve(t.path); err != nil {
				continue // the mount point was never made
			}
		}
		if !mounted[where] {
			continue
		}
		env.Progress("umount: %s", where)
		if _, err := command.Run(ctx, "umount", where); err != nil {
			errs = append(errs, stages.Errorf(cfgPath(t), t.fs.Device, "%w", err))
			continue
		}
		env.Log.Info("unmounted", "path", where)
	}
	return errors.Join(errs...)
}

// mountPoints returns the current mount points.
func mountPoints() (map[string]bool, error) {
	mounts, err := mountinfo.Read()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range mounts {
		out[m.Target] = true
	}
	return out, nil
}
