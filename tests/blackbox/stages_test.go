package blackbox

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/testutil"
)

const blsEntry = "title Debian\nversion 6.1\nlinux /vmlinuz\noptions root=/dev/vda1 ro quiet\ninitrd /initrd.img\n"

// cache writes a config where the fetch stage would cache it and returns
// the cache path; its directory is the run directory.
func cache(t *testing.T, version, body string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, "config.json")
	data := fmt.Sprintf(`{"ignition":{"version":%q}%s}`, version, body)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func stage(t *testing.T, name, root, cachePath string, extra ...string) result {
	t.Helper()
	args := append([]string{name, "--log-to-stdout", "--root", root, "--config-cache", cachePath, "--platform", "qemu"}, extra...)
	return run(t, args...)
}

func TestStageCommandsInSequence(t *testing.T) {
	needRoot(t)
	for _, v := range versionsSince("3.3.0") { // kernelArguments arrived in 3.3.0
		t.Run(v, func(t *testing.T) {
			root := newRoot(t)
			entries := filepath.Join(root, "boot/loader/entries")
			os.MkdirAll(entries, 0o755)
			os.WriteFile(filepath.Join(entries, "debian.conf"), []byte(blsEntry), 0o644)
			c := cache(t, v, `,"kernelArguments":{"shouldExist":["console=ttyS0"],"shouldNotExist":["quiet"]},
				"storage":{"files":[{"path":"/etc/hostname","mode":384}]}`)
			runDir := filepath.Dir(c)

			for _, name := range []string{"kargs", "mount", "files", "umount"} {
				if r := stage(t, name, root, c); r.code != 0 {
					t.Fatalf("%s exited %d:\n%s", name, r.code, r.output)
				} else if !strings.Contains(r.output, "kindling["+name+"]") {
					t.Errorf("%s log lines do not name the stage:\n%s", name, r.output)
				}
			}
			got, _ := os.ReadFile(filepath.Join(entries, "debian.conf"))
			if !strings.Contains(string(got), "options root=/dev/vda1 ro console=ttyS0\n") {
				t.Errorf("entry:\n%s", got)
			}
			if _, err := os.Stat(filepath.Join(runDir, "reboot-needed")); err != nil {
				t.Error("kargs changed the entry but requested no reboot")
			}
			checkNode(t, filepath.Join(root, "etc/hostname"), 0o600, 0, 0)

			var res struct {
				Platform           string             `json:"platform"`
				UserConfigProvided bool               `json:"userConfigProvided"`
				BootID             string             `json:"provisioningBootID"`
				Stages             map[string]float64 `json:"stageSeconds"`
			}
			data, err := os.ReadFile(filepath.Join(root, "etc/.kindling-result.json"))
			if err != nil || json.Unmarshal(data, &res) != nil {
				t.Fatalf("result file: %v\n%s", err, data)
			}
			if res.Platform != "qemu" || !res.UserConfigProvided || res.BootID == "" {
				t.Errorf("result: %+v", res)
			}
			// Timings of earlier stage processes reach the result file.
			for _, s := range []string{"kargs", "mount", "files"} {
				if _, ok := res.Stages[s]; !ok {
					t.Errorf("result lacks the %s timing: %v", s, res.Stages)
				}
			}

			// Running kargs again changes nothing and asks for no reboot.
			os.Remove(filepath.Join(runDir, "reboot-needed"))
			if r := stage(t, "kargs", root, c); r.code != 0 {
				t.Fatal(r.output)
			}
			again, _ := os.ReadFile(filepath.Join(entries, "debian.conf"))
			if string(again) != string(got) {
				t.Error("second kargs run changed the entry")
			}
			if _, err := os.Stat(filepath.Join(runDir, "reboot-needed")); err == nil {
				t.Error("second kargs run requested a reboot")
			}
		})
	}
}

func TestStageWithoutCacheFails(t *testing.T) {
	r := stage(t, "files", t.TempDir(), filepath.Join(t.TempDir(), "missing.json"))
	if r.code != 1 || !strings.Contains(r.output, "cached config") {
		t.Errorf("exit %d:\n%s", r.code, r.output)
	}
	if r := run(t, "files", "extra-arg"); r.code != 2 {
		t.Errorf("extra argument: exit %d", r.code)
	}
}

func TestMountAndUmountCommands(t *testing.T) {
	needRoot(t)
	dev := testutil.LoopExt4(t, 16<<20)

	root := newRoot(t)
	c := cache(t, "3.6.0", fmt.Sprintf(`,"storage":{
		"filesystems":[{"device":%q,"format":"ext4","path":"/var","mountOptions":["noatime"]}],
		"files":[{"path":"/var/lib/marker","mode":384}]}`, dev))
	defer exec.Command("umount", filepath.Join(root, "var")).Run()
	for _, name := range []string{"mount", "files", "umount"} {
		if r := stage(t, name, root, c); r.code != 0 {
			t.Fatalf("%s exited %d:\n%s", name, r.code, r.output)
		}
	}
	// After umount the file is gone from the directory and lives on the
	// filesystem: mount it again to look.
	if _, err := os.Stat(filepath.Join(root, "var/lib/marker")); err == nil {
		t.Fatal("marker written to the root's own /var, not the filesystem")
	}
	look := t.TempDir()
	if out, err := exec.Command("mount", dev, look).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	defer exec.Command("umount", look).Run()
	checkNode(t, filepath.Join(look, "lib/marker"), 0o600, 0, 0)
}

// Progress reaches systemd as STATUS= datagrams on $NOTIFY_SOCKET.
func TestStatusReachesSystemd(t *testing.T) {
	needRoot(t)
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	root := newRoot(t)
	c := cache(t, "3.6.0", `,"storage":{"directories":[{"path":"/srv"}]}`)
	cmd := exec.Command(provision, "files", "--log-to-stdout", "--root", root, "--config-cache", c)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got []string
	buf := make([]byte, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		got = append(got, string(buf[:n]))
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"STATUS=files: starting", "STATUS=files: 1 nodes written", "STATUS=files: done"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q among:\n%s", want, all)
		}
	}
}

// The fetch stage records which later stages have nothing to do for the
// config it cached, so the boot skips their processes; a config that
// needs them clears the records.
func TestFetchMarksIdleStages(t *testing.T) {
	runDir := t.TempDir()
	cachePath := filepath.Join(runDir, "config.json")
	idle := func() map[string]bool {
		got := map[string]bool{}
		for _, s := range []string{"kargs", "disks", "mount", "files", "cleanup"} {
			if _, err := os.Stat(filepath.Join(runDir, "idle", s)); err == nil {
				got[s] = true
			}
		}
		return got
	}
	fetch := func(body string) {
		t.Helper()
		src := filepath.Join(t.TempDir(), "user.json")
		os.WriteFile(src, []byte(`{"ignition":{"version":"3.4.0"}`+body+`}`), 0o644)
		t.Setenv("KINDLING_CONFIG_FILE", src)
		if r := run(t, "fetch-offline", "--log-to-stdout", "--platform", "file", "--config-cache", cachePath); r.code != 0 {
			t.Fatalf("fetch-offline exited %d:\n%s", r.code, r.output)
		}
	}
	fetch(`,"storage":{"files":[{"path":"/etc/motd"}]}`)
	if got := idle(); !got["kargs"] || !got["disks"] || !got["mount"] || got["files"] || !got["cleanup"] {
		t.Errorf("files-only config: idle stages %v, want kargs, disks, mount and cleanup (the file platform keeps no config)", got)
	}
	fetch(`,"kernelArguments":{"shouldExist":["quiet"]},
		"storage":{"filesystems":[{"device":"/dev/vdb","format":"ext4","path":"/var"}]}`)
	if got := idle(); len(got) != 1 {
		t.Errorf("config with kernel arguments and a filesystem: idle stages %v, want only cleanup", got)
	}
	fetch(`,"storage":{"filesystems":[{"device":"/dev/vdb","format":"swap"}]}`)
	if got := idle(); !got["kargs"] || got["disks"] || !got["mount"] {
		t.Errorf("swap-only config: idle stages %v, want kargs and mount", got)
	}
}
