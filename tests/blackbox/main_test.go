// Package blackbox runs the real provision binary against target roots
// made in temporary directories and checks what lands on disk: files,
// modes, owners, links, account databases, units, boot entries. Run as
// root (owners, useradd --root, loop devices).
package blackbox

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kindling-dev/kindling/internal/testutil"
)

// provision is the binary under test, built once in TestMain.
var provision string

func TestMain(m *testing.M) {
	testutil.RunWithCommands(m, map[string]*string{"github.com/kindling-dev/kindling/cmd/provision": &provision})
}

// allVersions are the stable spec versions; versionsSince those that can
// express a feature.
var (
	allVersions   = testutil.StableVersions()
	versionsSince = testutil.VersionsSince
)

// needRoot skips a test that needs root.
var needRoot = testutil.NeedRoot

// result of one provision run.
type result struct {
	code   int
	output string
}

// run runs provision with args; each run is bounded in time.
func run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(provision, args...)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=")
	return runCmd(t, cmd)
}

// runCmd runs cmd with its stdout and stderr together in the result,
// killing it after 2 minutes: a hang fails the test.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not finish in 2 minutes:\n%s", cmd.Args, out.String())
	}
	return result{code: cmd.ProcessState.ExitCode(), output: out.String()}
}

// writeConfig writes a config of the given version whose other top-level
// keys are body (a JSON fragment starting with a comma, or "").
func writeConfig(t *testing.T, version, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	data := fmt.Sprintf(`{"ignition":{"version":%q}%s}`, version, body)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// apply runs `provision apply --root root config` and fails the test on a
// non-zero exit.
func apply(t *testing.T, root, cfg string) string {
	t.Helper()
	r := run(t, "apply", "--log-to-stdout", "--root", root, cfg)
	if r.code != 0 {
		t.Fatalf("provision apply exited %d:\n%s", r.code, r.output)
	}
	return r.output
}

// newRoot makes a minimal target root with the account databases
// useradd --root needs (testutil.FillRoot: root, a "svc" user (900), a
// "svcgrp" group (901), "sudo"), a skeleton and stock units to enable.
func newRoot(t *testing.T) string {
	t.Helper()
	return testutil.NewRoot(t, map[string]string{
		"etc/skel/.profile": "# skel\n",
		"usr/lib/systemd/system/stock.service": "[Unit]\nDescription=stock\n[Service]\nExecStart=/bin/true\n" +
			"[Install]\nWantedBy=multi-user.target\nRequiredBy=important.target\nAlias=stock-alias.service\n",
		"usr/lib/systemd/system/getty@.service": "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n",
	})
}

// dataURL encodes s as a percent-encoded data: URL.
func dataURL(s string) string { return "data:," + url.PathEscape(s) }

func sha512Of(s string) string {
	sum := sha512.Sum512([]byte(s))
	return "sha512-" + hex.EncodeToString(sum[:])
}

// node checks one path's type/permission bits and owner.
func checkNode(t *testing.T, path string, mode fs.FileMode, uid, gid int) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Error(err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode() != mode || int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s: %v %d:%d, want %v %d:%d", path, fi.Mode(), st.Uid, st.Gid, mode, uid, gid)
	}
}

func checkContents(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if string(got) != want {
		t.Errorf("%s: %q, want %q", path, got, want)
	}
}

// line returns the line of a colon-separated database starting with name:.
func line(t *testing.T, path, name string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, name+":") {
			return l
		}
	}
	return ""
}
