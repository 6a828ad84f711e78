package config_test

import (
	"fmt"

	"github.com/kindling-dev/kindling/config"
)

func apiStr(s string) *string { return &s }
func apiNum(n int) *int       { return &n }
func apiYes() *bool           { b := true; return &b }

// A cluster tool builds a node's config in Go: a base config every node
// shares, and a role config merged on top of it, the way
// ignition.config.merge would combine them at boot. It validates each part
// and the result, then writes the JSON the machine will receive.
func Example_clusterTool() {
	base := config.Config{
		Ignition: config.Ignition{Version: config.Newest.String()},
		Passwd: config.Passwd{Users: []config.PasswdUser{{
			Name:              "core",
			SSHAuthorizedKeys: []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBase admin@example.com"},
		}}},
		Storage: config.Storage{Files: []config.File{{
			Node:     config.Node{Path: "/etc/hostname", Overwrite: apiYes()},
			Contents: config.Resource{Source: apiStr("data:,node")},
			Mode:     apiNum(0o644),
		}}},
	}
	worker := config.Config{
		Ignition: config.Ignition{Version: config.Newest.String()},
		Passwd: config.Passwd{Users: []config.PasswdUser{{
			Name:              "core",
			SSHAuthorizedKeys: []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOps ops@example.com"},
		}}},
		Storage: config.Storage{Files: []config.File{{
			Node:     config.Node{Path: "/etc/hostname"},
			Contents: config.Resource{Source: apiStr("data:,worker-1")},
		}}},
		Systemd: config.Systemd{Units: []config.Unit{{
			Name:     "worker.service",
			Enabled:  apiYes(),
			Contents: apiStr("[Service]\nExecStart=/usr/bin/worker\n\n[Install]\nWantedBy=multi-user.target\n"),
		}}},
	}

	for name, c := range map[string]config.Config{"base": base, "worker": worker} {
		if rep := config.Validate(c); rep.IsFatal() {
			fmt.Printf("%s is invalid:\n%s\n", name, rep)
			return
		}
	}
	node := config.Merge(base, worker)
	if rep := config.Validate(node); rep.IsFatal() {
		fmt.Printf("merged config is invalid:\n%s\n", rep)
		return
	}
	out, err := config.MarshalIndent(node)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "ignition": {
	//     "version": "3.6.0"
	//   },
	//   "passwd": {
	//     "users": [
	//       {
	//         "name": "core",
	//         "sshAuthorizedKeys": [
	//           "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBase admin@example.com",
	//           "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOps ops@example.com"
	//         ]
	//       }
	//     ]
	//   },
	//   "storage": {
	//     "files": [
	//       {
	//         "overwrite": true,
	//         "path": "/etc/hostname",
	//         "contents": {
	//           "source": "data:,worker-1"
	//         },
	//         "mode": 420
	//       }
	//     ]
	//   },
	//   "systemd": {
	//     "units": [
	//       {
	//         "contents": "[Service]\nExecStart=/usr/bin/worker\n\n[Install]\nWantedBy=multi-user.target\n",
	//         "enabled": true,
	//         "name": "worker.service"
	//       }
	//     ]
	//   }
	// }
}

// Parse reads a config of any 3.x version and translates it to the newest;
// Merge then works on the parsed values.
func ExampleMerge() {
	parent, _, err := config.Parse([]byte(`{"ignition":{"version":"3.0.0"},
		"storage":{"files":[{"path":"/etc/motd","contents":{"source":"data:,hello"}}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	child, _, err := config.Parse([]byte(`{"ignition":{"version":"3.6.0"},
		"storage":{"directories":[{"path":"/etc/motd","mode":493}]},
		"kernelArguments":{"shouldNotExist":["quiet"]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := config.Marshal(config.Merge(parent, child))
	fmt.Println(string(out))
	// Output:
	// {"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldNotExist":["quiet"]},"storage":{"directories":[{"path":"/etc/motd","mode":493}]}}
}
