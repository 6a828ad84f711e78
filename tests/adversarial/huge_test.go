package adversarial

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/internal/bigconfig"
)

// Peak memory bounds for the huge inputs below: about ten times the
// input, where issue #12 measured 2 GB and 1.7 GB before.
const (
	validateBoundMiB  = 1024
	transpileBoundMiB = 1024
)

// generate writes a test input to a file through a small buffer. Inputs
// are never held whole in the test process: a child started by os/exec
// shares the parent's memory until it execs (vfork), and the kernel
// counts the parent's high-water mark into the child's Maxrss then; a
// test process that once held 64 MiB three times over would make every
// later child look large.
func generate(t *testing.T, name string, write func(w io.Writer)) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	write(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// nested writes head, n opening brackets, n closing ones and end.
func nested(head string, n int, end string) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, head)
		for i := 0; i < n; i++ {
			io.WriteString(w, "[")
		}
		for i := 0; i < n; i++ {
			io.WriteString(w, "]")
		}
		io.WriteString(w, end)
	}
}

// TestHugeConfigs: validating 64 MiB of JSON (many files, or one data
// URL) and transpiling 25 MiB of YAML stay under the memory bounds,
// whether the tools accept the input or refuse it by its size.
func TestHugeConfigs(t *testing.T) {
	for _, c := range []struct {
		name  string
		bin   string
		args  []string
		input func(io.Writer)
		bound int64
	}{
		{"validate 64 MiB JSON, many files", provision, []string{"validate"}, bigconfig.ManyFilesJSON(64 << 20), validateBoundMiB},
		{"validate 64 MiB JSON, one data URL", provision, []string{"validate"}, bigconfig.OneDataURLJSON(64 << 20), validateBoundMiB},
		{"transpile 25 MiB YAML, many files", transpile, nil, bigconfig.ManyFilesYAML(25 << 20), transpileBoundMiB},
		{"transpile 7 MiB YAML, many files (under the input limit)", transpile, nil, bigconfig.ManyFilesYAML(7 << 20), transpileBoundMiB},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, nil, nil, c.bin, append(c.args, generate(t, "input", c.input))...)
			if r.code != 0 && r.code != 1 {
				t.Errorf("exit status %d:\n%s", r.code, tail(r.output))
			}
			if r.code == 1 && !strings.Contains(r.output, "input") {
				t.Errorf("a refusal that does not name the input:\n%s", tail(r.output))
			}
			r.boundedMem(t, c.bound)
			t.Logf("exit %d, peak RSS %d MiB", r.code, r.rssKiB/1024)
		})
	}
}

// TestHugeDataURLApplied: a file whose contents are a 64 MiB data URL is
// written by `provision apply` within the memory bound.
func TestHugeDataURLApplied(t *testing.T) {
	needRoot(t)
	root := newRoot(t)
	r := run(t, nil, nil, provision, "apply", "--log-to-stdout", "--root", root, "--run-dir", t.TempDir(),
		generate(t, "config.json", bigconfig.OneDataURLJSON(64<<20)))
	if r.code != 0 {
		t.Fatalf("apply exited %d:\n%s", r.code, tail(r.output))
	}
	if fi, err := os.Stat(filepath.Join(root, "etc/big")); err != nil || fi.Size() != 16<<20*2 {
		t.Errorf("/etc/big: %v %v", fi, err)
	}
	r.boundedMem(t, validateBoundMiB)
	t.Logf("peak RSS %d MiB", r.rssKiB/1024)
}

// TestStructureBombs: nesting far past any real config and YAML alias
// expansion (a "billion laughs") are refused or bounded, in little memory.
func TestStructureBombs(t *testing.T) {
	laughs := "variant: fcos\nversion: 1.5.0\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
	for i, prev := range "abcdefgh" {
		name := string(rune('b' + i))
		laughs += fmt.Sprintf("%s: &%s [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	laughs += "systemd:\n  units: *i\n"
	for _, c := range []struct {
		name, bin string
		args      []string
		input     func(io.Writer)
		want      string
	}{
		{"JSON nested two million deep", provision, []string{"validate"},
			nested(`{"ignition":{"version":"3.4.0"},"x":`, 2e6, "}"), "nesting deeper than"},
		{"YAML nested two million deep", transpile, nil,
			nested("variant: fcos\nversion: 1.5.0\nx: ", 2e6, "\n"), "depth"},
		{"YAML billion laughs", transpile, nil, func(w io.Writer) { io.WriteString(w, laughs) }, "systemd.units"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, nil, nil, c.bin, append(c.args, generate(t, "input", c.input))...)
			r.failed(t, 128, c.want, "input:")
		})
	}
}
