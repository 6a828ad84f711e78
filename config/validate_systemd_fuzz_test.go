package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/unit"
)

// FuzzUnitContents feeds arbitrary unit files through validation. Whatever
// the text, validation must not panic, and a unit it accepts must not name
// anything in [Install] that would make enabling it write outside the unit
// directory, however the parser the files stage uses (go-systemd's) reads
// the section.
func FuzzUnitContents(f *testing.F) {
	for _, seed := range []string{
		"[Install]\nWantedBy=multi-user.target\n",
		"[Install]\nWantedBy=a.target \\\n  b.target\n",
		"[Install]\nAlias=../../../etc/passwd\n",
		"[Install]\n# comment \\\nAlias=x/y.service\n",
		"[Service]\nExecStart=/bin/true\n[Install]\nAlso=b.service\nDefaultInstance=x\n",
		"[Install]\nWantedBy=\"a b\".target\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, contents string) {
		cfg, err := json.Marshal(map[string]any{
			"ignition": map[string]string{"version": "3.6.0"},
			"systemd": map[string]any{"units": []map[string]any{
				{"name": "a@.service", "enabled": true, "contents": contents},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, rep, _ := Parse(cfg)
		if rep.IsFatal() {
			return
		}
		opts, err := unit.DeserializeOptions(strings.NewReader(contents))
		if err != nil {
			t.Fatalf("validation accepted contents go-systemd cannot read: %v\n%q", err, contents)
		}
		for _, o := range opts {
			if o.Section != "Install" || !installUnitKeys[o.Name] && o.Name != "DefaultInstance" {
				continue
			}
			for _, name := range strings.Fields(strings.ReplaceAll(o.Value, "\\\n", " ")) {
				if strings.Contains(name, "/") || name == ".." {
					t.Fatalf("validation accepted %s=%q\n%q", o.Name, name, contents)
				}
			}
		}
	})
}
