package testutil

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pin/tftp/v3"

	"github.com/kindling-dev/kindling/config"
)

// failingTB keeps the cleanups a helper registers, so a test can run
// them itself, as the testing package does when a test has failed, and
// then look at what they left.
type failingTB struct {
	testing.TB
	cleanups []func()
}

func (f *failingTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// Fatalf and Skipf end only the calling goroutine after recording the
// failure, so a helper may run on a goroutine of the test's own.
func (f *failingTB) Fatalf(format string, a ...any) {
	f.TB.Errorf(format, a...)
	runtime.Goexit()
}

func (f *failingTB) Skipf(format string, a ...any) { f.Fatalf("skipped: "+format, a...) }

// finish runs the cleanups in reverse order, as the testing package does.
func (f *failingTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func sysfs(tb testing.TB, dev, file string) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), file))
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// TestLoopDiskCleanupAfterFailure: a loop disk has the size and sector
// size asked for, and the cleanup of a failed test detaches it and
// removes its image.
func TestLoopDiskCleanupAfterFailure(t *testing.T) {
	NeedRoot(t, "losetup")
	f := &failingTB{TB: t}
	dev := LoopDisk(f, 8<<20, 4096)
	img := BackingFile(dev)
	if img == "" {
		t.Fatalf("%s has no backing file", dev)
	}
	if got := sysfs(t, dev, "size"); got != fmt.Sprint(8<<20/512) {
		t.Errorf("%s: %s sectors of 512 bytes, want 8 MiB", dev, got)
	}
	if got := sysfs(t, dev, "queue/logical_block_size"); got != "4096" {
		t.Errorf("%s: logical sectors of %s bytes, want 4096", dev, got)
	}
	if sysfs(t, dev, "loop/partscan") != "1" {
		t.Errorf("%s: partition scanning off", dev)
	}
	f.finish()
	if got := BackingFile(dev); got == img {
		t.Errorf("%s still attached to %s after cleanup", dev, img)
	}
	if _, err := os.Stat(img); !os.IsNotExist(err) {
		t.Errorf("image %s not removed: %v", img, err)
	}
}

// TestLoopDisksInParallel: disks attached at the same time get distinct
// devices, each backed by its own image. (Goroutines, not parallel
// subtests: those run at most GOMAXPROCS at a time.)
func TestLoopDisksInParallel(t *testing.T) {
	NeedRoot(t, "losetup")
	const n = 8
	tbs := make([]*failingTB, n)
	devs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		tbs[i] = &failingTB{TB: t}
		wg.Add(1)
		go func() {
			defer wg.Done()
			devs[i] = LoopDisk(tbs[i], 1<<20, 0)
		}()
	}
	wg.Wait()
	defer func() {
		for _, tb := range tbs {
			tb.finish()
		}
	}()
	seen := map[string]bool{}
	images := map[string]bool{}
	for _, dev := range devs {
		img := BackingFile(dev)
		if seen[dev] || img == "" || images[img] {
			t.Errorf("%q handed out twice or backed by %q: %v", dev, img, devs)
		}
		seen[dev], images[img] = true, true
	}
}

// TestLoopExt4: blkid finds an ext4 filesystem on the whole device.
func TestLoopExt4(t *testing.T) {
	NeedRoot(t, "losetup", "mkfs.ext4", "blkid")
	dev := LoopExt4(t, 16<<20)
	out, err := exec.Command("blkid", "-p", "-o", "value", "-s", "TYPE", dev).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ext4" {
		t.Fatalf("blkid %s: %q, %v; want ext4", dev, out, err)
	}
}

// TestAttachLoopKeepsImage: an attached image is detached in cleanup and
// left where it was, since the caller made it.
func TestAttachLoopKeepsImage(t *testing.T) {
	NeedRoot(t, "losetup")
	img := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(img, bytes.Repeat([]byte{1}, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &failingTB{TB: t}
	dev := AttachLoop(f, img)
	if BackingFile(dev) != img {
		t.Fatalf("%s backed by %q, want %s", dev, BackingFile(dev), img)
	}
	if sysfs(t, dev, "loop/partscan") != "0" {
		t.Errorf("%s: partition scanning on for a filesystem image", dev)
	}
	f.finish()
	if BackingFile(dev) == img {
		t.Errorf("%s still attached after cleanup", dev)
	}
	if _, err := os.Stat(img); err != nil {
		t.Errorf("the caller's image is gone: %v", err)
	}
}

func TestKernelHas(t *testing.T) {
	if _, err := os.Stat("/proc/filesystems"); err != nil {
		t.Skip("no /proc")
	}
	if !KernelHas("filesystems", "proc") { // a "nodev" line
		t.Error("proc not found in /proc/filesystems")
	}
	if KernelHas("filesystems", "nodev") || KernelHas("filesystems", "no-such-fs") {
		t.Error("a word that is no filesystem was found")
	}
	if KernelHas("no-such-file", "x") {
		t.Error("a missing /proc file lists something")
	}
}

// TestFillRoot: the standard files with their modes, extra files added
// and a standard one replaced.
func TestFillRoot(t *testing.T) {
	root := NewRoot(t, map[string]string{
		"etc/group":        "root:x:0:\n",
		"etc/skel/.bashrc": "# skel\n",
	})
	want := map[string]struct {
		mode os.FileMode
		body string
	}{
		"etc/passwd":       {0o644, rootFiles["etc/passwd"]},
		"etc/shadow":       {0o600, rootFiles["etc/shadow"]},
		"etc/gshadow":      {0o600, rootFiles["etc/gshadow"]},
		"etc/login.defs":   {0o644, rootFiles["etc/login.defs"]},
		"etc/group":        {0o644, "root:x:0:\n"},
		"etc/skel/.bashrc": {0o644, "# skel\n"},
	}
	for name, w := range want {
		p := filepath.Join(root, name)
		fi, err := os.Stat(p)
		if err != nil {
			t.Error(err)
			continue
		}
		data, _ := os.ReadFile(p)
		if fi.Mode() != w.mode || string(data) != w.body {
			t.Errorf("%s: %v %q, want %v %q", name, fi.Mode(), data, w.mode, w.body)
		}
	}
	if fi, err := os.Stat(root); err != nil || fi.Mode() != os.ModeDir|0o755 {
		t.Errorf("root: %v, %v; want a directory of mode 0755", fi.Mode(), err)
	}
	if st, _ := os.Stat(filepath.Join(root, "etc/passwd")); st.Sys().(*syscall.Stat_t).Nlink != 1 {
		t.Error("etc/passwd is a hard link")
	}
}

// TestTFTPServer: the server sends a file of many blocks, refuses an
// unknown name, and answers nothing once the test is over.
func TestTFTPServer(t *testing.T) {
	big := bytes.Repeat([]byte("block "), 2000) // 12000 bytes: 24 blocks
	f := &failingTB{TB: t}
	addr := TFTPServer(f, map[string][]byte{"dir/big": big})
	get := func(name string) ([]byte, error) {
		c, err := tftp.NewClient(addr)
		if err != nil {
			return nil, err
		}
		c.SetTimeout(500 * time.Millisecond)
		c.SetRetries(2)
		wt, err := c.Receive(name, "octet")
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		_, err = wt.WriteTo(&buf)
		return buf.Bytes(), err
	}
	for _, name := range []string{"dir/big", "/dir/big"} {
		if got, err := get(name); err != nil || !bytes.Equal(got, big) {
			t.Errorf("%s: %d bytes, %v; want %d bytes", name, len(got), err, len(big))
		}
	}
	if _, err := get("other"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown file: %v, want a not-found error", err)
	}
	f.finish()
	if got, err := get("dir/big"); err == nil {
		t.Errorf("the server still answers after cleanup: %d bytes", len(got))
	}
}

func TestVersions(t *testing.T) {
	all := StableVersions()
	if len(all) < 7 || all[0] != "3.0.0" || all[len(all)-1] != config.Newest.String() {
		t.Errorf("stable versions %v: want 3.0.0 through %s", all, config.Newest)
	}
	if got := VersionsSince("3.5.0"); len(got) != len(all)-5 || got[0] != "3.5.0" {
		t.Errorf("since 3.5.0: %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown version did not panic")
		}
	}()
	VersionsSince(config.Experimental.String())
}

// TestBuildCommands builds a command and runs it, and names the package
// that does not build.
func TestBuildCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	var transpile, missing string
	dir := t.TempDir()
	if err := BuildCommands(dir, map[string]*string{"github.com/kindling-dev/kindling/cmd/transpile": &transpile}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(transpile, "--help").CombinedOutput(); filepath.Dir(transpile) != dir || !strings.Contains(string(out), "Usage") {
		t.Errorf("%s --help: %v\n%s", transpile, err, out)
	}
	err := BuildCommands(dir, map[string]*string{"github.com/kindling-dev/kindling/cmd/nothing": &missing})
	if err == nil || !strings.Contains(err.Error(), "cmd/nothing") || missing != "" {
		t.Errorf("a missing package: %v, path %q", err, missing)
	}
}
