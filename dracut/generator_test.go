// Package dracut holds the tests of the dracut module's scripts; the
// module itself is in 30kindling.
package dracut

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// generate runs the generator against a scratch tree whose
// proc/cmdline is cmdline, and returns the tree and the output directory.
func generate(t *testing.T, cmdline string) (root, out string) {
	t.Helper()
	root, out = t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/cmdline"), []byte(cmdline), 0o644)
	cmd := exec.Command("sh", "30kindling/kindling-generator", out)
	cmd.Env = append(os.Environ(), "KINDLING_GENERATOR_ROOT="+root)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v: %s", err, b)
	}
	return root, out
}

func TestGeneratorFirstBoot(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cmdline, platform, flags string
	}{
		{"root=LABEL=root kindling.firstboot kindling.platform.id=qemu\n", "qemu", ""},
		{"ignition.firstboot ignition.platform.id=aws kindling.debug", "aws", "--debug"},
		{"ignition.firstboot=1 ignition.platform.id=aws kindling.platform.id=gcp", "gcp", ""},
		{"kindling.firstboot kindling.platform.id=azure kindling.platform.id=openstack\n", "openstack", ""},
		{"kindling.firstboot quiet", "metal", ""},
	}
	for _, c := range cases {
		root, out := generate(t, c.cmdline)
		link, err := os.Readlink(filepath.Join(out, "initrd.target.requires/kindling-complete.target"))
		if err != nil || !strings.HasSuffix(link, "/kindling-complete.target") {
			t.Errorf("%q: initrd.target does not require kindling-complete.target: %q %v", c.cmdline, link, err)
		}
		dropIn, _ := os.ReadFile(filepath.Join(out, "kindling-.service.d/10-platform.conf"))
		want := "[Service]\nEnvironment=KINDLING_PLATFORM=" + c.platform + "\nEnvironment=KINDLING_FLAGS=" + c.flags + "\n"
		if string(dropIn) != want {
			t.Errorf("%q: drop-in\n%s\nwant\n%s", c.cmdline, dropIn, want)
		}
		rule, _ := os.ReadFile(filepath.Join(root, "run/udev/rules.d/99-kindling-nowatch.rules"))
		if !strings.Contains(string(rule), `OPTIONS+="nowatch"`) {
			t.Errorf("%q: udev rule %q", c.cmdline, rule)
		}
	}
}

// Without a first-boot argument nothing is generated: later boots never
// provision again.
func TestGeneratorLaterBoot(t *testing.T) {
	t.Parallel()
	for _, cmdline := range []string{"root=LABEL=root ro kindling.platform.id=qemu\n", "", "firstboot kindling.firstbootx"} {
		root, out := generate(t, cmdline)
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("%q: generated %v", cmdline, entries)
		}
		if _, err := os.Stat(filepath.Join(root, "run")); err == nil {
			t.Errorf("%q: wrote under run/", cmdline)
		}
	}
}
