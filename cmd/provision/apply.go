package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/stages"
	"github.com/kindling-dev/kindling/transpile"
)

func init() {
	register("apply", command{
		summary: "apply a local config to a directory or image in one process (files, users, units, kargs)",
		run:     runApply,
	})
}

func runApply(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("apply", `Usage: provision apply [--root DIR] [--with-disks] [flags] CONFIG|-

Runs the provisioning stages in one process from a local config (JSON, or
the YAML dialect of transpile with local files below --files-dir), for
image builders and for trying a config on a directory: kargs and files,
and with --with-disks also disks, mount and umount. Nothing is fetched for
the config itself (merge and replace children are not supported here);
file contents are fetched as usual. Exit status: 0 done, 1 failed, 2 usage.

Flags:`, stderr)
	var f stageFlags
	f.register(fs)
	withDisks := fs.Bool("with-disks", false, "also run the disks, mount and umount stages (partitions and formats real devices)")
	filesDir := fs.String("files-dir", "", "for YAML configs: directory that local file references are read below")
	runDir := fs.String("run-dir", "", "runtime state directory (reboot flag, timings); default: a temporary directory")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "provision apply: exactly one CONFIG is needed")
		fs.Usage()
		return exitUsage
	}
	name, data, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "provision apply: %v\n", err)
		return exitFail
	}
	cfg, err := parseLocal(name, data, *filesDir, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "provision apply: %v\n", err)
		return exitFail
	}

	root, err := resolveRoot(f.root)
	if err != nil {
		fmt.Fprintf(stderr, "provision apply: %v\n", err)
		return exitUsage
	}
	f.root = root
	l := f.logger("apply", stdout)
	env := f.env(l)
	env.ConfigCache = ""
	env.RunDir = *runDir
	if env.RunDir == "" {
		dir, err := os.MkdirTemp("", "kindling-apply-*")
		if err != nil {
			fmt.Fprintf(stderr, "provision apply: %v\n", err)
			return exitFail
		}
		defer os.RemoveAll(dir)
		env.RunDir = dir
	}
	names := env.Registry().ConfigStages(*withDisks)
	ctx, cancel := signalContext()
	defer cancel()
	if err := stages.Run(ctx, env, names, cfg); err != nil {
		fmt.Fprintf(stderr, "provision apply: %v\n", err)
		return exitFail
	}
	if _, err := os.Stat(filepath.Join(env.RunDir, stages.RebootNeededFile)); err == nil {
		fmt.Fprintln(stderr, "provision apply: kernel arguments changed; the target needs a reboot to use them")
	}
	return exitOK
}

// parseLocal parses a config (JSON or the YAML dialect, local references
// read below filesDir), printing its findings.
func parseLocal(name string, data []byte, filesDir string, stderr io.Writer) (*config.Config, error) {
	cfg, rep, err := transpile.ParseAny(data, transpile.Options{FilesDir: filesDir})
	if len(rep.Entries) > 0 {
		rep.Pretty(stderr, name, data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(cfg.Ignition.Config.Merge) > 0 || cfg.Ignition.Config.Replace.Source != nil {
		return nil, errors.New(name + ": ignition.config.merge and replace are not supported by apply; run the fetch stage or render the config first")
	}
	return &cfg, nil
}

// resolveRoot checks --root and resolves symlinks in it: an empty value
// would provision the current directory, and tools that get plain paths
// (mount) must see the same directory the confined writers open.
func resolveRoot(root string) (string, error) {
	if root == "" {
		return "", errors.New("--root must not be empty")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("--root %s: %w", root, err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("--root %s: %w", root, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("--root %s is not a directory", root)
	}
	return real, nil
}
