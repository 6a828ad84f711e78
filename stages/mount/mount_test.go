package mount

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/testutil"
	"github.com/kindling-dev/kindling/stages"
)

// loopExt4 makes a small ext4 filesystem on a loop device and returns
// the device; cleanup detaches it.
func loopExt4(t *testing.T) string {
	t.Helper()
	return testutil.LoopExt4(t, 16<<20)
}

func parse(t *testing.T, version, storage string) *config.Config {
	t.Helper()
	cfg, rep, err := config.Parse([]byte(fmt.Sprintf(`{"ignition":{"version":%q},"storage":%s}`, version, storage)))
	if err != nil {
		t.Fatalf("%v\n%v", err, rep)
	}
	return &cfg
}

func isMounted(t *testing.T, path string) bool {
	t.Helper()
	m, err := mountPoints()
	if err != nil {
		t.Fatal(err)
	}
	return m[path]
}

func TestMountShallowestFirstThenUmount(t *testing.T) {
	outer, inner := loopExt4(t), loopExt4(t)
	for _, v := range []string{"3.1.0", "3.6.0"} { // mountOptions exist since 3.1.0
		t.Run(v, func(t *testing.T) {
			root := t.TempDir()
			outside := "/var"
			// Listed deepest first: the stage must reorder.
			cfg := parse(t, v, fmt.Sprintf(`{"filesystems":[
				{"device":%q,"format":"ext4","path":"/var/log","mountOptions":["noatime"]},
				{"device":%q,"format":"ext4","path":"/var"},
				{"device":"/dev/null","format":"swap","path":"/swap"}]}`, inner, outer))
			env := &stages.Env{Root: root, RunDir: t.TempDir()}
			umount, _ := stages.Get("umount")
			t.Cleanup(func() { umount.Run(context.Background(), env, cfg) })

			mount, _ := stages.Get("mount")
			if err := mount.Run(context.Background(), env, cfg); err != nil {
				t.Fatal(err)
			}
			varDir := filepath.Join(root, outside)
			logDir := filepath.Join(varDir, "log")
			if !isMounted(t, varDir) || !isMounted(t, logDir) {
				t.Fatalf("not mounted: %s %v, %s %v", varDir, isMounted(t, varDir), logDir, isMounted(t, logDir))
			}
			if _, err := os.Stat(filepath.Join(root, "swap")); err == nil {
				t.Error("a mount point was made for swap")
			}
			// /var/log sits on the inner filesystem, inside /var's.
			if err := os.WriteFile(filepath.Join(logDir, "probe"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := umount.Run(context.Background(), env, cfg); err != nil {
				t.Fatal(err)
			}
			if isMounted(t, varDir) || isMounted(t, logDir) {
				t.Fatal("still mounted after umount")
			}
			if _, err := os.Stat(filepath.Join(logDir, "probe")); err == nil {
				t.Error("probe visible after umount: it was not on the mounted filesystem")
			}
			// umount again is harmless.
			if err := umount.Run(context.Background(), env, cfg); err != nil {
				t.Errorf("second umount: %v", err)
			}
		})
	}
}

func TestMountErrorNamesConfigPath(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dev := loopExt4(t)
	root := t.TempDir()
	cfg := parse(t, "3.0.0", fmt.Sprintf(`{"filesystems":[
		{"device":%q,"format":"ext4","path":"/a"},
		{"device":"/dev/does-not-exist","format":"ext4","path":"/a/b"}]}`, dev))
	env := &stages.Env{Root: root, RunDir: t.TempDir()}
	mount, _ := stages.Get("mount")
	err := mount.Run(context.Background(), env, cfg)
	if err == nil || !strings.Contains(err.Error(), "storage.filesystems.1 (/dev/does-not-exist)") {
		t.Fatalf("got %v", err)
	}
	// The first mount was rolled back.
	if isMounted(t, filepath.Join(root, "a")) {
		exec.Command("umount", filepath.Join(root, "a")).Run()
		t.Fatal("first filesystem left mounted after the failure")
	}
}

// TestMountPathThroughSymlinkFails: as in Ignition, a mount path through a
// symlink is refused before anything is mounted; a link to / would
// otherwise mount the filesystem over the whole root.
func TestMountPathThroughSymlinkFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dev := loopExt4(t)
	for _, link := range []string{"/", "/elsewhere"} {
		root := t.TempDir()
		if err := os.Symlink(link, filepath.Join(root, "tmp0")); err != nil {
			t.Fatal(err)
		}
		cfg := parse(t, "3.0.0", fmt.Sprintf(`{"filesystems":[{"device":%q,"format":"ext4","path":"/tmp0/x"}]}`, dev))
		env := &stages.Env{Root: root, RunDir: t.TempDir()}
		mount, _ := stages.Get("mount")
		err := mount.Run(context.Background(), env, cfg)
		if err == nil || !strings.Contains(err.Error(), "storage.filesystems.0") || !strings.Contains(err.Error(), "/tmp0, a symlink") {
			t.Errorf("link to %s: got %v", link, err)
		}
		if isMounted(t, root) || isMounted(t, filepath.Join(root, "elsewhere", "x")) {
			exec.Command("umount", root).Run()
			t.Fatalf("link to %s: mounted anyway", link)
		}
	}
}
