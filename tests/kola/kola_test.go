package kola

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// bootTimeout bounds one boot. A boot takes 20 to 60 seconds under TCG on
// an idle machine; a loaded one (other builds sharing two cores) has been
// seen to take five times that.
const bootTimeout = 8 * time.Minute

var (
	cacheDir  string
	runFilter = flag.String("kola.run", "", "only run tests whose directory name matches this regular expression")

	buildOnce sync.Once
	buildErr  error
)

// needVMs skips the test unless VMs can run, and builds the provision
// binary and the test OS once for all VM tests (not for the unit tests of
// the harness, which need neither).
func needVMs(t *testing.T) {
	t.Helper()
	if why := prerequisites(); why != "" {
		t.Skip(why)
	}
	buildOnce.Do(func() { buildErr = buildOS() })
	if buildErr != nil {
		t.Fatalf("building the test OS: %v", buildErr)
	}
}

func prerequisites() string {
	if os.Getenv("KOLA_SKIP") != "" {
		return "KOLA_SKIP is set"
	}
	if os.Geteuid() != 0 {
		return "VM tests need root (debootstrap, dracut, loop mounts)"
	}
	for _, tool := range []string{"qemu-system-x86_64", "dracut", "debootstrap", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (scripts/deps.sh vm)"
		}
	}
	return ""
}

func buildOS() error {
	repo, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	cacheDir = os.Getenv("KOLA_CACHE")
	if cacheDir == "" {
		cacheDir = filepath.Join(repo, ".cache", "kola")
	}
	return BuildOS(repo, cacheDir, os.Stderr)
}

func TestVM(t *testing.T) {
	needVMs(t)
	dirs, err := filepath.Glob("tests/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no test directories: %v", err)
	}
	filter, err := regexp.Compile(*runFilter)
	if err != nil {
		t.Fatalf("-kola.run: %v", err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if !filter.MatchString(name) {
			continue
		}
		t.Run(name, func(t *testing.T) { runVMTest(t, dir) })
	}
}

func runVMTest(t *testing.T, dir string) {
	spec, err := readSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Cache: cacheDir, WorkDir: t.TempDir(), Timeout: bootTimeout}
	if os.Getenv("KOLA_CONSOLE") != "" {
		// Watch the serial console live (debugging a test).
		env.Console = os.Stderr
	}
	res, err := env.Run(context.Background(), dir)
	if res != nil {
		for i, d := range res.Elapsed {
			t.Logf("boot %d took %s", i+1, d.Round(100*time.Millisecond))
		}
	}
	dump := func() {
		if res != nil {
			for i, c := range res.Consoles {
				t.Logf("console of boot %d:\n%s", i+1, tail(c, 80))
				if out, ok := checkOutput(c); ok {
					// Shutdown messages push it out of the tail.
					t.Logf("check.sh output of boot %d:\n%s", i+1, out)
				}
			}
		}
	}
	switch spec.Expect {
	case "success":
		if err != nil {
			dump()
			t.Fatalf("want a provisioned machine: %v", err)
		}
	case "failure":
		if !errors.Is(err, ErrEmergency) {
			dump()
			t.Fatalf("want the boot to stop in the emergency target, got %v", err)
		}
		last := res.Consoles[len(res.Consoles)-1]
		if !strings.Contains(last, kindlingFail) || !strings.Contains(last, spec.FailureMessage) {
			dump()
			t.Fatalf("console lacks %q and %q", kindlingFail, spec.FailureMessage)
		}
		if strings.Contains(last, "Reached target initrd-switch-root.target") {
			dump()
			t.Fatal("the boot switched to the real root after a failed stage")
		}
	default:
		t.Fatalf("test.json: expect must be success or failure, not %q", spec.Expect)
	}
	if err := CheckProvisionedOnce(res.Boots); err != nil {
		dump()
		t.Fatal(err)
	}
	for _, name := range spec.Fetched {
		if res.Served[name] == 0 {
			dump()
			t.Fatalf("the VM never fetched %s from the host's HTTP server (served: %v)", name, res.Served)
		}
	}
	if check := filepath.Join(dir, "host-check.sh"); fileExists(check) {
		if err := hostCheck(check, res); err != nil {
			dump()
			t.Fatal(err)
		}
	}
}

// hostCheck mounts the root image read-only and runs the test's host-check
// script with ROOT set to it and DISK_<NAME> set to each disk image.
func hostCheck(script string, res *Result) error {
	mnt, err := os.MkdirTemp("", "kola-root-")
	if err != nil {
		return err
	}
	defer os.Remove(mnt)
	if out, err := exec.Command("mount", "-o", "ro,loop,noload", res.RootImage, mnt).CombinedOutput(); err != nil {
		return fmt.Errorf("mount root image: %v: %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	cmd := exec.Command("sh", "-eu", script)
	cmd.Env = append(os.Environ(), "ROOT="+mnt)
	for name, img := range res.Disks {
		cmd.Env = append(cmd.Env, "DISK_"+strings.ToUpper(name)+"="+img)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("host-check.sh: %v:\n%s", err, out)
	}
	return nil
}

// checkOutput is what kola-check printed from the test's check script
// (between KOLA-BOOTED and the verdict line), if it ran.
func checkOutput(console string) (string, bool) {
	_, after, ok := strings.Cut(console, "KOLA-BOOTED\n")
	if !ok {
		return "", false
	}
	out, _, _ := strings.Cut(after, "KOLA-RESULT")
	return out, true
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestVMGuardFires proves the provisioned-once guard on a real machine:
// both boots carry kindling.firstboot, behind the harness's back (as a boot
// loader that ignores the consumed stamp would), so the second boot
// provisions again and the guard must say so. Selected by -kola.run like
// the test directories, as "guard-fires".
func TestVMGuardFires(t *testing.T) {
	filter, err := regexp.Compile(*runFilter)
	if err != nil {
		t.Fatalf("-kola.run: %v", err)
	}
	if !filter.MatchString("guard-fires") {
		t.Skip("not selected by -kola.run")
	}
	needVMs(t)
	dir := t.TempDir()
	files := map[string]string{
		"config.json": `{"ignition": {"version": "3.4.0"}, "storage": {"files": [` +
			`{"path": "/etc/kola/once", "overwrite": true, "contents": {"source": "data:,provisioned"}}]}}`,
		"test.json": `{"boots": 2, "kernelArgs": ["kindling.firstboot", "kindling.platform.id=qemu"]}`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := Env{Cache: cacheDir, WorkDir: t.TempDir(), Timeout: bootTimeout}
	res, err := env.Run(context.Background(), dir)
	if err != nil {
		t.Fatalf("both boots should reach the checks: %v", err)
	}
	t.Logf("boots: %+v", res.Boots)
	// Both signs must show on their own, so neither is blind.
	if len(res.Boots) != 2 {
		t.Fatalf("want 2 boots, got %d", len(res.Boots))
	}
	if b := res.Boots[1]; b.FirstBoot || b.Provisioned != "yes" || b.BootID == "" || b.ResultBootID != b.BootID {
		t.Fatalf("boot 2 should be a later boot whose journal and result file both show provisioning: %+v", b)
	}
	err = CheckProvisionedOnce(res.Boots)
	if err == nil || !strings.Contains(err.Error(), "boot 2 provisioned again") {
		t.Fatalf("want the guard to report boot 2 provisioning again, got %v", err)
	}
	t.Logf("the guard fired: %v", err)
}
