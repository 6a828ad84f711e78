package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	klog "github.com/kindling-dev/kindling/internal/log"
	"github.com/kindling-dev/kindling/stages"
	_ "github.com/kindling-dev/kindling/stages/disks"
	_ "github.com/kindling-dev/kindling/stages/fetch"
	_ "github.com/kindling-dev/kindling/stages/files"
	_ "github.com/kindling-dev/kindling/stages/kargs"
	_ "github.com/kindling-dev/kindling/stages/mount"
)

func init() {
	for _, name := range stages.Order {
		s, err := stages.Get(name)
		if err != nil {
			panic(err) // a stage package is not linked in: a build mistake
		}
		register(name, command{
			summary: stages.InfoOf(s).Summary,
			run: func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
				return runStage(name, args, stdout, stderr)
			},
		})
	}
}

// stageFlags are the flags every stage command takes.
type stageFlags struct {
	platform     string
	root         string
	configCache  string
	fetchTimeout time.Duration
	logToStdout  bool
	debug        bool
}

func (f *stageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.platform, "platform", "", "platform id (e.g. qemu, aws, metal)")
	fs.StringVar(&f.root, "root", "/sysroot", "target root directory")
	fs.StringVar(&f.configCache, "config-cache", "/run/kindling/config.json", "rendered config cache written by fetch and read by later stages")
	fs.DurationVar(&f.fetchTimeout, "fetch-timeout", 0, "upper bound for each fetch (0: the config's own timeouts)")
	fs.BoolVar(&f.logToStdout, "log-to-stdout", false, "log to stdout instead of the journal")
	fs.BoolVar(&f.debug, "debug", false, "log debug messages too (each command run)")
}

// logger builds the stage's logger (the runner hands it to
// internal/command through the context).
func (f *stageFlags) logger(stage string, stdout io.Writer) *slog.Logger {
	opts := klog.Options{Stage: stage, Debug: f.debug}
	if f.logToStdout {
		opts.Out = stdout
	}
	return klog.New(opts)
}

func (f *stageFlags) env(l *slog.Logger) *stages.Env {
	return &stages.Env{
		Root:               f.root,
		ConfigCache:        f.configCache,
		Platform:           f.platform,
		FetchTimeout:       f.fetchTimeout,
		Log:                l,
		Status:             klog.Status,
		Timings:            map[string]time.Duration{},
		RunDir:             filepath.Dir(f.configCache),
		Stages:             stages.Default,
		UserConfigProvided: true,
	}
}

// signalContext is cancelled by SIGINT or SIGTERM (systemd stopping us),
// so fetches and commands end promptly.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runStage(name string, args []string, stdout, stderr io.Writer) int {
	s, err := stages.Get(name)
	if err != nil {
		fmt.Fprintf(stderr, "provision %s: %v\n", name, err)
		return exitUsage
	}
	fs := newFlags(name, fmt.Sprintf("Usage: provision %s [flags]\n\n%s.\nStages after fetch read the cached config.\n\nFlags:", name, stages.InfoOf(s).Summary), stderr)
	var f stageFlags
	f.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "provision %s: unexpected argument %q\n", name, fs.Arg(0))
		return exitUsage
	}
	// An empty --root would make the current directory the target.
	if f.root == "" {
		fmt.Fprintf(stderr, "provision %s: --root must not be empty\n", name)
		return exitUsage
	}
	// Stages that work inside the root need it to exist; the others may
	// run before it does.
	if stages.InfoOf(s).InRoot {
		root, err := resolveRoot(f.root)
		if err != nil {
			fmt.Fprintf(stderr, "provision %s: %v\n", name, err)
			return exitUsage
		}
		f.root = root
	}
	l := f.logger(name, stdout)
	ctx, cancel := signalContext()
	defer cancel()
	env := f.env(l)
	if err := stages.RunOne(ctx, env, name); err != nil {
		// The stage already logged its failure; this line is for the unit's
		// status and for anyone running the command by hand, and the file
		// is what the boot's failure message shows on the console.
		fmt.Fprintf(stderr, "provision %s: %v\n", name, err)
		recordFailure(env.RunDir, name, err)
		return exitFail
	}
	return exitOK
}

// FailureFile, in the run directory, holds the reason of the last failed
// stage for the console message of the boot integration.
const FailureFile = "failure"

func recordFailure(runDir, stage string, err error) {
	if runDir == "" {
		return
	}
	msg := fmt.Sprintf("stage %s: %v\n", stage, err)
	os.WriteFile(filepath.Join(runDir, FailureFile), []byte(msg), 0o644)
}
