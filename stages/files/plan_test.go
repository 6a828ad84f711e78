package files

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// fcosRoot lays out the symlinks Fedora CoreOS has at provisioning time:
// /usr/local -> ../var/usrlocal and /opt -> var/opt, with /var empty.
func fcosRoot(t *testing.T) string {
	root := newRoot(t)
	for _, d := range []string{"usr", "var"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../var/usrlocal", filepath.Join(root, "usr/local")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/var/opt", filepath.Join(root, "opt")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestSymlinkedParentsLikeFCOS(t *testing.T) {
	t.Parallel()
	root := fcosRoot(t)
	body := `,"storage":{"files":[{"path":"/usr/local/bin/hello","mode":493,"contents":{"source":"data:,hi"}},{"path":"/opt/app/conf","contents":{"source":"data:,x"}}],` +
		`"directories":[{"path":"/usr/local/share/d"}],"links":[{"path":"/usr/local/bin/hi","target":"hello"}]}`
	if err := apply(t, root, "3.4.0", body); err != nil {
		t.Fatal(err)
	}
	checkNode(t, root, wantNode{path: "var/usrlocal/bin/hello", mode: 0o755, contents: ptr("hi")})
	checkNode(t, root, wantNode{path: "var/opt/app/conf", mode: 0o644, contents: ptr("x")})
	checkNode(t, root, wantNode{path: "var/usrlocal/share/d", mode: os.ModeDir | 0o755})
	checkNode(t, root, wantNode{path: "var/usrlocal/bin/hi", mode: os.ModeSymlink | 0o777, target: "hello"})
	// The links themselves are untouched.
	checkNode(t, root, wantNode{path: "usr/local", mode: os.ModeSymlink | 0o777, target: "../var/usrlocal"})
}

func TestSymlinkedParentsStayInRoot(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := os.Symlink("../../../../../../tmp", filepath.Join(root, "up")); err != nil {
		t.Fatal(err)
	}
	if err := apply(t, root, "3.4.0", `,"storage":{"files":[{"path":"/up/escaped","contents":{"source":"data:,x"}}]}`); err != nil {
		t.Fatal(err)
	}
	checkNode(t, root, wantNode{path: "tmp/escaped", mode: 0o644, contents: ptr("x")})
}

func TestResolvedConflict(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := os.Symlink("/", filepath.Join(root, "foo")); err != nil {
		t.Fatal(err)
	}
	before := testutil.Snapshot(t, root)
	err := apply(t, root, "3.4.0", `,"storage":{"files":[{"path":"/foo/bar/baz","contents":{"source":"data:,1"}},{"path":"/bar/baz","contents":{"source":"data:,2"}}]}`)
	if err == nil || !strings.Contains(err.Error(), "storage.files.1.path") || !strings.Contains(err.Error(), "storage.files.0") {
		t.Fatalf("err = %v, want a conflict naming both entries", err)
	}
	if after := testutil.Snapshot(t, root); after != before {
		t.Errorf("root changed:\n%s\n---\n%s", before, after)
	}
}

// TestPrecheckLeavesRootUntouched: every failure the plan can foresee
// happens before the first write, whatever entry comes first.
func TestPrecheckLeavesRootUntouched(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, prepare, body, want string }{
		{"link over a file without overwrite", "file:/x",
			`,"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}}],"links":[{"path":"/x","target":"/a/first"}]}`, "storage.links.0"},
		{"hard link over a file without overwrite", "file:/x",
			`,"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}}],"links":[{"path":"/x","target":"/a/first","hard":true}]}`, "storage.links.0"},
		{"file over a directory without overwrite", "dir:/later",
			`,"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}},{"path":"/later","contents":{"source":"data:,2"}}]}`, "storage.files.1"},
		{"file with contents over a file without overwrite", "file:/later",
			`,"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}},{"path":"/later","contents":{"source":"data:,2"}}]}`, "storage.files.1.overwrite"},
		{"a file in the way of a parent", "file:/blocker",
			`,"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}},{"path":"/blocker/child","contents":{"source":"data:,2"}}]}`, "in the way of the parent directory"},
		{"supplementary group missing", "",
			`,"passwd":{"groups":[{"name":"made"}],"users":[{"name":"u1"},{"name":"u2","groups":["made","nosuchgroup"]}]},"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}}]}`, "passwd.users.1.groups.1"},
		{"owner missing", "",
			`,"storage":{"files":[{"path":"/a/first","contents":{"source":"data:,1"}},{"path":"/b","user":{"name":"nobody-here"}}]}`, "storage.files.1.user.name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := newRoot(t)
			if kind, p, ok := strings.Cut(c.prepare, ":"); ok {
				full := filepath.Join(root, p)
				var err error
				if kind == "dir" {
					err = os.Mkdir(full, 0o755)
				} else {
					err = os.WriteFile(full, []byte("old"), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(filepath.Join(root, "var/lib/data"), 0o755); err != nil {
				t.Fatal(err)
			}
			before := testutil.Snapshot(t, root)
			err := apply(t, root, "3.4.0", c.body)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
			if after := testutil.Snapshot(t, root); after != before {
				t.Errorf("root changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// TestOverwriteDoesNotCrossMounts: a host directory bind-mounted below a
// directory the config overwrites is left alone, and so is the rest.
func TestOverwriteDoesNotCrossMounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to bind-mount")
	}
	root := newRoot(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "precious"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(root, "mnt/data")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "mnt/sibling"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", host, mnt).CombinedOutput(); err != nil {
		t.Skipf("bind mount: %v %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	err := apply(t, root, "3.4.0", `,"storage":{"directories":[{"path":"/mnt","overwrite":true}]}`)
	if err == nil || !strings.Contains(err.Error(), "another filesystem") || !strings.Contains(err.Error(), "storage.directories.0") {
		t.Fatalf("err = %v, want a refusal naming the entry", err)
	}
	if b, err := os.ReadFile(filepath.Join(host, "precious")); err != nil || string(b) != "keep" {
		t.Errorf("host file: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(root, "mnt/sibling")); err != nil {
		t.Errorf("sibling removed: %v", err)
	}
}

func TestStaleTempFilesSwept(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := os.MkdirAll(filepath.Join(root, "etc/app"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, "etc/app/.big.kindling-4242-7")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "etc/app/.big.other-4242-7")
	if err := os.WriteFile(other, []byte("not ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := apply(t, root, "3.4.0", `,"storage":{"files":[{"path":"/etc/app/big","contents":{"source":"data:,whole"}}]}`); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file still there: %v", err)
	}
	if _, err := os.Lstat(other); err != nil {
		t.Errorf("a file that is not ours was removed: %v", err)
	}
	checkNode(t, root, wantNode{path: "etc/app/big", mode: 0o644, contents: ptr("whole")})
}

func TestUnitInstallNames(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := os.MkdirAll(filepath.Join(root, "var/lib/data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Alias=../../../var/lib/data", "WantedBy=../../../../opt/evil", "RequiredBy=a/b.target", "Also=../x.service", "UpheldBy=..", "DefaultInstance=../x"} {
		t.Run(bad, func(t *testing.T) {
			name := "a.service"
			if strings.HasPrefix(bad, "DefaultInstance") {
				name = "a@.service"
			}
			// The unit comes with the image, so validation never sees
			// it: the stage has to refuse on its own.
			unit := fmt.Sprintf("[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n%s\n", bad)
			unitPath := filepath.Join(root, "usr/lib/systemd/system", name)
			if err := os.MkdirAll(filepath.Dir(unitPath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(unitPath, []byte(unit), 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(unitPath)
			before := testutil.Snapshot(t, root)
			body := fmt.Sprintf(`,"systemd":{"units":[{"name":%q,"enabled":true}]}`, name)
			err := apply(t, root, "3.4.0", body)
			if err == nil || !strings.Contains(err.Error(), "systemd.units.0.enabled") {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if after := testutil.Snapshot(t, root); after != before {
				t.Errorf("root changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// TestUnitFromStorageFilesLinksNothing: a unit file the config writes as a
// plain file is not known when links are planned (before any fetch), so
// enabling it records only the preset; a hostile Alias= in it reaches
// nothing outside the unit directory.
func TestUnitFromStorageFilesLinksNothing(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	data := filepath.Join(root, "var/lib/data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	body := `,"storage":{"files":[{"path":"/etc/systemd/system/a.service","contents":{"source":"data:,%5BInstall%5D%0AAlias%3D..%2F..%2F..%2Fvar%2Flib%2Fdata%0A"}}]},"systemd":{"units":[{"name":"a.service","enabled":true}]}`
	if err := apply(t, root, "3.4.0", body); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(data); err != nil || !fi.IsDir() {
		t.Fatalf("/var/lib/data was replaced: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(data, "keep")); err != nil {
		t.Fatalf("/var/lib/data lost its contents: %v", err)
	}
	want := "enable a.service\n"
	checkNode(t, root, wantNode{path: "etc/systemd/system-preset/20-kindling.preset", mode: 0o644, contents: &want})
}

func TestUnitContinuationAndPresets(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	unit := "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/echo %i\n[Install]\nWantedBy=a.target \\\n  b.target\n"
	body := fmt.Sprintf(`,"systemd":{"units":[{"name":"echo@.service","contents":%q},{"name":"echo@foo.service","enabled":true},{"name":"echo@bar.service","enabled":true},{"name":"missing.service","enabled":true},{"name":"gone.service","enabled":false}]}`, unit)
	if err := apply(t, root, "3.4.0", body); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"a.target.wants/echo@foo.service", "b.target.wants/echo@foo.service", "b.target.wants/echo@bar.service"} {
		checkNode(t, root, wantNode{path: "etc/systemd/system/" + l, mode: os.ModeSymlink | 0o777, target: "/etc/systemd/system/echo@.service"})
	}
	if _, err := os.Lstat(filepath.Join(root, `etc/systemd/system/\.wants`)); !os.IsNotExist(err) {
		t.Errorf("a continuation backslash became a directory: %v", err)
	}
	want := "enable echo@.service foo bar\ndisable gone.service\nenable missing.service\n"
	checkNode(t, root, wantNode{path: "etc/systemd/system-preset/20-kindling.preset", mode: 0o644, contents: &want})
}

func TestErrorsQuoteControlCharacters(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := os.WriteFile(filepath.Join(root, "x\nforged"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := apply(t, root, "3.4.0", `,"storage":{"files":[{"path":"/x\nforged","contents":{"source":"data:,1"}}]}`)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), `\n`) {
		t.Fatalf("err = %q, want the newline quoted", err)
	}
}

// TestDirectoryOnSymlinkToDirectory: like Ignition, a directory entry on
// a symlink to a directory applies to that directory; the link stays.
func TestDirectoryOnSymlinkToDirectory(t *testing.T) {
	t.Parallel()
	root := fcosRoot(t)
	if err := os.MkdirAll(filepath.Join(root, "var/opt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := apply(t, root, "3.4.0", `,"storage":{"directories":[{"path":"/opt","mode":448,"user":{"id":900}}]}`); err != nil {
		t.Fatal(err)
	}
	checkNode(t, root, wantNode{path: "opt", mode: os.ModeSymlink | 0o777, target: "/var/opt"})
	checkNode(t, root, wantNode{path: "var/opt", mode: os.ModeDir | 0o700, uid: 900})
}

// TestParentReplacedByDirectory: a file standing where a parent must go is
// fine when a directory entry of the config replaces it (overwrite).
func TestParentReplacedByDirectory(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := os.WriteFile(filepath.Join(root, "blocker"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	body := `,"storage":{"directories":[{"path":"/blocker","overwrite":true}],"files":[{"path":"/blocker/child","contents":{"source":"data:,c"}}]}`
	if err := apply(t, root, "3.4.0", body); err != nil {
		t.Fatal(err)
	}
	checkNode(t, root, wantNode{path: "blocker", mode: os.ModeDir | 0o755})
	checkNode(t, root, wantNode{path: "blocker/child", mode: 0o644, contents: ptr("c")})
}
