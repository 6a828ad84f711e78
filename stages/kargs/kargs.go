// Package kargs is the kargs stage: it makes the installed system's boot
// entries carry the kernel arguments the config asks for. It edits the
// "options" line of Boot Loader Specification type-1 entries
// (/boot/loader/entries/*.conf in the target root) or, when the image ships
// a helper, leaves the editing to it. Any change requests a reboot, since
// the running kernel was booted with the old arguments.
package kargs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/kcmdline"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

const (
	// EntriesDir holds BLS type-1 entries in the target.
	EntriesDir = "/boot/loader/entries"
	// HelperPath is an image's own kargs tool, inside the target root.
	HelperPath = "/usr/libexec/kindling-kargs"
	// HelperEnv names a helper on the host (initramfs) instead.
	HelperEnv = "KINDLING_KARGS_HELPER"
)

func init() { stages.Register(stage{}) }

type stage struct{}

func (stage) Name() string { return "kargs" }

func (stage) Info() stages.Info {
	return stages.Info{Summary: "stage: apply kernel arguments to the target's boot entries"}
}

// Idle says the config asks for no kernel argument changes.
func (stage) Idle(cfg *config.Config) bool {
	return len(cfg.KernelArguments.ShouldExist)+len(cfg.KernelArguments.ShouldNotExist) == 0
}

func (s stage) Run(ctx context.Context, env *stages.Env, cfg *config.Config) error {
	env = env.Quiet()
	if s.Idle(cfg) {
		return nil
	}
	ka := cfg.KernelArguments
	if err := checkArgs(ka); err != nil {
		return err
	}
	root, err := rootfs.Open(env.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	if helper := findHelper(root); helper != "" {
		return runHelper(ctx, env, helper, ka)
	}
	changed, err := applyToEntries(root, ka)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		env.Log.Info("kernel arguments already as requested")
		return nil
	}
	env.Log.Info("kernel arguments changed", "entries", strings.Join(changed, ","))
	return env.RequestReboot("kernel arguments changed in " + strings.Join(changed, ", "))
}

// checkArgs refuses an argument with a control character before any
// entry is touched: a line break would end the "options" line and forge
// the next line of the boot entry (an initrd, another linux).
func checkArgs(ka config.KernelArguments) error {
	for _, list := range []struct {
		key  string
		args []string
	}{{"shouldExist", ka.ShouldExist}, {"shouldNotExist", ka.ShouldNotExist}} {
		for i, a := range list.args {
			if strings.ContainsFunc(a, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return stages.Errorf(report.Path{"kernelArguments", list.key, i}, a,
					"kernel argument %q contains a line break or another control character, which would forge a line of the boot entry", a)
			}
		}
	}
	return nil
}

// findHelper returns the host path of the helper to use, or "".
func findHelper(root *rootfs.Root) string {
	if h := os.Getenv(HelperEnv); h != "" {
		return h
	}
	st, ok, err := root.Lstat(HelperPath)
	if err != nil || !ok {
		return ""
	}
	if st.IsSymlink() || st.IsRegular() {
		if p, err := root.Resolve(HelperPath); err == nil {
			return p
		}
	}
	return ""
}

// runHelper calls the image's helper as
//
//	HELPER --should-exist ARG ... --should-not-exist ARG ...
//
// with KINDLING_ROOT set to the target root and KINDLING_REBOOT_NEEDED to
// the flag file it must create when it changed anything.
func runHelper(ctx context.Context, env *stages.Env, helper string, ka config.KernelArguments) error {
	var args []string
	for _, a := range ka.ShouldExist {
		args = append(args, "--should-exist", a)
	}
	for _, a := range ka.ShouldNotExist {
		args = append(args, "--should-not-exist", a)
	}
	flag := filepath.Join(env.RunDirPath(), stages.RebootNeededFile)
	if err := os.MkdirAll(env.RunDirPath(), 0o755); err != nil {
		return err
	}
	opts := command.Options{Env: []string{"KINDLING_ROOT=" + env.Root, "KINDLING_REBOOT_NEEDED=" + flag}}
	if _, err := command.RunOpts(ctx, opts, helper, args...); err != nil {
		return fmt.Errorf("kernelArguments: helper %s: %w", helper, err)
	}
	if _, err := os.Stat(flag); err == nil {
		env.Log.Info("kernel arguments changed by helper; reboot requested", "helper", helper)
	}
	return nil
}

// applyToEntries edits every BLS entry and returns the names of those it
// changed. Entries are rewritten atomically, keeping mode and owner.
func applyToEntries(root *rootfs.Root, ka config.KernelArguments) ([]string, error) {
	names, err := root.ReadDir(EntriesDir)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var changed []string
	found := 0
	for _, n := range names {
		if !strings.HasSuffix(n, ".conf") {
			continue
		}
		found++
		p := EntriesDir + "/" + n
		data, err := root.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("kernelArguments: %w", err)
		}
		out, did := editEntry(string(data), ka)
		if !did {
			continue
		}
		st, _, err := root.Lstat(p)
		if err != nil {
			return nil, err
		}
		opts := rootfs.WriteOptions{Mode: st.Perm(), Owner: rootfs.Owner{UID: st.UID, GID: st.GID}}
		if st.IsSymlink() {
			opts = rootfs.WriteOptions{Mode: 0o644}
		}
		if err := root.WriteFile(p, strings.NewReader(out), opts); err != nil {
			return nil, fmt.Errorf("kernelArguments: %w", err)
		}
		changed = append(changed, n)
	}
	if found == 0 {
		return nil, fmt.Errorf("kernelArguments: no boot entries (%s/*.conf) in the target root to apply them to", EntriesDir)
	}
	return changed, nil
}

// editEntry applies the arguments to one entry and reports whether
// anything changed. BLS allows several "options" lines, which the boot
// loader joins: unwanted arguments are removed from all of them, missing
// ones appended to the last (a line is added when there is none).
func editEntry(entry string, ka config.KernelArguments) (string, bool) {
	lines := strings.Split(entry, "\n")
	var all []string
	last := -1
	changed := false
	for i, l := range lines {
		key, value := splitKey(l)
		if key != "options" {
			continue
		}
		args := kcmdline.Split(value)
		kept := Apply(args, nil, ka.ShouldNotExist)
		if !slices.Equal(args, kept) {
			lines[i] = "options " + strings.Join(kept, " ")
			changed = true
		}
		all = append(all, kept...)
		last = i
	}
	// Apply keeps all of them in place and appends only what is missing.
	missing := Apply(all, ka.ShouldExist, nil)[len(all):]
	if len(missing) > 0 {
		changed = true
		if last >= 0 {
			_, value := splitKey(lines[last])
			lines[last] = strings.TrimSpace("options " + strings.Join(append(kcmdline.Split(value), missing...), " "))
		} else {
			// Before the trailing empty element of a newline-terminated file.
			at := len(lines)
			if at > 0 && lines[at-1] == "" {
				at--
			}
			lines = slices.Insert(lines, at, "options "+strings.Join(missing, " "))
		}
	}
	if !changed {
		return entry, false
	}
	return strings.Join(lines, "\n"), true
}

// Apply returns args with every shouldNot argument removed and every
// should argument that is missing appended, in the config's order. Present
// arguments keep their place, so applying twice changes nothing.
func Apply(args, should, shouldNot []string) []string {
	out := make([]string, 0, len(args)+len(should))
	for _, a := range args {
		if !slices.Contains(shouldNot, a) {
			out = append(out, a)
		}
	}
	for _, a := range should {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// splitKey splits a BLS line into its key and the rest.
func splitKey(line string) (key, value string) {
	line = strings.TrimSpace(line)
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, ""
	}
	return line[:i], strings.TrimSpace(line[i+1:])
}
