package template_test

import (
	"fmt"

	"github.com/kindling-dev/kindling/transpile/template"
)

func ExampleTemplate_Render() {
	t, err := template.Parse("node.yaml", []byte("hostname: {{ .hostname }}\naddresses: {{ json .ips }}\nunit: 'getty@%i ${TERM}'\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := t.Render("node-7", template.Values{"hostname": "node-7", "ips": []any{"10.0.0.7", "fd00::7"}})
	fmt.Print(string(out))
	// A value nobody gave is an error naming file, line, column and node.
	_, err = t.Render("node-8", template.Values{"hostname": "node-8"})
	fmt.Println(err)
	// Output:
	// hostname: node-7
	// addresses: ["10.0.0.7","fd00::7"]
	// unit: 'getty@%i ${TERM}'
	// node.yaml:2:20: node "node-8": at {{.ips}}: no value "ips" (give it with --var, --vars or the nodes file)
}
