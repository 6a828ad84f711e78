package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/transpile"
)

// The fleet input left for the VM test renders two valid configs with
// their own hostnames; the VM test itself lives in tests/kola.
func TestKolaFleetInput(t *testing.T) {
	dir := filepath.Join("..", "..", "tests", "kola", "fleet")
	tmpl, err := os.ReadFile(filepath.Join(dir, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "nodes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := ParseNodes("nodes.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New([]Input{{"node.yaml", tmpl}}, Options{Transpile: transpile.Options{Strict: true}})
	if err != nil {
		t.Fatal(err)
	}
	files, err := g.RenderAll(nodes)
	if err != nil || len(files) != 2 {
		t.Fatalf("%v %d", err, len(files))
	}
	for i, f := range files {
		cfg, rep, err := config.Parse(f.Data)
		if err != nil || rep.HasWarnings() {
			t.Fatalf("%s: %v %s", f.Name, err, rep)
		}
		if got := *cfg.Storage.Files[0].Contents.Source; got != "data:,"+nodes[i].Name {
			t.Errorf("%s: hostname %q", f.Name, got)
		}
		if !strings.Contains(*cfg.Systemd.Units[0].Contents, "(%n)") {
			t.Errorf("%s: unit specifier changed", f.Name)
		}
	}
}
