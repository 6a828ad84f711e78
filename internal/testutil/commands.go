package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
)

// BuildCommands builds each command package (an import path such as
// "github.com/kindling-dev/kindling/cmd/provision") into dir and stores
// the binary's path where cmds points. The build inherits the
// environment, GOFLAGS (build tags) included.
func BuildCommands(dir string, cmds map[string]*string) error {
	for pkg, bin := range cmds {
		out := filepath.Join(dir, path.Base(pkg))
		build := exec.Command("go", "build", "-o", out, pkg)
		if msg, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %v\n%s", pkg, err, msg)
		}
		*bin = out
	}
	return nil
}

// RunWithCommands is a TestMain for tests of the binaries: it builds
// cmds (see BuildCommands) into a temporary directory, runs the tests,
// removes the directory and exits with the tests' status. A build that
// fails exits 1 before any test runs.
func RunWithCommands(m *testing.M, cmds map[string]*string) {
	dir, err := os.MkdirTemp("", "kindling-commands-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := BuildCommands(dir, cmds); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}
