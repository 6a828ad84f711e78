// Package command runs the distro tools provisioning relies on (sfdisk,
// mkfs.*, mdadm, cryptsetup, useradd, udevadm...). It is the one place that
// logs each command line, its output and how long it took, so a failed
// provisioning run can be understood from the journal alone.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"strings"
	"time"
)

type loggerKey struct{}

// WithLogger returns ctx whose commands log to l: the stage runner gives
// each stage's commands the stage's logger this way (none set means
// slog.Default()).
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	if l == nil {
		return ctx
	}
	return context.WithValue(ctx, loggerKey{}, l)
}

func loggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// Error is a command that failed; its message includes the tool's output.
type Error struct {
	Args   []string
	Err    error
	Output string
}

// Error names the command and gives the first lines of its output, which
// is where tools put the reason; a usage text that follows is cut (the
// journal has all of it).
func (e *Error) Error() string {
	out := headLines(e.Output, errorLines)
	if out == "" {
		return fmt.Sprintf("%s: %v", strings.Join(e.Args, " "), e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", strings.Join(e.Args, " "), e.Err, out)
}

// errorLines is how many output lines an Error message keeps.
const errorLines = 3

// headLines returns the first n non-blank lines of s, noting what was cut.
func headLines(s string, n int) string {
	var kept []string
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(kept) == n {
			kept = append(kept, fmt.Sprintf("(%d more lines in the log)", len(lines)-i))
			break
		}
		kept = append(kept, strings.TrimRight(line, " \t"))
	}
	return strings.Join(kept, "\n")
}

func (e *Error) Unwrap() error { return e.Err }

// Options adjust one run.
type Options struct {
	Stdin []byte   // fed to the command's standard input
	Env   []string // extra KEY=VALUE pairs
	// Secret hides arguments and input from the log (key material).
	Secret bool
	// Answers are exit codes that carry an answer rather than a failure
	// (blkid's 2: nothing found). They still come back as an *Error for
	// the caller to read, but are logged as debug, not as errors.
	Answers []int
}

// Run runs name with args and returns its standard output. Standard error
// is captured for the log and for the error.
func Run(ctx context.Context, name string, args ...string) (string, error) {
	return RunOpts(ctx, Options{}, name, args...)
}

// RunOpts is Run with options.
func RunOpts(ctx context.Context, opts Options, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if opts.Stdin != nil {
		cmd.Stdin = bytes.NewReader(opts.Stdin)
	}
	if len(opts.Env) > 0 {
		cmd.Env = append(cmd.Environ(), opts.Env...)
	}
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)

	logger := loggerFrom(ctx)
	shown := append([]string{name}, args...)
	if opts.Secret {
		shown = []string{name, "(arguments hidden)"}
	}
	attrs := []any{"cmd", strings.Join(shown, " "), "took", took.Round(time.Millisecond)}
	if err != nil {
		out := stderr.String() + stdout.String()
		if !opts.Secret {
			attrs = append(attrs, "output", strings.TrimSpace(out))
		}
		if opts.Secret {
			out = "" // output may echo key material
		}
		if isAnswer(err, opts.Answers) {
			logger.Debug("command answered", append(attrs, "err", err)...)
		} else {
			logger.Error("command failed", append(attrs, "err", err)...)
		}
		return stdout.String(), &Error{Args: shown, Err: err, Output: out}
	}
	if s := strings.TrimSpace(stderr.String()); s != "" && !opts.Secret {
		attrs = append(attrs, "stderr", s)
	}
	logger.Debug("command ran", attrs...)
	return stdout.String(), nil
}

// isAnswer reports whether err is an exit with one of the codes.
func isAnswer(err error, codes []int) bool {
	var xe *exec.ExitError
	if !errors.As(err, &xe) {
		return false
	}
	return slices.Contains(codes, xe.ExitCode())
}
