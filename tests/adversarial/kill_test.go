package adversarial

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillDuringAWrite SIGKILLs `provision apply` while it writes a 1 GiB
// file into the root, then runs it again: the second run succeeds, the
// file is whole, and no temp file of the killed run is left in the root.
func TestKillDuringAWrite(t *testing.T) {
	needRoot(t)
	srv := newHostileServer(t, nil)
	root := newRoot(t)
	cfg := writeFile(t, "config.json", []byte(fmt.Sprintf(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/var/big","contents":{"source":"%s/zeros"}}]}}`, srv.url)))
	tmp := t.TempDir() // the fetch's own temp files land here

	cmd := exec.Command(provision, "apply", "--log-to-stdout", "--root", root, "--run-dir", t.TempDir(), cfg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=", "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	for deadline := time.Now().Add(runLimit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if tempFiles(t, filepath.Join(root, "var")) != nil {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
		if cmd.ProcessState != nil {
			break
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("never saw the write into the root in progress:\n%s", tail(out.String()))
	}
	if left := tempFiles(t, filepath.Join(root, "var")); left == nil {
		t.Logf("the kill came after the rename")
	}

	r := run(t, nil, []string{"TMPDIR=" + tmp}, provision, "apply", "--log-to-stdout", "--root", root, "--run-dir", t.TempDir(), cfg)
	if r.code != 0 {
		t.Fatalf("the rerun exited %d:\n%s", r.code, tail(r.output))
	}
	r.boundedMem(t, 128)
	if fi, err := os.Stat(filepath.Join(root, "var/big")); err != nil || fi.Size() != zerosSize {
		t.Errorf("/var/big after the rerun: %v %v", fi, err)
	}
	left := tempFiles(t, filepath.Join(root, "var"))
	if left != nil {
		t.Errorf("stale temp files survived the next run: %v", left)
	}
}

// tempFiles lists the temp files of a confined write in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".kindling-") {
			names = append(names, e.Name())
		}
	}
	return names
}
