package compat

// The disks-level half of Ignition's blackbox suite: tests whose input or
// expected state is a partitioned disk. Each input disk becomes a sparse
// image on a loop device, partitioned with sgdisk and formatted with
// mkfs.* as the test data says, with its input files laid down; the
// config gets the devices' names; provision runs fetch, disks, mount,
// files and umount with the ROOT partition mounted as the target root;
// then the partition tables, filesystems and nodes are checked the way
// Ignition's validator checks them. A negative test must fail and leave
// every disk as it was.

import (
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	ignconfig "github.com/coreos/ignition/v2/config"
	"github.com/coreos/ignition/v2/tests/types"
)

// bbDisksReason is bbSkipReason's answer for the tests this file runs.
const bbDisksReason = "needs real disks (partitions, filesystems, RAID or LUKS)"

// bbTypeGUIDs are the partition type GUIDs behind the test data's type
// codes.
var bbTypeGUIDs = map[string]string{
	"coreos-resize":   "3884DD41-8582-4404-B9A8-E9B84F2DF50E",
	"data":            "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
	"coreos-rootfs":   "5DFBF5F4-2848-4BAC-AA5E-0D9A20B745A6",
	"bios":            "21686148-6449-6E6F-744E-656564454649",
	"efi":             "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
	"coreos-reserved": "C95DC21A-DF0E-4340-8D7B-26CBFA9A03E0",
}

// bbMkfs says how to make each filesystem type of the test data: the
// command, its fixed options, and the flags that set a label and a UUID.
var bbMkfs = map[string]struct {
	cmd         string
	opts        []string
	label, uuid string
}{
	"vfat": {"mkfs.fat", nil, "-n", "-i"},
	// The same geometry as Ignition's harness, so that inode numbers
	// and sizes in the tests hold.
	"ext2":  {"mke2fs", []string{"-t", "ext2", "-b", "4096", "-i", "4096", "-I", "128", "-e", "remount-ro"}, "-L", "-U"},
	"ext4":  {"mke2fs", []string{"-t", "ext4", "-b", "4096", "-i", "4096", "-I", "128", "-e", "remount-ro"}, "-L", "-U"},
	"btrfs": {"mkfs.btrfs", nil, "--label", "--uuid"},
	"xfs":   {"mkfs.xfs", nil, "-L", "-m"},
	"swap":  {"mkswap", nil, "-L", "-U"},
}

// bbDiskSkip says why a disk test cannot run on this machine, "" when it
// can. Like every other test, a disk test runs at each spec version that
// can express it (-short: its lowest only), since parsing, translation and
// validation of the config differ between versions.
func bbDiskSkip(test types.Test) string {
	cfg := test.Config
	switch {
	case strings.Contains(cfg, `"tpm2"`):
		return "disk test: LUKS bound to a TPM2 (no TPM here)"
	case strings.Contains(cfg, `"tang"`):
		return "disk test: LUKS bound to a tang server (no tangd here)"
	case strings.Contains(cfg, `"luks"`) && !bbKernelHas("misc", "device-mapper"):
		return "disk test: LUKS needs device-mapper, which this kernel lacks (/proc/misc)"
	case strings.Contains(cfg, `"raid"`) && !bbExists("/proc/mdstat"):
		return "disk test: RAID needs the md driver, which this kernel lacks (/proc/mdstat)"
	}
	for _, d := range append(append([]types.Disk{}, test.In...), test.Out...) {
		for _, p := range d.Partitions {
			if p.FilesystemType == "vfat" && len(p.Files)+len(p.Directories)+len(p.Links)+len(p.RemovedNodes) > 0 && !bbKernelHas("filesystems", "vfat") {
				return "disk test: nodes on a vfat partition, which this kernel cannot mount (/proc/filesystems)"
			}
		}
	}
	var raw struct {
		Storage struct {
			Filesystems []struct{ Format, Path *string }
		}
	}
	json.Unmarshal([]byte(cfg), &raw)
	for _, fs := range raw.Storage.Filesystems {
		if fs.Format != nil && *fs.Format == "vfat" && fs.Path != nil && !bbKernelHas("filesystems", "vfat") {
			return "disk test: the config mounts a vfat filesystem, which this kernel cannot mount (/proc/filesystems)"
		}
	}
	for _, tool := range []string{"wipefs", "partx", "sgdisk", "sfdisk", "losetup", "blkid", "mke2fs", "mkfs.fat", "mkfs.xfs", "mkfs.btrfs", "mkswap"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "disk test: " + tool + " not installed (scripts/deps.sh disks)"
		}
	}
	return ""
}

// bbKernelHas says whether /proc/FILE has a line ending in word.
func bbKernelHas(file, word string) bool {
	data, err := os.ReadFile(filepath.Join("/proc", file))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[len(f)-1] == word {
			return true
		}
	}
	return false
}

func bbExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// bbCleaner is what the disk runner needs besides bbT: *testing.T and
// bbRecorder both have it.
type bbCleaner interface {
	Cleanup(func())
}

// bbCmd runs a command and returns its combined output, the output in the
// error when it fails.
func bbCmd(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// bbUUID is a random version 4 UUID.
func bbUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// bbDisk is one input disk once it is attached.
type bbDisk struct {
	image, dev string
	in, out    *types.Disk
}

func (d *bbDisk) part(n int) string { return fmt.Sprintf("%sp%d", d.dev, n) }

// bbAttachDisk makes disk i's image, sized for the larger of its input
// and expected layouts, attaches it with partition scanning, and
// registers the detach and removal.
func bbAttachDisk(t bbT, work string, i int, in, out *types.Disk) *bbDisk {
	size := out.CalculateImageSize()
	if s := in.CalculateImageSize(); s > size {
		size = s
	}
	img := filepath.Join(work, fmt.Sprintf("hd%d.img", i))
	f, err := os.Create(img)
	if err == nil {
		err = f.Truncate(size)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.(bbCleaner).Cleanup(func() { os.Remove(img) })
	b, err := bbCmd("losetup", "--find", "--show", "--partscan", img)
	if err != nil {
		t.Fatal(err)
	}
	dev := strings.TrimSpace(string(b))
	t.(bbCleaner).Cleanup(func() { bbDetach(t, dev) })
	return &bbDisk{image: img, dev: dev, in: in, out: out}
}

// bbDetach detaches dev, retrying while a prober still holds it.
func bbDetach(t bbT, dev string) {
	var err error
	for range 30 {
		if _, err = bbCmd("losetup", "--detach", dev); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("%v", err)
}

// bbPrepareLayout fills in what the test data leaves to the harness:
// type GUIDs from type codes, random partition GUIDs on the input side,
// and each partition's start.
func bbPrepareLayout(in, out *types.Disk) error {
	for _, side := range []*types.Disk{in, out} {
		for _, p := range side.Partitions {
			if p.TypeCode == "" || p.TypeCode == "blank" {
				continue
			}
			guid, ok := bbTypeGUIDs[p.TypeCode]
			if !ok {
				return fmt.Errorf("unknown type code %q", p.TypeCode)
			}
			p.TypeGUID = guid
		}
	}
	for _, p := range in.Partitions {
		if p.GUID == "" {
			p.GUID = bbUUID()
		}
	}
	in.SetOffsets()
	out.SetOffsets()
	return nil
}

// bbPartition writes disk's input partition table with sgdisk.
func bbPartition(d *bbDisk) error {
	args := []string{d.dev}
	var hybrids []string
	for _, p := range d.in.Partitions {
		if p.TypeCode == "blank" || p.Length == 0 {
			continue
		}
		args = append(args, fmt.Sprintf("--new=%d:%d:+%d", p.Number, p.Offset, p.Length), fmt.Sprintf("--change-name=%d:%s", p.Number, p.Label))
		if p.TypeGUID != "" {
			args = append(args, fmt.Sprintf("--typecode=%d:%s", p.Number, p.TypeGUID))
		}
		if p.GUID != "" {
			args = append(args, fmt.Sprintf("--partition-guid=%d:%s", p.Number, p.GUID))
		}
		if p.Hybrid {
			hybrids = append(hybrids, fmt.Sprint(p.Number))
		}
	}
	if len(hybrids) > 0 {
		args = append(args, "--hybrid="+strings.Join(hybrids, ":"))
	}
	if len(args) == 1 {
		return nil
	}
	if _, err := bbCmd("sgdisk", args...); err != nil {
		return err
	}
	// A kernel without GPT support ignores sgdisk's request to re-read
	// the table: partx tells it the partitions, whose nodes then appear
	// on devtmpfs. Without a range partx stops at the count of entries,
	// missing partitions numbered above it (6 and 9 of three).
	highest := 0
	for _, p := range d.in.Partitions {
		highest = max(highest, p.Number)
	}
	if _, err := bbCmd("partx", "--update", "--nr", fmt.Sprintf("1:%d", highest), d.dev); err != nil {
		return err
	}
	for _, p := range d.in.Partitions {
		if p.TypeCode == "blank" || p.Length == 0 {
			continue
		}
		if err := bbWaitFor(d.part(p.Number)); err != nil {
			return err
		}
	}
	return nil
}

func bbWaitFor(path string) error {
	for range 100 {
		if bbExists(path) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not appear", path)
}

// bbFormat makes partition p's input filesystem.
func bbFormat(dev string, p *types.Partition) error {
	switch p.FilesystemType {
	case "", "blank", "none":
		return nil
	case "image":
		return bbWriteImage(dev, p.FilesystemImage)
	}
	m, ok := bbMkfs[p.FilesystemType]
	if !ok {
		return fmt.Errorf("unknown filesystem type %q", p.FilesystemType)
	}
	args := append([]string{}, m.opts...)
	if p.FilesystemLabel != "" {
		args = append(args, m.label, p.FilesystemLabel)
	}
	if p.FilesystemUUID != "" {
		u := p.FilesystemUUID
		if p.FilesystemType == "xfs" {
			u = "uuid=" + u
		}
		args = append(args, m.uuid, u)
	}
	if _, err := bbCmd(m.cmd, append(args, dev)...); err != nil {
		return err
	}
	if strings.HasPrefix(p.FilesystemType, "ext") && p.TypeCode == "coreos-usr" {
		// Ignition's harness makes a /usr partition the way the OS
		// image builder does: no UUID, fixed time, no checks.
		_, err := bbCmd("tune2fs", "-U", "clear", "-T", "20091119110000", "-c", "0", "-i", "0", "-m", "0", "-r", "0", "-e", "remount-ro", dev)
		return err
	}
	return nil
}

// bbWriteImage writes a base64 bzip2 image onto dev.
func bbWriteImage(dev, data string) error {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dev, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, bzip2.NewReader(bytes.NewReader(raw))); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// bbMountFS mounts dev on dir and returns the unmount.
func bbMountFS(dev, fstype, dir string) (func() error, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := bbCmd("mount", "-t", fstype, dev, dir); err != nil {
		return nil, err
	}
	// Recursive: a provision that mounted something below (or on top)
	// and did not unmount it must not leave the partition busy.
	return func() error {
		_, err := bbCmd("umount", "--recursive", dir)
		return err
	}, nil
}

// bbHasNodes says whether p lists nodes to create or check.
func bbHasNodes(p *types.Partition) bool {
	return len(p.Files)+len(p.Directories)+len(p.Links)+len(p.RemovedNodes) > 0
}

// bbNodesOn reports whether the harness mounts p to lay down or check
// nodes (Ignition's harness skips blank, swap and unformatted ones).
func bbNodesOn(p *types.Partition) bool {
	return bbHasNodes(p) && p.TypeCode != "blank" && p.Length != 0 && p.FilesystemType != "" && p.FilesystemType != "swap" && p.FilesystemType != "blank"
}

// bbSetupDisk partitions, formats and fills one attached disk, then
// corrupts its table when the test asks.
func bbSetupDisk(t bbT, work string, d *bbDisk) {
	if err := bbPartition(d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.in.Partitions {
		if p.TypeCode == "blank" || p.Length == 0 || p.FilesystemType == "" || p.FilesystemType == "swap" {
			continue
		}
		if err := bbFormat(d.part(p.Number), p); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range d.in.Partitions {
		if !bbNodesOn(p) {
			continue
		}
		dir := filepath.Join(work, "setup-"+filepath.Base(d.part(p.Number)))
		umount, err := bbMountFS(d.part(p.Number), p.FilesystemType, dir)
		if err != nil {
			t.Fatal(err)
		}
		err = bbLayDown(dir, p)
		if uerr := umount(); err == nil {
			err = uerr
		}
		if err != nil {
			t.Fatalf("laying down the input nodes of %s: %v", d.part(p.Number), err)
		}
	}
	if d.in.CorruptTable {
		junk := make([]byte, 1536)
		rand.Read(junk)
		f, err := os.OpenFile(d.dev, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write(junk)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// bbDiskState describes a disk for the negative tests' before/after
// comparison: a hash of every byte, except that partitions in mounted
// (the ROOT partition, which the harness mounts, and those the config
// mounts: mounting alone rewrites a superblock) count by their
// filesystem's type, UUID and label instead.
func bbDiskState(t bbT, d *bbDisk, mounted map[string]bool) string {
	tab, err := bbReadTable(d.dev)
	if err != nil {
		t.Fatal(err)
	}
	type span struct{ from, to int64 }
	var skip []span
	var desc strings.Builder
	for _, p := range tab.PartitionTable.Partitions {
		if mounted[p.Node] {
			skip = append(skip, span{int64(p.Start) * 512, int64(p.Start+p.Size) * 512})
			info, err := bbProbe(p.Node, true)
			fmt.Fprintf(&desc, "%s: %s %s %s %v\n", p.Node, info["TYPE"], info["UUID"], info["LABEL"], err)
		}
	}
	f, err := os.Open(d.dev)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	var pos int64
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		chunk := buf[:n]
		for len(chunk) > 0 {
			// Bytes of a skipped span count as absent.
			end := pos + int64(len(chunk))
			cut := int64(len(chunk))
			in := false
			for _, s := range skip {
				if pos >= s.from && pos < s.to {
					in, cut = true, min(cut, s.to-pos)
				} else if s.from > pos && s.from < end {
					cut = min(cut, s.from-pos)
				}
			}
			if !in {
				h.Write(chunk[:cut])
			}
			chunk, pos = chunk[cut:], pos+cut
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%ssha256 %x", desc.String(), h.Sum(nil))
}

// bbMountedDevices are the devices the negative comparison takes by
// their filesystem's identity: root and every filesystem the config
// mounts.
func bbMountedDevices(config, root string) map[string]bool {
	m := map[string]bool{root: true}
	var raw struct {
		Storage struct {
			Filesystems []struct{ Device, Path *string }
		}
	}
	json.Unmarshal([]byte(config), &raw)
	for _, fs := range raw.Storage.Filesystems {
		if fs.Device != nil && fs.Path != nil {
			m[*fs.Device] = true
		}
	}
	return m
}

// bbDiskRun runs one disk test; see the top of the file.
func bbDiskRun(t bbT, bin string, test types.Test, negative bool) {
	if err := test.ReplaceAllUUIDVars(); err != nil {
		t.Fatal(err)
	}
	if len(test.In) != len(test.Out) {
		t.Fatalf("test has %d input disks and %d expected ones", len(test.In), len(test.Out))
	}
	work := t.TempDir()
	run := bbSetupDisks(t, work, &test)
	cfgPath := filepath.Join(work, "config.ign")
	if err := os.WriteFile(cfgPath, []byte(test.Config), 0o644); err != nil {
		t.Fatal(err)
	}
	if !test.ConfigShouldBeBad {
		if _, rpt, err := ignconfig.Parse([]byte(test.Config)); err != nil || rpt.IsFatal() {
			t.Fatalf("Ignition rejects the test's own config: %v %s", err, rpt.String())
		}
	}
	if negative {
		bbDiskNegative(t, bin, work, cfgPath, test, run)
		return
	}
	if _, err := bbDiskStages(t, bin, work, run, cfgPath, test, func() {}); err != nil {
		t.Fatal(err)
	}
	for _, d := range run.disks {
		bbCheckTable(t, d)
		bbCheckFilesystems(t, d)
		bbCheckNodes(t, work, d)
	}
}

// bbDiskSetup is a test's disks once set up, and its target root.
type bbDiskSetup struct {
	disks           []*bbDisk
	mnt             string // where the ROOT partition is mounted
	rootDev, rootFS string
}

// bbSetupDisks builds every input disk, substitutes their devices into
// the config, and prepares the ROOT partition for passwd tests as
// Ignition's harness does.
func bbSetupDisks(t bbT, work string, test *types.Test) *bbDiskSetup {
	run := &bbDiskSetup{mnt: filepath.Join(work, "root")}
	for i := range test.In {
		in, out := &test.In[i], &test.Out[i]
		if err := bbPrepareLayout(in, out); err != nil {
			t.Fatal(err)
		}
		d := bbAttachDisk(t, work, i, in, out)
		bbSetupDisk(t, work, d)
		run.disks = append(run.disks, d)
		for _, m := range test.MntDevices {
			for _, p := range in.Partitions {
				if p.Label == m.Label {
					test.Config = strings.ReplaceAll(test.Config, m.Substitution, d.part(p.Number))
				}
			}
		}
		test.Config = strings.ReplaceAll(test.Config, fmt.Sprintf("$disk%d", i), d.dev)
		if p := bbRootPartition([]types.Disk{*in}); p != nil && run.rootDev == "" {
			run.rootDev, run.rootFS = d.part(p.Number), p.FilesystemType
		}
	}
	if run.rootDev == "" {
		t.Fatal("no input partition labelled ROOT")
	}
	for _, m := range test.MntDevices {
		if strings.Contains(test.Config, m.Substitution) {
			t.Fatalf("no partition labelled %s for %s", m.Label, m.Substitution)
		}
	}
	if err := os.Mkdir(run.mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(test.Config, "passwd") {
		umount, err := bbMountFS(run.rootDev, run.rootFS, run.mnt)
		if err != nil {
			t.Fatal(err)
		}
		err = bbPreparePasswd(run.mnt)
		if uerr := umount(); err == nil {
			err = uerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return run
}

// bbDiskNegative runs a negative test. Failing in fetch or disks it must
// leave every byte of every disk as it was. Failing later it is held to
// the disks as the disks stage left them (a later failure does not undo
// that stage, in Ignition neither), filesystems that get mounted compared
// by identity.
func bbDiskNegative(t bbT, bin, work, cfgPath string, test types.Test, run *bbDiskSetup) {
	mounted := bbMountedDevices(test.Config, run.rootDev)
	states := func(mounted map[string]bool) []string {
		var out []string
		for _, d := range run.disks {
			out = append(out, bbDiskState(t, d, mounted))
		}
		return out
	}
	before := states(nil)
	var afterDisks []string
	stage, err := bbDiskStages(t, bin, work, run, cfgPath, test, func() { afterDisks = states(mounted) })
	if err == nil {
		t.Fatal("provision succeeded; Ignition fails this config")
	}
	t.Logf("failed as expected in %s: %v", stage, err)
	want, got := before, states(nil)
	if afterDisks != nil {
		want, got = afterDisks, states(mounted)
	}
	for i, d := range run.disks {
		if got[i] != want[i] {
			t.Errorf("provision failed in %s (%v) but changed disk %d (%s):\nbefore: %s\nafter:  %s", stage, err, i, d.dev, want[i], got[i])
		}
	}
}

// bbDiskStages runs fetch and disks, calls afterDisks, mounts the ROOT
// partition on run.mnt as Ignition's harness does, then runs mount, files and
// umount. It returns the stage that failed and why.
func bbDiskStages(t bbT, bin, work string, run *bbDiskSetup, cfgPath string, test types.Test, afterDisks func()) (string, error) {
	runDir := filepath.Join(work, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(runDir, "config.json")
	stage := func(name string, extra ...string) error {
		args := append([]string{name, "--root", run.mnt, "--log-to-stdout", "--config-cache", cache}, extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "provision"), args...)
		cmd.Env = append(os.Environ(), "KINDLING_CONFIG_FILE="+cfgPath, "PATH="+filepath.Join(bin, "stubs")+":"+os.Getenv("PATH"))
		cmd.Env = append(cmd.Env, test.Env...)
		out, err := cmd.CombinedOutput()
		t.Logf("provision %s:\n%s", name, out)
		if err != nil {
			return fmt.Errorf("provision %s: %v: %s", name, err, lastLine(out))
		}
		return nil
	}
	if err := stage("fetch", "--platform", "file"); err != nil {
		return "fetch", err
	}
	if err := stage("disks"); err != nil {
		return "disks", err
	}
	afterDisks()
	umount, err := bbMountFS(run.rootDev, run.rootFS, run.mnt)
	if err != nil {
		t.Fatalf("mounting the ROOT partition after the disks stage: %v", err)
	}
	defer func() {
		if err := umount(); err != nil {
			t.Errorf("%v", err)
		}
	}()
	if err := stage("mount"); err != nil {
		return "mount", err
	}
	filesErr := stage("files")
	if err := stage("umount"); err != nil {
		return "umount", err
	}
	if filesErr != nil {
		return "files", filesErr
	}
	return "", nil
}

// bbTable is what sfdisk --json says of a partition table.
type bbTable struct {
	PartitionTable struct {
		Label      string
		Partitions []struct {
			Node        string
			Start, Size int
			Type, UUID  string
			Name        string
		}
	}
}

// bbReadTable reads dev's partition table; a disk without one has no
// partitions.
func bbReadTable(dev string) (*bbTable, error) {
	var tab bbTable
	out, err := bbCmd("sfdisk", "--json", dev)
	if err != nil {
		if strings.Contains(string(out), "does not contain a recognized partition table") {
			return &tab, nil
		}
		return nil, err
	}
	if err := json.Unmarshal(out, &tab); err != nil {
		return nil, fmt.Errorf("sfdisk --json %s: %v", dev, err)
	}
	return &tab, nil
}

// bbCheckTable compares d's partition table with the expected one as
// Ignition's validator does: the same set of partition numbers, and per
// expected partition its type GUID and GUID (when given), its label, and
// its size rounded up to the disk's alignment. Starts are not compared:
// the expected layouts' offsets are the harness's sequential packing, not
// where Ignition leaves a partition (in partitions.complex partition 2
// stays where it was while partition 1 before it shrinks).
func bbCheckTable(t bbT, d *bbDisk) {
	tab, err := bbReadTable(d.dev)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	got := map[int]int{}
	for i, p := range tab.PartitionTable.Partitions {
		n := 0
		fmt.Sscanf(strings.TrimPrefix(p.Node, d.dev+"p"), "%d", &n)
		got[n] = i
	}
	for _, e := range d.out.Partitions {
		if e.TypeCode == "blank" {
			continue
		}
		i, ok := got[e.Number]
		if !ok {
			t.Errorf("%s: partition %d is missing", d.dev, e.Number)
			continue
		}
		delete(got, e.Number)
		p := tab.PartitionTable.Partitions[i]
		if e.TypeGUID != "" && !strings.EqualFold(e.TypeGUID, p.Type) {
			t.Errorf("%s: partition %d type GUID %s, want %s", d.dev, e.Number, p.Type, e.TypeGUID)
		}
		if e.GUID != "" && !strings.EqualFold(e.GUID, p.UUID) {
			t.Errorf("%s: partition %d GUID %s, want %s", d.dev, e.Number, p.UUID, e.GUID)
		}
		if p.Name != e.Label {
			t.Errorf("%s: partition %d label %q, want %q", d.dev, e.Number, p.Name, e.Label)
		}
		if want := types.Align(e.Length, d.out.Alignment); p.Size != want {
			t.Errorf("%s: partition %d has %d sectors, want %d", d.dev, e.Number, p.Size, want)
		}
	}
	for n := range got {
		t.Errorf("%s: unexpected partition %d", d.dev, n)
	}
}

// bbCheckFilesystems compares each expected partition's filesystem type,
// UUID and label with what blkid probes on the device.
func bbCheckFilesystems(t bbT, d *bbDisk) {
	for _, e := range d.out.Partitions {
		if e.FilesystemType == "" && e.FilesystemUUID == "" && e.FilesystemLabel == "" {
			continue
		}
		dev := d.part(e.Number)
		info, err := bbProbe(dev, e.Ambivalent)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if e.FilesystemType != "" && info["TYPE"] != e.FilesystemType {
			t.Errorf("%s: filesystem type %q, want %q", dev, info["TYPE"], e.FilesystemType)
		}
		if e.FilesystemUUID != "" && !strings.EqualFold(strings.ReplaceAll(info["UUID"], "-", ""), strings.ReplaceAll(e.FilesystemUUID, "-", "")) {
			t.Errorf("%s: filesystem UUID %q, want %q", dev, info["UUID"], e.FilesystemUUID)
		}
		if e.FilesystemLabel != "" && info["LABEL"] != e.FilesystemLabel {
			t.Errorf("%s: filesystem label %q, want %q", dev, info["LABEL"], e.FilesystemLabel)
		}
	}
}

// bbProbe runs a low-level blkid probe of dev. An ambivalent result
// (signatures of two filesystems) is an error unless allowed, as in
// Ignition's validator; then the signature at the lowest offset counts.
func bbProbe(dev string, ambivalent bool) (map[string]string, error) {
	out, err := exec.Command("blkid", "-p", "-o", "export", dev).CombinedOutput()
	code := -1
	if e, ok := err.(*exec.ExitError); ok {
		code = e.ExitCode()
	}
	switch {
	case err == nil:
	case code == 2:
		return map[string]string{}, nil // nothing found
	case code == 8 && ambivalent:
		return bbFirstSignature(dev)
	default:
		return nil, fmt.Errorf("blkid -p %s: %v: %s", dev, err, out)
	}
	info := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			info[k] = v
		}
	}
	return info, nil
}

// bbFirstSignature describes dev by its signature at the lowest offset.
func bbFirstSignature(dev string) (map[string]string, error) {
	out, err := bbCmd("wipefs", "--no-act", "--json", "--output", "OFFSET,TYPE,UUID,LABEL", dev)
	if err != nil {
		return nil, err
	}
	var list struct {
		Signatures []struct{ Offset, Type, UUID, Label string }
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, err
	}
	info, low := map[string]string{}, uint64(1<<63)
	for _, sig := range list.Signatures {
		var off uint64
		if _, err := fmt.Sscan(sig.Offset, &off); err != nil {
			return nil, fmt.Errorf("wipefs %s: offset %q: %v", dev, sig.Offset, err)
		}
		if off < low {
			low = off
			info = map[string]string{"TYPE": sig.Type, "UUID": sig.UUID, "LABEL": sig.Label}
		}
	}
	return info, nil
}

// bbCheckNodes mounts each expected partition that lists nodes and checks
// them.
func bbCheckNodes(t bbT, work string, d *bbDisk) {
	for _, e := range d.out.Partitions {
		if !bbNodesOn(e) {
			continue
		}
		dir := filepath.Join(work, "check-"+filepath.Base(d.part(e.Number)))
		umount, err := bbMountFS(d.part(e.Number), e.FilesystemType, dir)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		bbValidate(t, dir, e)
		if err := umount(); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// bbDiskKnownFailures are disk tests Kindling fails on purpose
// (docs/compat.md, "The provisioned machine"), by test-name prefix.
var bbDiskKnownFailures = map[string]string{
	"partition.no-op.nonexistent ": `partition number 999: Kindling rejects numbers above 256 (safety rule "sizes and ids in range")`,
}

func init() {
	for name, reason := range bbDiskKnownFailures {
		bbKnownFailures[name] = reason
	}
}
