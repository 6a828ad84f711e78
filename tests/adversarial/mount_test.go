package adversarial

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// bindMount mounts host on dir (made if missing) until the test ends.
func bindMount(t *testing.T, host, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "--bind", host, dir).CombinedOutput(); err != nil {
		t.Skipf("bind mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// TestOverwriteAcrossABindMount: a host directory bind-mounted in the
// root is not emptied or replaced by an entry that overwrites it or its
// parent; the refusal names the entry and the host's file survives.
func TestOverwriteAcrossABindMount(t *testing.T) {
	needRoot(t)
	for _, c := range []struct{ name, body, want string }{
		{"directory above the mount", `,"storage":{"directories":[{"path":"/mnt","overwrite":true}]}`, "storage.directories.0"},
		{"file over the mount point", `,"storage":{"files":[{"path":"/mnt/data","overwrite":true,"contents":{"source":"data:,x"}}]}`, "storage.files.0"},
		{"link over the mount point", `,"storage":{"links":[{"path":"/mnt/data","overwrite":true,"target":"/etc"}]}`, "storage.links.0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := newRoot(t)
			host := t.TempDir()
			precious := filepath.Join(host, "precious")
			if err := os.WriteFile(precious, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			bindMount(t, host, filepath.Join(root, "mnt/data"))
			before := testutil.Snapshot(t, root)
			r := applyFiles(t, root, config("3.4.0", c.body))
			r.failed(t, 128, c.want)
			if b, err := os.ReadFile(precious); err != nil || string(b) != "keep" {
				t.Errorf("the host's file: %q %v", b, err)
			}
			if after := testutil.Snapshot(t, root); after != before {
				t.Errorf("the root changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}
