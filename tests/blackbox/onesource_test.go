package blackbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestDataURLValidateAgreesWithApply: `provision validate` and
// `provision apply` decode data URLs with one decoder, so a URL validate
// accepts is written as the bytes it decoded, and one it refuses is
// refused by apply too. Once validation read `data:;BASE64,aGk=` as "hi"
// and apply wrote "aGk=". The verdicts are Ignition's: its decoder wants
// "data:" and "base64" in lower case and base64 padded.
func TestDataURLValidateAgreesWithApply(t *testing.T) {
	needRoot(t)
	cases := []struct {
		url   string
		valid bool
		data  string
	}{
		{"data:;BASE64,aGk=", false, ""},
		{"data:;base64,aGk=", true, "hi"},
		{"DATA:,hi", false, ""},
		{"data:text/plain;charset=utf-8;base64,aGk=", true, "hi"},
		{"data:;base64,YWI", false, ""},
		{"data:,a%20b", true, "a b"},
		{"data:,a b", false, ""},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			cfg := writeConfig(t, "3.4.0", fmt.Sprintf(`,"storage":{"files":[{"path":"/etc/x","contents":{"source":%q}}]}`, c.url))
			validate := run(t, "validate", cfg)
			root := newRoot(t)
			applied := run(t, "apply", "--log-to-stdout", "--root", root, "--run-dir", t.TempDir(), cfg)
			if (validate.code == 0) != c.valid || (applied.code == 0) != c.valid {
				t.Fatalf("validate exited %d, apply %d; want both to %s:\n%s\n%s",
					validate.code, applied.code, map[bool]string{true: "accept", false: "refuse"}[c.valid],
					validate.output, applied.output)
			}
			if c.valid {
				checkContents(t, filepath.Join(root, "etc/x"), c.data)
			} else if _, err := os.Lstat(filepath.Join(root, "etc/x")); !os.IsNotExist(err) {
				t.Errorf("a refused config wrote /etc/x: %v", err)
			}
		})
	}
}

// TestUnitContinuationEnablesBothTargets: a `WantedBy=` line continued
// with a backslash names two targets; enabling the unit links it into
// both, as systemctl would, and never into a directory named after the
// backslash.
func TestUnitContinuationEnablesBothTargets(t *testing.T) {
	needRoot(t)
	unit := "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=a.target \\\n  b.target\n"
	cfg := writeConfig(t, "3.4.0", fmt.Sprintf(`,"systemd":{"units":[{"name":"c.service","enabled":true,"contents":%q}]}`, unit))
	if r := run(t, "validate", cfg); r.code != 0 {
		t.Fatalf("validate exited %d:\n%s", r.code, r.output)
	}
	root := newRoot(t)
	apply(t, root, cfg)
	sys := filepath.Join(root, "etc/systemd/system")
	for _, target := range []string{"a.target", "b.target"} {
		if got, err := os.Readlink(filepath.Join(sys, target+".wants/c.service")); err != nil || got != "/etc/systemd/system/c.service" {
			t.Errorf("%s: %q, %v; want a link to the unit", target, got, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(sys, `\.wants`)); !os.IsNotExist(err) {
		t.Errorf(`the backslash became %s/\.wants: %v`, sys, err)
	}
}

// TestResultFileSaysWhetherAUserConfigCame: the fetch stage, as its own
// process, finds no user config on the platform; the files stage, another
// process, then writes userConfigProvided false into the result file.
// With a user config it writes true. Nothing but the binaries writes the
// marker between them.
func TestResultFileSaysWhetherAUserConfigCame(t *testing.T) {
	needRoot(t)
	for _, provided := range []bool{false, true} {
		t.Run(fmt.Sprint(provided), func(t *testing.T) {
			userConfig := filepath.Join(t.TempDir(), "absent.json")
			if provided {
				userConfig = writeConfig(t, "3.4.0", "")
			}
			t.Setenv("KINDLING_CONFIG_FILE", userConfig)
			root := newRoot(t)
			cachePath := filepath.Join(t.TempDir(), "config.json")
			for _, name := range []string{"fetch", "files"} {
				if r := run(t, name, "--log-to-stdout", "--platform", "file", "--root", root, "--config-cache", cachePath); r.code != 0 {
					t.Fatalf("%s exited %d:\n%s", name, r.code, r.output)
				}
			}
			var res struct {
				UserConfigProvided *bool `json:"userConfigProvided"`
			}
			data, err := os.ReadFile(filepath.Join(root, "etc/.kindling-result.json"))
			if err != nil || json.Unmarshal(data, &res) != nil || res.UserConfigProvided == nil {
				t.Fatalf("result file: %v\n%s", err, data)
			}
			if *res.UserConfigProvided != provided {
				t.Errorf("userConfigProvided %v, want %v:\n%s", *res.UserConfigProvided, provided, data)
			}
		})
	}
}
