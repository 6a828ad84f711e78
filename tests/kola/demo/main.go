// Command demo is what `make demo` runs: it builds the test OS, transpiles
// docs/examples/demo.yaml, boots the OS under QEMU with that config and a
// blank data disk, shows the boot and provisioning progress from the serial
// console, and prints what the machine looks like once provisioned.
//
// Usage (from the repository root, as root): go run ./tests/kola/demo [-full]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kindling-dev/kindling/tests/kola"
)

func main() {
	full := flag.Bool("full", false, "show the whole serial console, not just the provisioning lines")
	config := flag.String("config", "docs/examples/demo.yaml", "the YAML config to boot with")
	flag.Parse()
	if err := run(*config, *full); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(configPath string, full bool) error {
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(repo, "go.mod")); err != nil {
		return fmt.Errorf("run the demo from the repository root (make demo)")
	}
	cache := os.Getenv("KOLA_CACHE")
	if cache == "" {
		cache = filepath.Join(repo, ".cache", "kola")
	}
	step("building provision and the test OS (kernel, initramfs with the kindling dracut module, debootstrapped root)")
	if err := kola.BuildOS(repo, cache, os.Stdout); err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "kindling-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	testDir := filepath.Join(work, "test")
	if err := prepareTest(repo, configPath, testDir); err != nil {
		return err
	}
	step(fmt.Sprintf("booting under QEMU (TCG, no KVM) with %s on a blank 512 MiB data disk", configPath))
	fmt.Println("  the config is transpiled to JSON on the host and handed to the VM through QEMU fw_cfg")
	fmt.Println()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	console := newConsoleFilter(os.Stdout, full)
	env := kola.Env{Cache: cache, WorkDir: work, Timeout: 6 * time.Minute, Console: console}
	start := time.Now()
	_, err = env.Run(ctx, testDir)
	console.Flush()
	if err != nil {
		return fmt.Errorf("the demo boot failed: %w", err)
	}
	fmt.Println()
	step(fmt.Sprintf("done: the machine booted, provisioned itself on first boot and powered off in %s", time.Since(start).Round(time.Second)))
	return nil
}

// prepareTest lays out a kola test directory for the demo config: the
// YAML config (transpiled by the harness), the summary script that runs in
// the VM, and the data disk.
func prepareTest(repo, configPath, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	config, err := os.ReadFile(filepath.Join(repo, configPath))
	if err != nil {
		return err
	}
	summary, err := os.ReadFile(filepath.Join(repo, "tests/kola/demo/summary.sh"))
	if err != nil {
		return err
	}
	spec := `{"transpile": true, "disks": [{"name": "data", "sizeMiB": 512}]}`
	for name, data := range map[string][]byte{
		"config.yaml": config,
		"check.sh":    summary,
		"test.json":   []byte(spec),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func step(msg string) { fmt.Printf("==> %s\n", msg) }

// consoleFilter passes on the console lines worth watching: the kernel's
// first line, Kindling's units and messages, the targets reached, and
// everything the summary script prints. With full, every line.
type consoleFilter struct {
	w       *bufio.Writer
	full    bool
	summary bool // inside the summary script's output
	buf     []byte
}

func newConsoleFilter(w io.Writer, full bool) *consoleFilter {
	return &consoleFilter{w: bufio.NewWriter(w), full: full}
}

var (
	ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]|\x1b[A-Za-z]|\\[K")
	// systemd's own status lines, which interleave with the summary.
	status = regexp.MustCompile(`^\[ *(OK|FAILED|DEPEND) *\]|^ +(Starting|Stopping) `)
	// Lines worth showing without -full: the kernel's banner, Kindling's
	// units starting and finishing, the failure message, the switch to
	// the real root and the end of the boot.
	interesting = regexp.MustCompile(`Linux version|(Starting|Finished|FAILED|Failed).*kindling|Reached target (kindling|multi-user)|Switching root|kindling: |emergency`)
	// systemd's "job running" spinner and the kernel-log copies of
	// systemd's status lines only repeat what is shown already.
	noise = regexp.MustCompile(`Job .* running \(|^\[ *[0-9.]+\] systemd\[1\]:|Stopp`)
	// Text the firmware left on the line before the kernel's banner.
	beforeBanner = regexp.MustCompile(`^.*?(\[ *0\.0+\] Linux version)`)
	// A kernel message printed onto the end of a systemd status line.
	kernelTail = regexp.MustCompile(`(\.)\[ *[0-9]+\.[0-9]+\] .*$`)
)

func (c *consoleFilter) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	for {
		i := strings.IndexByte(string(c.buf), '\n')
		if i < 0 {
			break
		}
		c.line(string(c.buf[:i]))
		c.buf = c.buf[i+1:]
	}
	c.w.Flush()
	return len(p), nil
}

func (c *consoleFilter) line(raw string) {
	line := strings.TrimRight(ansi.ReplaceAllString(raw, ""), "\r ")
	line = beforeBanner.ReplaceAllString(line, "$1")
	if status.MatchString(line) {
		line = kernelTail.ReplaceAllString(line, "$1")
	}
	switch {
	case strings.Contains(line, "KOLA-BOOTED"):
		c.summary = true
		return
	case strings.Contains(line, "KOLA-RESULT"):
		c.summary = false
		return
	}
	show := interesting.MatchString(line) && !noise.MatchString(line)
	if c.summary && !status.MatchString(line) {
		show = true
	}
	if c.full || show {
		fmt.Fprintln(c.w, "  "+line)
	}
}

func (c *consoleFilter) Flush() { c.w.Flush() }
