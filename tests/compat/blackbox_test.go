package compat

// Ignition's own blackbox suite, run against the provision binary on a
// directory root. Every test Ignition's registry registers is classified:
// files-level tests (nothing to partition, format or unlock; only the ROOT
// partition's tree is read or checked) run, the rest are skipped with a
// counted reason. A positive test must succeed and leave every expected
// node as Ignition's validator checks it; a negative test must fail and
// leave the root exactly as it was.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ignconfig "github.com/coreos/ignition/v2/config"
	"github.com/coreos/ignition/v2/tests/register"
	_ "github.com/coreos/ignition/v2/tests/registry"
	"github.com/coreos/ignition/v2/tests/types"
)

// bbNameMap maps names Ignition writes to the names Kindling writes on
// purpose (docs/compat.md, "The provisioned machine").
var bbNameMap = map[string]string{
	"20-ignition.preset": "20-kindling.preset",
	"ignition":           "kindling", // ~/.ssh/authorized_keys.d/ignition
}

// bbTools are Ignition's stand-ins for shadow-utils; the expected
// passwd, group and shadow files of its tests are what they write.
var bbTools = []string{"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel"}

var (
	bbBuildOnce sync.Once
	bbBin       string // directory with provision and the tool stubs
	bbBuildErr  error
)

// bbBuild builds provision from the repository and the shadow-utils stubs
// from Ignition's module once for the whole run.
func bbBuild(t *testing.T) string {
	bbBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kindling-blackbox-bin-")
		if err != nil {
			bbBuildErr = err
			return
		}
		bbBin = dir
		build := func(wd, out, pkg string) error {
			cmd := exec.Command("go", "build", "-tags=nethttpomithttp2", "-o", out, pkg)
			cmd.Dir = wd
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
			}
			return nil
		}
		if bbBuildErr = build("../..", filepath.Join(dir, "provision"), "./cmd/provision"); bbBuildErr != nil {
			return
		}
		for _, tool := range bbTools {
			pkg := "github.com/coreos/ignition/v2/tests/stubs/" + tool + "-stub"
			if bbBuildErr = build(".", filepath.Join(dir, "stubs", tool), pkg); bbBuildErr != nil {
				return
			}
		}
	})
	if bbBuildErr != nil {
		t.Fatal(bbBuildErr)
	}
	return bbBin
}

// bbKnownFailures are failures whose fix lives outside the files stage,
// by test-name substring. A listed test still runs: its failure is
// counted apart and does not fail the suite, and once it passes the log
// says to remove the entry.
var bbKnownFailures = map[string]string{}

func bbKnownFailure(name string) string {
	for sub, reason := range bbKnownFailures {
		if strings.Contains(name, sub) {
			return reason
		}
	}
	return ""
}

// bbT is what a run needs of *testing.T, so a known failure can run
// against a recorder instead.
type bbT interface {
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	Logf(format string, args ...any)
	TempDir() string
	Failed() bool
}

// bbRecorder collects a run's failures without failing the test.
type bbRecorder struct {
	*testing.T
	mu   sync.Mutex
	errs []string
}

func (r *bbRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.T.Logf("(known failure) "+format, args...)
}

func (r *bbRecorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *bbRecorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *bbRecorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs) > 0
}

// bbRecord runs fn against a recorder in its own goroutine (Fatal ends
// only that goroutine) and returns what failed.
func bbRecord(t *testing.T, fn func(bbT)) []string {
	rec := &bbRecorder{T: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(rec)
	}()
	<-done
	return rec.errs
}

// bbSkipReason says why a registered test is not files-level, "" when it
// is one we run.
func bbSkipReason(test types.Test) string {
	if len(test.MntDevices) > 0 {
		return "needs real disks (partitions, filesystems, RAID or LUKS)"
	}
	var raw struct {
		Storage struct {
			Disks, Raid, Filesystems, Luks []json.RawMessage
		}
	}
	if json.Unmarshal([]byte(test.Config), &raw) == nil {
		s := raw.Storage
		if len(s.Disks)+len(s.Raid)+len(s.Filesystems)+len(s.Luks) > 0 {
			return "needs real disks (partitions, filesystems, RAID or LUKS)"
		}
	}
	if len(test.SystemDirFiles) > 0 {
		return "base configs from Ignition's system config directory (Kindling's base.d is tested in internal/render)"
	}
	if len(test.In) != len(test.Out) {
		return "needs real disks (partitions, filesystems, RAID or LUKS)"
	}
	for i := range test.In {
		if len(test.In[i].Partitions) != len(test.Out[i].Partitions) {
			return "needs real disks (partitions, filesystems, RAID or LUKS)"
		}
		for _, set := range [][]*types.Partition{test.In[i].Partitions, test.Out[i].Partitions} {
			for _, p := range set {
				if p.Label == "ROOT" {
					continue
				}
				if len(p.Files)+len(p.Directories)+len(p.Links)+len(p.RemovedNodes) > 0 {
					return "checks nodes on partitions other than the root"
				}
			}
		}
	}
	for _, e := range test.Env {
		if strings.HasPrefix(e, "IGNITION_WRITE_AUTHORIZED_KEYS_FRAGMENT=false") {
			return "IGNITION_WRITE_AUTHORIZED_KEYS_FRAGMENT=false: Kindling always writes the authorized_keys.d fragment"
		}
	}
	return ""
}

func bbRootPartition(disks []types.Disk) *types.Partition {
	for _, d := range disks {
		for _, p := range d.Partitions {
			if p.Label == "ROOT" {
				return p
			}
		}
	}
	return nil
}

// bbSummary collects the outcome of every registered test.
type bbSummary struct {
	mu      sync.Mutex
	passed  int
	ran     []string // outcomes are in bbResults once the subtests are done
	skipped map[string]int
}

func (s *bbSummary) skip(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skipped[reason]++
}

func TestIgnitionBlackbox(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the tests set owners and lay down files as root")
	}
	bin := bbBuild(t)
	srv := bbStartServers()
	sum := &bbSummary{skipped: map[string]int{}}
	t.Cleanup(func() { bbPrintSummary(t, sum) })
	kinds := []struct {
		name     string
		tests    []types.Test
		negative bool
	}{
		{"positive", register.Tests[register.PositiveTest], false},
		{"negative", register.Tests[register.NegativeTest], true},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			// Runs are mostly waiting for child processes: a few at a
			// time, more than the default -parallel of GOMAXPROCS, keeps
			// the suite short on a small machine. t.Run may be called
			// from several goroutines at once.
			work := make(chan types.Test)
			var wg sync.WaitGroup
			for range bbWorkers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for test := range work {
						name := k.name + "/" + test.Name
						t.Run(test.Name, func(t *testing.T) { bbOne(t, name, bin, test, k.negative) })
					}
				}()
			}
			for _, test := range k.tests {
				test := types.DeepCopy(test)
				name := k.name + "/" + test.Name
				if testing.Short() && test.ConfigVersion != test.ConfigMinVersion {
					sum.skip("-short: only each test's lowest spec version runs")
					continue
				}
				reason := bbSkipReason(test)
				if reason == bbDisksReason {
					reason = bbDiskSkip(test) // "" when the disk runner can run it
				}
				if reason != "" {
					sum.skip(reason)
					continue
				}
				if strings.Contains(test.Config, "127.0.0.1:8080") && srv.httpErr != nil {
					sum.skip("HTTP server on 127.0.0.1:8080 unavailable: " + srv.httpErr.Error())
					continue
				}
				if strings.Contains(test.Config, "tftp://") && srv.tftpErr != nil {
					sum.skip("TFTP server on 127.0.0.1:69 unavailable: " + srv.tftpErr.Error())
					continue
				}
				sum.mu.Lock()
				sum.ran = append(sum.ran, name)
				sum.mu.Unlock()
				work <- test
			}
			close(work)
			wg.Wait()
		})
	}
}

// bbWorkers is how many tests run at once.
const bbWorkers = 6

// bbOne runs one registered test and records its outcome; a known failure
// runs against a recorder.
func bbOne(t *testing.T, name, bin string, test types.Test, negative bool) {
	bbRun := bbRun
	if bbSkipReason(test) == bbDisksReason {
		bbRun = bbDiskRun
	}
	if reason := bbKnownFailure(test.Name); reason != "" {
		if rec := bbRecord(t, func(r bbT) { bbRun(r, bin, test, negative) }); len(rec) == 0 {
			bbResults.Store(name, true)
			bbNowPassing.Store(reason, true)
		} else {
			bbResults.Store(name, reason)
		}
		return
	}
	defer func() {
		if !t.Failed() {
			bbResults.Store(name, true)
		}
	}()
	bbRun(t, bin, test, negative)
}

// bbNowPassing holds bbKnownFailures reasons whose tests pass now.
var bbNowPassing sync.Map

// bbResults records parallel subtests' outcomes by name.
var bbResults sync.Map

func bbPrintSummary(t *testing.T, s *bbSummary) {
	var failed []string
	known := map[string]int{}
	for _, name := range s.ran {
		switch v, _ := bbResults.Load(name); v := v.(type) {
		case bool:
			s.passed++
		case string:
			known[v]++
		default:
			failed = append(failed, name)
		}
	}
	sort.Strings(failed)
	var b strings.Builder
	fmt.Fprintf(&b, "Ignition blackbox suite against provision: %d passed, %d failed, %d known failures, %d skipped\n", s.passed, len(failed), bbCount(known), bbCount(s.skipped))
	for r, n := range known {
		fmt.Fprintf(&b, "  known   %4d  %s\n", n, r)
	}
	bbNowPassing.Range(func(r, _ any) bool {
		if known[r.(string)] == 0 {
			fmt.Fprintf(&b, "  every test of a known failure passes now; remove it from bbKnownFailures: %s\n", r)
		}
		return true
	})
	for _, f := range failed {
		fmt.Fprintf(&b, "  FAILED  %s\n", f)
	}
	reasons := make([]string, 0, len(s.skipped))
	for r := range s.skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(&b, "  skipped %4d  %s\n", s.skipped[r], r)
	}
	t.Log("\n" + b.String())
	if os.Getenv("KINDLING_BLACKBOX_SUMMARY") != "" {
		os.WriteFile(os.Getenv("KINDLING_BLACKBOX_SUMMARY"), []byte(b.String()), 0o644)
	}
}

func bbCount(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// bbRun runs one test: lay down the ROOT partition's input tree, run the
// fetch stage (which renders merge and replace children) and the files
// stage, then check.
func bbRun(t bbT, bin string, test types.Test, negative bool) {
	if err := test.ReplaceAllUUIDVars(); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	root := filepath.Join(work, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	in := bbRootPartition(test.In)
	if in != nil {
		if err := bbLayDown(root, in); err != nil {
			t.Fatalf("laying down the input tree: %v", err)
		}
	}
	if strings.Contains(test.Config, "passwd") {
		if err := bbPreparePasswd(root); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(work, "config.ign")
	if err := os.WriteFile(cfgPath, []byte(test.Config), 0o644); err != nil {
		t.Fatal(err)
	}
	if !test.ConfigShouldBeBad {
		if _, rpt, err := ignconfig.Parse([]byte(test.Config)); err != nil || rpt.IsFatal() {
			t.Fatalf("Ignition rejects the test's own config: %v %s", err, rpt.String())
		}
	}
	before := bbSnapshot(t, root)
	err := bbProvision(t, bin, work, root, cfgPath, test)
	if negative {
		if err == nil {
			t.Fatal("provision succeeded; Ignition fails this config")
		}
		if diff := bbDiff(before, bbSnapshot(t, root)); diff != "" {
			t.Fatalf("provision failed (%v) but changed the root:\n%s", err, diff)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if out := bbRootPartition(test.Out); out != nil {
		bbValidate(t, root, out)
	}
}

func bbProvision(t bbT, bin, work, root, cfgPath string, test types.Test) error {
	run := filepath.Join(work, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		return err
	}
	cache := filepath.Join(run, "config.json")
	path := filepath.Join(bin, "stubs") + ":" + os.Getenv("PATH")
	// A config that merges or replaces needs the fetch stage to render it;
	// any other runs in one process with apply, which halves the cost of
	// the suite on a busy machine.
	runs := [][]string{{"apply", "--run-dir", run, cfgPath}}
	// An empty config is "no config" to the fetch stage, and apply
	// would refuse it.
	if strings.TrimSpace(test.Config) == "" || strings.Contains(test.Config, `"merge"`) || strings.Contains(test.Config, `"replace"`) {
		runs = [][]string{{"fetch", "--platform", "file", "--config-cache", cache}, {"files", "--config-cache", cache}}
	}
	for _, args := range runs {
		stage := args[0]
		args = append([]string{stage, "--root", root, "--log-to-stdout"}, args[1:]...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "provision"), args...)
		cmd.Env = append(os.Environ(), "KINDLING_CONFIG_FILE="+cfgPath, "PATH="+path)
		cmd.Env = append(cmd.Env, test.Env...)
		out, err := cmd.CombinedOutput()
		cancel()
		t.Logf("provision %s:\n%s", stage, out)
		if err != nil {
			return fmt.Errorf("provision %s: %v: %s", stage, err, lastLine(out))
		}
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// bbLayDown creates a partition's directories, files and links under
// root the way Ignition's harness does before a run.
func bbLayDown(root string, p *types.Partition) error {
	for _, d := range p.Directories {
		if err := os.MkdirAll(filepath.Join(root, d.Directory), 0o755); err != nil {
			return err
		}
		if err := os.Mkdir(filepath.Join(root, d.Directory, d.Name), os.FileMode(d.Mode)); err != nil {
			return err
		}
	}
	for _, f := range p.Files {
		dst := filepath.Join(root, f.Directory, f.Name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, []byte(f.Contents), os.FileMode(f.Mode)); err != nil {
			return err
		}
		if err := os.Chown(dst, f.User, f.Group); err != nil {
			return err
		}
	}
	for _, l := range p.Links {
		dst := filepath.Join(root, l.Directory, l.Name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		var err error
		if l.Hard {
			err = os.Link(filepath.Join(root, l.Target), dst)
		} else {
			err = os.Symlink(l.Target, dst)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bbPreparePasswd gives the root the layout Ignition's harness gives it
// for passwd tests: /home, /etc, and /bin, /sbin, /lib64 pointing into
// /usr (relative here, so they stay inside the root).
func bbPreparePasswd(root string) error {
	for _, d := range []string{"home", "usr/bin", "usr/sbin", "usr/lib64", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	for _, l := range []string{"lib64", "bin", "sbin"} {
		if err := os.Symlink("usr/"+l, filepath.Join(root, l)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	return nil
}

// bbMap applies bbNameMap to a node's name.
func bbMap(name string) string {
	if m, ok := bbNameMap[name]; ok {
		return m
	}
	return name
}

// bbValidate checks expected nodes as Ignition's validator does.
func bbValidate(t bbT, root string, p *types.Partition) {
	owner := func(path string, st *syscall.Stat_t, n types.Node) {
		if int(st.Uid) != n.User || int(st.Gid) != n.Group {
			t.Errorf("%s: owner %d:%d, want %d:%d", path, st.Uid, st.Gid, n.User, n.Group)
		}
	}
	mode := func(path string, st *syscall.Stat_t, want int) {
		if want == 0 {
			return
		}
		if got := st.Mode & 0o7777; got != uint32(want) {
			t.Errorf("%s: mode %#o, want %#o", path, got, want)
		}
	}
	lstat := func(path string) *syscall.Stat_t {
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		return &st
	}
	for _, f := range p.Files {
		path := filepath.Join(root, f.Directory, bbMap(f.Name))
		st := lstat(path)
		if st == nil {
			continue
		}
		if f.Contents != "" {
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v", path, err)
			} else if string(got) != f.Contents {
				t.Errorf("%s: contents %q, want %q", path, got, f.Contents)
			}
		}
		mode(path, st, f.Mode)
		owner(path, st, f.Node)
	}
	for _, d := range p.Directories {
		path := filepath.Join(root, d.Directory, bbMap(d.Name))
		st := lstat(path)
		if st == nil {
			continue
		}
		if st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			t.Errorf("%s: not a directory", path)
		}
		mode(path, st, d.Mode)
		owner(path, st, d.Node)
	}
	for _, l := range p.Links {
		path := filepath.Join(root, l.Directory, bbMap(l.Name))
		st := lstat(path)
		if st == nil {
			continue
		}
		if l.Hard {
			tst := lstat(filepath.Join(root, l.Target))
			if tst != nil && tst.Ino != st.Ino {
				t.Errorf("%s: not a hard link to %s", path, l.Target)
			}
		} else {
			target, err := os.Readlink(path)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if target != l.Target {
				t.Errorf("%s: link target %q, want %q", path, target, l.Target)
			}
		}
		owner(path, st, l.Node)
	}
	for _, n := range p.RemovedNodes {
		path := filepath.Join(root, n.Directory, bbMap(n.Name))
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%s: expected to be removed, is present", path)
		}
	}
}

// bbSnapshot describes every node under root: type, mode, owner, content
// hash or link target.
func bbSnapshot(t bbT, root string) map[string]string {
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			return err
		}
		desc := fmt.Sprintf("mode=%#o owner=%d:%d", st.Mode, st.Uid, st.Gid)
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFREG:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" sha256=%x", sha256.Sum256(b))
		case syscall.S_IFLNK:
			target, _ := os.Readlink(path)
			desc += " -> " + target
		}
		rel, _ := filepath.Rel(root, path)
		snap[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func bbDiff(a, b map[string]string) string {
	var out bytes.Buffer
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if a[k] != b[k] {
			fmt.Fprintf(&out, "  %s: %q -> %q\n", k, a[k], b[k])
		}
	}
	return out.String()
}
