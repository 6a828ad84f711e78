package fleet_test

import (
	"fmt"
	"log"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/transpile"
	"github.com/kindling-dev/kindling/transpile/fleet"
	"github.com/kindling-dev/kindling/transpile/template"
)

const clusterTemplate = `variant: fcos
version: 1.5.0
passwd:
  users:
    - name: core
      ssh_authorized_keys: {{ json .keys }}
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: {{ json .name }}
`

// A cluster generated from Go: the program of docs/transpile/fleets.md
// (TestDocProgram keeps the two the same).
func Example_cluster() {
	g, err := fleet.New(
		[]fleet.Input{{Name: "node.yaml", Src: []byte(clusterTemplate)}},
		fleet.Options{Values: template.Values{"keys": []any{"ssh-ed25519 AAAAC3Nz admin"}}},
	)
	if err != nil {
		log.Fatal(err)
	}
	var nodes []fleet.Node
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("web-%d", i)
		nodes = append(nodes, fleet.Node{Name: name, Values: template.Values{"name": name}})
	}
	files, err := g.RenderAll(nodes) // every node or an error listing each broken one
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Printf("%s: %d bytes\n", f.Name, len(f.Data))
	}
	// fleet.WriteDir("out", files) would write them all or nothing.

	// Output:
	// web-1.ign: 232 bytes
	// web-2.ign: 232 bytes
	// web-3.ign: 232 bytes
}

// The steps RenderAll takes for each node, one by one: template, parse and
// translate, merge, marshal.
func Example_steps() {
	base := []byte("variant: fcos\nversion: 1.5.0\nsystemd:\n  units:\n    - name: app.service\n      enabled: true\n")
	tpl, err := template.Parse("node.yaml", []byte("variant: fcos\nversion: 1.5.0\nkernel_arguments:\n  should_exist: [{{ json .karg }}]\n"))
	if err != nil {
		log.Fatal(err)
	}
	node, err := tpl.Render("web-1", template.Values{"karg": "console=ttyS0"})
	if err != nil {
		log.Fatal(err)
	}
	var results []transpile.Result
	for _, src := range [][]byte{base, node} {
		res := transpile.TranslateConfig(src, transpile.Options{})
		if res.Report.IsFatal() {
			log.Fatal(res.Report)
		}
		results = append(results, res)
	}
	merged := transpile.Merge(results)
	out, err := config.Marshal(merged.Config)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"ignition":{"version":"3.4.0"},"kernelArguments":{"shouldExist":["console=ttyS0"]},"systemd":{"units":[{"enabled":true,"name":"app.service"}]}}
}

// Nodes from an inventory in CSV; the same works for YAML lists and maps.
func ExampleParseNodes() {
	nodes, err := fleet.ParseNodes("nodes.csv", []byte("name,ip\nweb-1,10.0.0.11\nweb-2,10.0.0.12\n"))
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		fmt.Println(n.Name, n.Values["ip"])
	}
	_, err = fleet.ParseNodes("nodes.csv", []byte("name,ip\n../etc,10.0.0.1\n"))
	fmt.Println(err)
	// Output:
	// web-1 10.0.0.11
	// web-2 10.0.0.12
	// nodes.csv:
	//   node 1: name "../etc" starts with a dot
}
