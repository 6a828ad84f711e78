package disks

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
)

func TestRaid1(t *testing.T) {
	needLoop(t)
	needMD(t)
	a, b := loopDisk(t, 64), loopDisk(t, 64)
	name := "kindlingtest"
	t.Cleanup(func() {
		exec.Command("mdadm", "--stop", "/dev/md/"+name).Run()
		exec.Command("mdadm", "--zero-superblock", a, b).Run()
	})
	storage := fmt.Sprintf(`{"raid":[{"name":%q,"level":"raid1","devices":[%q,%q]}],
		"filesystems":[{"device":"/dev/md/%s","format":"ext4","label":"mirror"}]}`, name, a, b, name)
	if _, err := runStage(t, parse(t, "3.0.0", storage)); err != nil {
		t.Fatal(err)
	}
	detail := sh(t, "mdadm", "--detail", "/dev/md/"+name)
	if !strings.Contains(detail, "raid1") || !strings.Contains(detail, a) || !strings.Contains(detail, b) {
		t.Fatalf("mdadm --detail:\n%s", detail)
	}
	if got := blkidOf(t, "/dev/md/"+name); got["LABEL"] != "mirror" {
		t.Errorf("filesystem on the array: %v", got)
	}
	// The running array matches: reused.
	if _, err := runStage(t, parse(t, "3.5.0", storage)); err != nil {
		t.Fatalf("reuse: %v", err)
	}
	// A different level does not match.
	_, err := runStage(t, parse(t, "3.5.0", strings.Replace(storage, "raid1", "raid0", 1)))
	mustFail(t, err, "storage.raid.0", "level")
}

func luksDump(t *testing.T, dev string) string { return sh(t, "cryptsetup", "luksDump", dev) }

func closeLuks(t *testing.T, name string) {
	t.Cleanup(func() { exec.Command("cryptsetup", "close", name).Run() })
}

func TestLuksKeyFile(t *testing.T) {
	needLoop(t)
	needDM(t)
	dev := loopDisk(t, 64)
	name := "kindling-test-kf"
	closeLuks(t, name)
	key := "correct horse battery staple"
	uuid := "3e6f0a0b-9d1c-4a55-8f0e-5e2d4c1b0a99"
	storage := fmt.Sprintf(`{"luks":[{"name":%q,"device":%q,"label":"secret","uuid":%q,"discard":true,
		"keyFile":{"source":"data:,%s"},"openOptions":["--perf-no_read_workqueue"]}],
		"filesystems":[{"device":"/dev/mapper/%s","format":"ext4","label":"inside"}]}`, name, dev, uuid, strings.ReplaceAll(key, " ", "%20"), name)
	runDir, err := runStage(t, parse(t, "3.6.0", storage))
	if err != nil {
		t.Fatal(err)
	}
	dump := luksDump(t, dev)
	for _, want := range []string{"Version:       \t2", uuid, "secret", "allow-discards", "no-read-workqueue"} {
		if !strings.Contains(dump, want) {
			t.Errorf("luksDump lacks %q:\n%s", want, dump)
		}
	}
	if got := blkidOf(t, "/dev/mapper/"+name); got["LABEL"] != "inside" {
		t.Errorf("inner filesystem: %v", got)
	}
	kf := filepath.Join(runDir, KeyFileDir, name)
	if data, err := os.ReadFile(kf); err != nil || string(data) != key {
		t.Errorf("key file %s = %q, %v", kf, data, err)
	}
	if fi, err := os.Stat(kf); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
	// Reuse: close and apply again; the volume is opened, not reformatted.
	sh(t, "cryptsetup", "close", name)
	if _, err := runStage(t, parse(t, "3.6.0", storage)); err != nil {
		t.Fatalf("reuse: %v", err)
	}
	if got := blkidOf(t, "/dev/mapper/"+name); got["LABEL"] != "inside" {
		t.Errorf("after reuse inner filesystem: %v", got)
	}
	sh(t, "cryptsetup", "close", name)
	// A different UUID without wipeVolume fails.
	_, err = runStage(t, parse(t, "3.6.0", strings.Replace(storage, uuid, "3e6f0a0b-9d1c-4a55-8f0e-5e2d4c1b0a98", 1)))
	mustFail(t, err, "storage.luks.0", "wipeVolume is not set")
}

func TestLuksRandomKeyAndWipe(t *testing.T) {
	needLoop(t)
	needDM(t)
	dev := loopDisk(t, 64)
	sh(t, "mkfs.ext4", "-q", dev)
	name := "kindling-test-rk"
	closeLuks(t, name)
	_, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"luks":[{"name":%q,"device":%q}]}`, name, dev)))
	mustFail(t, err, "storage.luks.0", "not a LUKS volume")
	runDir, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"luks":[{"name":%q,"device":%q,"wipeVolume":true}]}`, name, dev)))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(runDir, KeyFileDir, name))
	if err != nil || len(key) < 32 {
		t.Fatalf("random key: %q %v", key, err)
	}
	sh(t, "cryptsetup", "close", name)
	// The stored key opens the volume.
	sh(t, "cryptsetup", "open", "--test-passphrase", "--key-file", filepath.Join(runDir, KeyFileDir, name), dev)
}

// Refusal happens before any dm use, so it runs on every kernel.
func TestLuksRefusesForeignData(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "mkfs.ext4", "-q", dev)
	_, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"luks":[{"name":"kindling-test-ref","device":%q}]}`, dev)))
	mustFail(t, err, "storage.luks.0", "not a LUKS volume", "wipeVolume is not set")
	if got := blkidOf(t, dev)["TYPE"]; got != "ext4" {
		t.Errorf("device changed to %q", got)
	}
}

func TestClevisPin(t *testing.T) {
	t.Parallel()
	yes, three := true, 2
	adv := `{"payload":"x"}`
	cases := []struct {
		name      string
		c         config.Clevis
		pin, conf string
	}{
		{"tpm2", config.Clevis{Tpm2: &yes}, "tpm2", `{}`},
		{"tang", config.Clevis{Tang: []config.Tang{{URL: "http://t", Advertisement: &adv}}}, "tang", `{"adv":{"payload":"x"},"url":"http://t"}`},
		{"sss", config.Clevis{Tpm2: &yes, Threshold: &three, Tang: []config.Tang{{URL: "http://t"}}}, "sss", `{"pins":{"tang":[{"url":"http://t"}],"tpm2":{}},"t":2}`},
		{"custom", config.Clevis{Custom: config.ClevisCustom{Pin: ptr("sss"), Config: ptr(`{"t":1}`)}}, "sss", `{"t":1}`},
	}
	for _, c := range cases {
		pin, conf, err := clevisPin(c.c)
		if err != nil || pin != c.pin || conf != c.conf {
			t.Errorf("%s: got %s %s %v, want %s %s", c.name, pin, conf, err, c.pin, c.conf)
		}
	}
	bad := "not json"
	if _, _, err := clevisPin(config.Clevis{Tang: []config.Tang{{URL: "http://t", Advertisement: &bad}}}); err == nil {
		t.Error("a non-JSON advertisement was accepted")
	}
}

func ptr(s string) *string { return &s }

// A key file that opens no key slot of an existing volume is named as
// such (not as a bare exit status), and the key is not left in the run
// directory. --test-passphrase needs no device-mapper, so this runs on
// every kernel.
func TestLuksWrongKey(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	right := filepath.Join(t.TempDir(), "right")
	if err := os.WriteFile(right, []byte("right"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A cheap KDF: the test is about the answer, not the hashing.
	sh(t, "cryptsetup", "luksFormat", "--type", "luks2", "--batch-mode", "--pbkdf", "pbkdf2",
		"--pbkdf-force-iterations", "1000", "--key-file", right, dev)
	name := "kindling-test-wrong"
	closeLuks(t, name)
	runDir, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"luks":[{"name":%q,"device":%q,"keyFile":{"source":"data:,wrong"}}]}`, name, dev)))
	mustFail(t, err, "storage.luks.0", name, "the key file does not open the LUKS volume on "+dev)
	if entries, _ := os.ReadDir(filepath.Join(runDir, KeyFileDir)); len(entries) > 0 {
		t.Errorf("key files left in the run directory after the failure: %v", entries)
	}
	if got := blkidOf(t, dev)["TYPE"]; got != "crypto_LUKS" {
		t.Errorf("the volume changed to %q", got)
	}
}

// A failure after the volumes are open (here a filesystem mkfs refuses)
// removes every key file the stage wrote.
func TestLuksKeyRemovedOnLaterFailure(t *testing.T) {
	needLoop(t)
	needDM(t)
	dev := loopDisk(t, 64)
	name := "kindling-test-later"
	closeLuks(t, name)
	runDir, err := runStage(t, parse(t, "3.2.0", fmt.Sprintf(`{"luks":[{"name":%q,"device":%q,"wipeVolume":true}],
		"filesystems":[{"device":"/dev/mapper/%s","format":"xfs"}]}`, name, dev, name))) // too small for xfs
	defer exec.Command("cryptsetup", "close", name).Run()
	if err == nil {
		t.Fatal("the stage succeeded; want mkfs.xfs to refuse a 48 MiB device")
	}
	if entries, _ := os.ReadDir(filepath.Join(runDir, KeyFileDir)); len(entries) > 0 {
		t.Errorf("key files left in the run directory after the failure: %v", entries)
	}
}

// An array name that would leave /dev/md is refused before any disk is
// touched, even when validation only warns about it. The config is built
// directly: whether validation refuses or warns is not this test's point.
func TestRaidNameLeavingDevMd(t *testing.T) {
	needLoop(t)
	dev := loopDisk(t, 64)
	sh(t, "sgdisk", "-n", "1:0:+8M", dev)
	before := sh(t, "sfdisk", "--dump", dev)
	for _, name := range []string{"..", "../sda", "a/b", ""} {
		two := 2
		cfg := &config.Config{Storage: config.Storage{
			Disks: []config.Disk{{Device: dev, Partitions: []config.Partition{{Number: 2, SizeMiB: &two}}}},
			Raid:  []config.Raid{{Name: name, Devices: []string{dev}}},
		}}
		_, err := runStage(t, cfg)
		mustFail(t, err, "storage.raid.0.name", "is not a file name under /dev/md")
		if after := sh(t, "sfdisk", "--dump", dev); after != before {
			t.Fatalf("name %q: the table changed:\n%s\n%s", name, before, after)
		}
	}
}

// A key file larger than cryptsetup reads (a gzip bomb here) is cut at
// 8 MiB while fetching, before any disk is touched, with an error that
// says why.
func TestLuksKeyFileTooLarge(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	src := "data:;base64," + base64.StdEncoding.EncodeToString(gz.Bytes())
	cfg := parse(t, "3.2.0", fmt.Sprintf(`{"luks":[{"name":"kindling-test-big","device":"/dev/kindling-none",
		"keyFile":{"source":%q,"compression":"gzip"}}]}`, src))
	runDir, err := runStage(t, cfg)
	mustFail(t, err, "storage.luks.0.keyFile", "larger than 8388608 bytes")
	if entries, _ := os.ReadDir(filepath.Join(runDir, KeyFileDir)); len(entries) > 0 {
		t.Errorf("key files written: %v", entries)
	}
}
