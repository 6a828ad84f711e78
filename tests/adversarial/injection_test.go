package adversarial

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// injection is a config field that reaches a file or a command line,
// with a value trying to leave its place: another line of a system file,
// another directory, another device.
type injection struct {
	name, body string
	want       []string // the config path and the reason, in the error
}

var injections = []injection{
	{"unit name with a newline", `,"systemd":{"units":[{"name":"a.service\n[Install]","enabled":true,"contents":"[Service]\n"}]}`,
		[]string{"systemd.units.0.name"}},
	{"unit name with a slash", `,"systemd":{"units":[{"name":"../../etc/a.service","contents":"[Service]\n"}]}`,
		[]string{"systemd.units.0.name", "/"}},
	{"drop-in name with ..", `,"systemd":{"units":[{"name":"a.service","dropins":[{"name":"../x.conf","contents":"[Unit]\n"}]}]}`,
		[]string{"systemd.units.0.dropins.0.name"}},
	{"[Install] WantedBy leaving the unit directory", `,"systemd":{"units":[{"name":"a.service","enabled":true,"contents":"[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=../../../etc/x.target\n"}]}`,
		[]string{"systemd.units.0.contents", "WantedBy"}},
	{"user name with a newline", `,"passwd":{"users":[{"name":"bob\nroot::0:0::/:/bin/sh"}]}`,
		[]string{"passwd.users.0.name"}},
	{"group name with a newline", `,"passwd":{"groups":[{"name":"g\nroot::0:"}]}`,
		[]string{"passwd.groups.0.name"}},
	{"home directory with a newline", `,"passwd":{"users":[{"name":"bob","homeDir":"/home/b\nroot::0:0::/:/bin/sh"}]}`,
		[]string{"passwd.users.0.homeDir"}},
	{"LUKS name with a slash", `,"storage":{"luks":[{"name":"../sda","device":"/dev/vdb"}]}`,
		[]string{"storage.luks.0.name"}},
	{"LUKS name with a newline (a forged crypttab line)", `,"storage":{"luks":[{"name":"a\nroot /dev/sda none","device":"/dev/vdb"}]}`,
		[]string{"storage.luks.0.name"}},
	{"file path with NUL", `,"storage":{"files":[{"path":"/etc/a\u0000b"}]}`,
		[]string{"storage.files.0.path", "NUL"}},
	{"file path with ..", `,"storage":{"files":[{"path":"/../../../tmp/escape"}]}`,
		[]string{"storage.files.0.path", "not clean"}},
	{"mount option with a newline (a forged unit line)", `,"storage":{"filesystems":[{"device":"/dev/vdb","format":"ext4","path":"/var","mountOptions":["ro\nWhat=/dev/sda"]}]}`,
		[]string{"storage.filesystems.0.mountOptions.0"}},
}

// RAID names reach no file (mdadm gets /dev/md/NAME, and the disks stage
// refuses one leaving /dev/md: stages/disks TestRaidNameLeavingDevMd), and
// an SSH key with a line break only adds keys the author could list
// anyway: the reference accepts both, so validation may only warn.

// TestInjectionRefusedByValidate: every injection is an error naming its
// config path, line and column, and the message quotes the value rather
// than printing its control characters raw.
func TestInjectionRefusedByValidate(t *testing.T) {
	for _, c := range injections {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, nil, nil, provision, "validate", writeFile(t, "config.json", config("3.4.0", c.body)))
			r.failed(t, 256, append(c.want, "config.json:1:")...)
			if strings.ContainsAny(r.output, "\x00\x1b") {
				t.Errorf("output carries raw control characters: %q", r.output)
			}
		})
	}
}

// TestInjectionLeavesRootAlone: `provision apply` of each injection on a
// target root fails and changes nothing in it.
func TestInjectionLeavesRootAlone(t *testing.T) {
	needRoot(t)
	for _, c := range injections {
		if strings.Contains(c.body, `"storage":{"luks"`) || strings.Contains(c.body, `"raid"`) || strings.Contains(c.body, "filesystems") {
			continue // storage needs --with-disks; validation refusing it is tested above
		}
		t.Run(c.name, func(t *testing.T) {
			root := newRoot(t)
			before := testutil.Snapshot(t, root)
			outside := testutil.Snapshot(t, filepath.Dir(root))
			r := applyFiles(t, root, config("3.4.0", c.body))
			r.failed(t, 256, c.want[0])
			if after := testutil.Snapshot(t, root); after != before {
				t.Errorf("the root changed:\n%s\n---\n%s", before, after)
			}
			if after := testutil.Snapshot(t, filepath.Dir(root)); after != outside {
				t.Errorf("something was written next to the root")
			}
		})
	}
}

// TestEscapeCodesInAPathStayNames: a path with terminal escape codes is
// valid (the reference accepts it), lands inside the root under exactly
// that name, and no log line carries the raw escape.
func TestEscapeCodesInAPathStayNames(t *testing.T) {
	needRoot(t)
	root := newRoot(t)
	name := "/etc/a\x1b[2J\x1b]0;owned\x07b"
	r := applyFiles(t, root, config("3.4.0", `,"storage":{"files":[{"path":"/etc/a\u001b[2J\u001b]0;owned\u0007b","contents":{"source":"data:,x"}}]}`))
	if r.code != 0 {
		t.Fatalf("apply exited %d:\n%s", r.code, r.output)
	}
	if data, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(data) != "x" {
		t.Errorf("the file with escape codes in its name: %q, %v", data, err)
	}
	if strings.ContainsAny(r.output, "\x1b\x07") {
		t.Errorf("the output carries the raw escape codes: %q", r.output)
	}
}

// TestKernelArgumentForgingALine: a kernel argument with a line break is
// valid to the reference's validator, but the kargs stage refuses it
// before touching the boot entry, whose next line it would forge.
func TestKernelArgumentForgingALine(t *testing.T) {
	needRoot(t)
	root := newRoot(t)
	entry := filepath.Join(root, "boot/loader/entries/debian.conf")
	if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entry, []byte("title Debian\nlinux /vmlinuz\noptions root=/dev/vda1 ro\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := testutil.Snapshot(t, root)
	r := applyFiles(t, root, config("3.4.0", `,"kernelArguments":{"shouldExist":["quiet\ninitrd /evil.img"]}`))
	r.failed(t, 128, "kernelArguments.shouldExist.0", "would forge a line of the boot entry")
	if after := testutil.Snapshot(t, root); after != before {
		t.Errorf("the root changed:\n%s\n---\n%s", before, after)
	}
}
