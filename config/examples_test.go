package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example configs of the public Ignition docs (examples, operator notes,
// config migration notes) and configs in the style tools generate (an FCOS
// style user config, an OpenShift style pointer config), one file each under
// testdata/spec-examples/<version>/. An example written for one version is
// also kept under every later version, since 3.x versions only add fields.

const specExamplesDir = "testdata/spec-examples"

func TestSpecExamplesParse(t *testing.T) {
	for _, v := range Versions {
		dir := filepath.Join(specExamplesDir, v.String())
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		// Every version has the examples of 3.0.0 at least.
		if len(files) < 10 {
			t.Fatalf("%s: only %d examples, the directory is incomplete", dir, len(files))
		}
		for _, file := range files {
			t.Run(v.String()+"/"+strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
				checkSpecExample(t, v, file)
			})
		}
	}
}

func checkSpecExample(t *testing.T, v Version, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, rep, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v\n%s", file, err, rep)
	}
	for _, e := range rep.Entries {
		t.Logf("warning: %s", e)
		if strings.Contains(e.Message, "unused key") {
			t.Errorf("%s: an example must use only real fields of %s: %s", file, v, e)
		}
	}
	want := Newest
	if Newest.Less(v) {
		want = v // the experimental version keeps its name
	}
	if cfg.Ignition.Version != want.String() {
		t.Errorf("%s: parsed version %q, want %s", file, cfg.Ignition.Version, want)
	}
	// The model must keep everything the example says: writing the parsed
	// config out and parsing that again gives the same config.
	out, err := Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, rep2, err := Parse(out)
	if err != nil {
		t.Fatalf("%s: re-parsing the marshalled config: %v\n%s", file, err, rep2)
	}
	if a, b := canonicalJSON(t, cfg), canonicalJSON(t, again); a != b {
		t.Errorf("%s: round trip changed the config\nfirst  %s\nsecond %s", file, a, b)
	}
}

// TestSpecExamplesVersionGates checks that the examples of new fields really
// exercise the version table: declared as the version before the one that
// introduced the field, each must get the finding named here. (Examples
// gated by a value rather than a field, such as sha256 hashes, gs:// and
// arn: URLs or format "none", are checked by the validator's own tests.)
func TestSpecExamplesVersionGates(t *testing.T) {
	cases := []struct {
		example string
		older   Version
		finding string
	}{
		{"migrate-3.1-compression", V3_0, `unused key "compression"`},
		{"migrate-3.1-mount-options", V3_0, `unused key "mountOptions"`},
		{"migrate-3.1-http-headers", V3_0, `unused key "httpHeaders"`},
		{"migrate-3.1-proxy", V3_0, `unused key "proxy"`},
		{"wild-openshift-pointer", V3_0, `unused key "httpHeaders"`},
		{"migrate-3.2-partition-resize", V3_1, `unused key "resize"`},
		{"migrate-3.2-luks", V3_1, `unused key "luks"`},
		{"luks-volume", V3_1, `unused key "luks"`},
		{"migrate-3.2-user-group-deletion", V3_1, `unused key "shouldExist"`},
		{"kernel-arguments", V3_2, `unused key "kernelArguments"`},
		{"migrate-3.3-kernel-arguments", V3_2, `unused key "kernelArguments"`},
		{"migrate-3.4-offline-tang", V3_3, `unused key "advertisement"`},
		{"migrate-3.4-luks-discard", V3_3, `unused key "discard"`},
		{"migrate-3.4-luks-open-options", V3_3, `unused key "openOptions"`},
		{"migrate-3.5-luks-cex", V3_4, `unused key "cex"`},
		{"migrate-3.6-special-mode-bits", V3_5, "setuid/setgid/sticky"},
	}
	for _, tc := range cases {
		t.Run(tc.example, func(t *testing.T) {
			name := tc.example + ".json"
			if _, err := os.Stat(filepath.Join(specExamplesDir, tc.older.String(), name)); err == nil {
				t.Fatalf("%s is stored under %s, older than the field it shows", name, tc.older)
			}
			data, err := os.ReadFile(filepath.Join(specExamplesDir, Newest.String(), name))
			if err != nil {
				t.Fatal(err)
			}
			old := strings.Replace(string(data), `"version": "`+Newest.String()+`"`, `"version": "`+tc.older.String()+`"`, 1)
			_, rep, _ := Parse([]byte(old))
			if !strings.Contains(rep.String(), tc.finding) {
				t.Errorf("declared as %s: want a finding containing %q, got\n%s", tc.older, tc.finding, rep)
			}
		})
	}
}
