package providers

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// needRoot skips without root or one of tools.
var needRoot = testutil.NeedRoot

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// drive makes a filesystem labelled label holding files, attached to a
// loop device. Real config drives are vfat or iso9660; where the kernel
// cannot mount those (some CI kernels) ext4 stands in, since reading the
// drive does not depend on the filesystem type.
func drive(t *testing.T, fstype, label string, files map[string]string) string {
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(data), 0o644)
	}
	if !testutil.KernelHas("filesystems", fstype) {
		t.Logf("kernel cannot mount %s; using ext4 for the %s drive", fstype, label)
		fstype = "ext4"
	}
	img := filepath.Join(t.TempDir(), "drive.img")
	switch fstype {
	case "iso9660":
		sh(t, "genisoimage", "-quiet", "-o", img, "-V", label, "-r", "-J", dir)
	case "vfat":
		sh(t, "truncate", "-s", "8M", img)
		sh(t, "mkfs.vfat", "-n", label, img)
		args := []string{"-i", img, "-s"}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			args = append(args, filepath.Join(dir, e.Name()))
		}
		sh(t, "mcopy", append(args, "::")...)
	default:
		sh(t, "truncate", "-s", "8M", img)
		sh(t, "mkfs.ext4", "-q", "-L", label, "-d", dir, img)
	}
	return testutil.AttachLoop(t, img)
}

// only finds dev, for whichever label: tests must not pick up another
// drive that happens to carry the same label on the build machine.
func only(dev string) func([]string) (string, error) {
	return func([]string) (string, error) { return dev, nil }
}

func TestConfigDrives(t *testing.T) {
	needRoot(t, "mkfs.vfat", "mcopy", "genisoimage", "mkfs.ext4", "losetup")
	cfg2 := drive(t, "vfat", "config-2", map[string]string{openstackUserData: userData})
	cidata := drive(t, "iso9660", "cidata", map[string]string{"user-data": userData, "meta-data": "instance-id: x\n"})
	empty := drive(t, "vfat", "config-2", map[string]string{"openstack/latest/meta_data.json": "{}"})
	cases := []struct {
		platform string
		dev      string
		wantErr  error
	}{
		{"nutanix", cfg2, nil},
		{"kubevirt", cfg2, nil},
		{"powervs", cfg2, nil},
		{"proxmoxve", cidata, nil},
		{"ibmcloud", cidata, nil},
		{"kubevirt", cidata, nil},
		{"nutanix", empty, ErrNoConfig},
	}
	for _, c := range cases {
		t.Run(c.platform, func(t *testing.T) {
			got, err := fetch(t, c.platform, &FetchContext{FindDrive: only(c.dev)})
			checkFetched(t, got, err, userData, c.wantErr, false)
		})
	}
	t.Run("no drive", func(t *testing.T) {
		none := func([]string) (string, error) { return "", errNoDrive }
		_, err := fetch(t, "proxmoxve", &FetchContext{FindDrive: none, DriveWait: 300 * time.Millisecond})
		if !errors.Is(err, errNoDrive) {
			t.Fatalf("err = %v", err)
		}
	})
	// The mount must be gone afterwards.
	if out, _ := exec.Command("findmnt", "-n", "-S", cfg2).Output(); len(out) > 0 {
		t.Errorf("config drive still mounted: %s", out)
	}
}

// TestOpenStackRace: with a broken metadata service the drive answers;
// offline the drive is the only source, and without it the network is
// needed.
func TestOpenStackRace(t *testing.T) {
	needRoot(t, "mkfs.vfat", "mcopy", "mkfs.ext4", "losetup")
	dev := drive(t, "vfat", "config-2", map[string]string{openstackUserData: userData})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	fc := testContext(srv)
	fc.FindDrive = only(dev)
	got, err := fetch(t, "openstack", fc)
	if err != nil || string(got) != userData {
		t.Fatalf("drive with broken metadata: got %q, %v", got, err)
	}
	got, err = fetch(t, "openstack", &FetchContext{Offline: true, FindDrive: only(dev)})
	if err != nil || string(got) != userData {
		t.Fatalf("offline with drive: got %q, %v", got, err)
	}
	none := func([]string) (string, error) { return "", errNoDrive }
	if _, err := fetch(t, "openstack", &FetchContext{Offline: true, FindDrive: none}); err == nil || !strings.Contains(err.Error(), "network") {
		t.Fatalf("offline without drive: %v", err)
	}
	// No drive, metadata down: the metadata error is reported.
	fc = testContext(srv)
	fc.FindDrive = none
	fc.DriveWait = 200 * time.Millisecond
	if _, err := fetch(t, "openstack", fc); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("no drive, metadata down: %v", err)
	}
}

// TestFindDriveByBlkid uses the real lookup (blkid) with a label unlikely
// to exist elsewhere, through the polling the providers use: a blkid scan
// can miss a device while other loop devices come and go (tests running
// in parallel), as it can while a machine's devices are still settling.
func TestFindDriveByBlkid(t *testing.T) {
	needRoot(t, "mkfs.vfat", "mcopy", "mkfs.ext4", "losetup", "blkid")
	t.Parallel()
	// A label of its own: on a shared machine other runs of this test (or
	// a loop device a killed run left behind) carry a fixed label too, and
	// blkid would rightly answer with their device.
	label := fmt.Sprintf("K%010X", rand.Uint64()&(1<<40-1)) // 11 characters: vfat's limit
	dev := drive(t, "vfat", label, map[string]string{"x": "y"})
	got, err := (&FetchContext{}).waitDrive(t.Context(), []string{"nolabel", label}, 10*time.Second)
	if err != nil || got != dev {
		t.Fatalf("findDrive = %q, %v; want %s", got, err, dev)
	}
}
