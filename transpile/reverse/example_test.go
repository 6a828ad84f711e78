package reverse_test

import (
	"fmt"

	"github.com/kindling-dev/kindling/transpile/reverse"
)

func ExampleReverse() {
	res, err := reverse.Reverse([]byte(`{"ignition":{"version":"3.4.0"},
  "storage":{"files":[{"path":"/etc/motd","mode":420,"contents":{"source":"data:,Welcome%0A"}}]},
  "systemd":{"units":[{"name":"app.service","enabled":true}]}}`), reverse.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(res.YAML))
	// Output:
	// variant: fcos
	// version: 1.5.0
	// storage:
	//   files:
	//     - path: /etc/motd
	//       contents:
	//         inline: |
	//           Welcome
	//       mode: 0644
	// systemd:
	//   units:
	//     - name: app.service
	//       enabled: true
}
