package kola

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestVMFleet boots a fleet made the way a cluster tool makes one: the
// template tests/kola/fleet/node.yaml and the node values of
// tests/kola/fleet/nodes.yaml go through one `transpile --each` call, and
// each node's config boots its own VM, whose check (fleet/check.sh) must
// find that node's hostname, values and templated unit. Selected by
// -kola.run like the test directories, as "fleet".
func TestVMFleet(t *testing.T) {
	filter, err := regexp.Compile(*runFilter)
	if err != nil {
		t.Fatalf("-kola.run: %v", err)
	}
	if !filter.MatchString("fleet") {
		t.Skip("not selected by -kola.run")
	}
	needVMs(t)
	bin := filepath.Join(t.TempDir(), "transpile")
	if out, err := exec.Command("go", "build", "-tags", BuildTags, "-o", bin, "../../cmd/transpile").CombinedOutput(); err != nil {
		t.Fatalf("building transpile: %v\n%s", err, out)
	}
	rendered := filepath.Join(t.TempDir(), "out")
	if out, err := exec.Command(bin, "--each", "fleet/nodes.yaml", "-o", rendered, "fleet/node.yaml").CombinedOutput(); err != nil {
		t.Fatalf("transpile --each: %v\n%s", err, out)
	}
	check, err := os.ReadFile("fleet/check.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"fleet-a", "fleet-b"} {
		t.Run(node, func(t *testing.T) {
			config, err := os.ReadFile(filepath.Join(rendered, node+".ign"))
			if err != nil {
				t.Fatalf("transpile --each made no config for %s: %v", node, err)
			}
			dir := t.TempDir()
			files := map[string][]byte{
				"config.json": config,
				// check.sh takes the node's name as its argument.
				"check.sh": append([]byte("set -- "+node+"\n"), check...),
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			runVMTest(t, dir)
		})
	}
}
