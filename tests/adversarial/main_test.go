// Package adversarial replays hostile input against the real provision
// and transpile binaries: names and paths that try to reach a file or a
// command line, size and count bombs, misbehaving servers on 127.0.0.1,
// a kill in the middle of a write, a bind mount in the root, absurd disk
// geometry and huge configs. Each test asserts a clear error, an
// unchanged root or disk, and a bound on the child's peak memory (from
// its rusage: bounds, not timings).
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

	"github.com/kindling-dev/kindling/internal/testutil"
)

// The binaries under test, built once in TestMain.
var provision, transpile string

func TestMain(m *testing.M) {
	testutil.RunWithCommands(m, map[string]*string{
		"github.com/kindling-dev/kindling/cmd/provision": &provision,
		"github.com/kindling-dev/kindling/cmd/transpile": &transpile,
	})
}

// result of one run of a binary.
type result struct {
	code   int
	output string // stdout and stderr together
	rssKiB int64  // the child's peak resident set
}

// runLimit is how long any child may run; a hang is a failure.
const runLimit = 2 * time.Minute

// run runs bin with args and stdin, bounded by runLimit.
func run(t *testing.T, stdin []byte, env []string, bin string, args ...string) result {
	t.Helper()
	r, finished := runRaw(runLimit, stdin, env, bin, args...)
	if !finished {
		t.Fatalf("%s %v did not finish in %v:\n%s", filepath.Base(bin), args, runLimit, tail(r.output))
	}
	return r
}

// runRaw runs bin and kills it after limit, saying whether it finished;
// it never fails a test, so it may run off the test's goroutine.
func runRaw(limit time.Duration, stdin []byte, env []string, bin string, args ...string) (result, bool) {
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(append(os.Environ(), "NOTIFY_SOCKET="), env...)
	if err := cmd.Start(); err != nil {
		return result{code: -1, output: err.Error()}, true
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	finished := true
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		finished = false
	}
	return result{
		code:   cmd.ProcessState.ExitCode(),
		output: out.String(),
		rssKiB: cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss,
	}, finished
}

// tail is the end of a long output, for failure messages.
func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// failed asserts that r is a failure (exit 1) whose output says every
// one of want, and that the child stayed under maxMiB of memory.
func (r result) failed(t *testing.T, maxMiB int64, want ...string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit status %d, want 1 (a refused config):\n%s", r.code, tail(r.output))
	}
	for _, w := range want {
		if !strings.Contains(r.output, w) {
			t.Errorf("output does not say %q:\n%s", w, tail(r.output))
		}
	}
	r.boundedMem(t, maxMiB)
}

func (r result) boundedMem(t *testing.T, maxMiB int64) {
	t.Helper()
	if r.rssKiB > maxMiB*1024 {
		t.Errorf("peak RSS %d MiB, bound %d MiB", r.rssKiB/1024, maxMiB)
	}
}

// needRoot skips a test that needs root.
var needRoot = testutil.NeedRoot

// writeFile writes data to a new file in a temp dir and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// config is a config of version v whose other top-level keys are body (a
// JSON fragment starting with a comma, or "").
func config(v, body string) []byte {
	return []byte(fmt.Sprintf(`{"ignition":{"version":%q}%s}`, v, body))
}

// newRoot makes a small target root with the account databases the files
// stage reads.
func newRoot(t *testing.T) string {
	t.Helper()
	return testutil.NewRoot(t, nil)
}

// applyFiles runs `provision apply` (files stage, no disks) of cfg on root.
func applyFiles(t *testing.T, root string, cfg []byte, extra ...string) result {
	t.Helper()
	args := append([]string{"apply", "--log-to-stdout", "--root", root, "--run-dir", t.TempDir()}, extra...)
	return run(t, nil, nil, provision, append(args, writeFile(t, "config.json", cfg))...)
}
