package disks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/stages"
)

var allVersions = []string{"3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0", "3.6.0"}

// needLoop skips tests that need root and loop devices.
func needLoop(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root (loop devices)")
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		tb.Skip("losetup unavailable")
	}
}

// loopDisk makes a sparse image of sizeMiB and attaches it with partition
// scanning; it is detached in cleanup even when the test fails.
func loopDisk(tb testing.TB, sizeMiB int) string {
	tb.Helper()
	img := filepath.Join(tb.TempDir(), "disk.img")
	if out, err := exec.Command("truncate", "-s", fmt.Sprintf("%dM", sizeMiB), img).CombinedOutput(); err != nil {
		tb.Fatalf("truncate: %v: %s", err, out)
	}
	out, err := exec.Command("losetup", "-P", "--show", "-f", img).CombinedOutput()
	if err != nil {
		tb.Skipf("losetup unavailable: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	tb.Cleanup(func() {
		for i := 0; i < 20; i++ {
			if exec.Command("losetup", "-d", dev).Run() == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		tb.Errorf("could not detach %s", dev)
	})
	return dev
}

// sh runs a command and returns its combined output, failing the test on
// error.
func sh(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
	return string(out)
}

// parse builds a config of version v with the given storage JSON.
func parse(tb testing.TB, v, storage string) *config.Config {
	tb.Helper()
	data := fmt.Sprintf(`{"ignition":{"version":%q},"storage":%s}`, v, storage)
	cfg, rep, err := config.Parse([]byte(data))
	if err != nil {
		tb.Fatalf("config does not parse: %v\n%v\n%s", err, rep, data)
	}
	return &cfg
}

// runStage runs the disks stage with a run directory in a temp dir.
func runStage(tb testing.TB, cfg *config.Config) (string, error) {
	tb.Helper()
	env := &stages.Env{RunDir: tb.TempDir(), Fetcher: resource.New(resource.Options{})}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return env.RunDir, Stage{}.Run(ctx, env, cfg)
}

// blkidOf returns a device's probed TYPE/LABEL/UUID.
func blkidOf(tb testing.TB, dev string) map[string]string {
	tb.Helper()
	m, err := blkid(context.Background(), dev)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func part(tb testing.TB, disk string, n int) string {
	tb.Helper()
	p, err := partitionPath(disk, n)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustFail(tb testing.TB, err error, want ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("stage succeeded, want an error mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			tb.Fatalf("error %q does not mention %q", err, w)
		}
	}
}

// kernelHas says whether /proc/FILE lists word (filesystems, misc devices).
func kernelHas(file, word string) bool {
	data, err := os.ReadFile("/proc/" + file)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[len(f)-1] == word {
			return true
		}
	}
	return false
}

// needMD skips when the kernel has no md (RAID) driver.
func needMD(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat("/proc/mdstat"); err != nil {
		tb.Skip("the kernel has no md driver (/proc/mdstat missing): cannot test RAID here")
	}
}

// needDM skips when the kernel has no device-mapper (LUKS cannot be opened).
func needDM(tb testing.TB) {
	tb.Helper()
	if !kernelHas("misc", "device-mapper") {
		tb.Skip("the kernel has no device-mapper (/proc/misc): cannot open LUKS volumes here")
	}
}
