package disks

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/internal/testutil"
	"github.com/kindling-dev/kindling/stages"
)

// allVersions are the stable spec versions.
var allVersions = testutil.StableVersions()

// The skips and the loop disks are the ones every disk test shares.
var (
	needMD    = testutil.NeedMD
	needDM    = testutil.NeedDM
	kernelHas = testutil.KernelHas
)

// needLoop skips tests that need root and loop devices.
func needLoop(tb testing.TB) {
	tb.Helper()
	testutil.NeedRoot(tb, "losetup")
}

// loopDisk attaches a blank disk of sizeMiB with partition scanning.
func loopDisk(tb testing.TB, sizeMiB int) string {
	tb.Helper()
	return testutil.LoopDisk(tb, int64(sizeMiB)<<20, 0)
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
