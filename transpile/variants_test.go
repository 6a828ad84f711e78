package transpile

import (
	"fmt"
	"strings"
	"testing"
)

// TestVariantPropertiesAreData: what used to be read out of the variant's
// name is in its table row; this pins each row against its name once, so
// the code never has to look at the name.
func TestVariantPropertiesAreData(t *testing.T) {
	for variant, versions := range variants {
		for version, vv := range versions {
			name := variant + " " + version
			if got, want := vv.machineConfig, variant == "openshift"; got != want {
				t.Errorf("%s: machineConfig = %v, want %v", name, got, want)
			}
			minor := 0
			if variant == "openshift" {
				fmt.Sscanf(version, "4.%d.", &minor)
			}
			if vv.ocpMinor != minor {
				t.Errorf("%s: ocpMinor = %d, want %d", name, vv.ocpMinor, minor)
			}
			if got, want := vv.has(featImageLayout), variant == "fcos" || variant == "openshift"; got != want {
				t.Errorf("%s: %s = %v, want %v", name, featImageLayout, got, want)
			}
			for _, f := range []string{featInlineAnywhere, featCheckEmbedded, featShortestURL} {
				if got, want := vv.has(f), name != "fcos 1.0.0"; got != want {
					t.Errorf("%s: %s = %v, want %v", name, f, got, want)
				}
			}
			if got, want := vv.has(featCorePassword), minor >= 13; got != want {
				t.Errorf("%s: %s = %v, want %v", name, featCorePassword, got, want)
			}
		}
	}
}

// TestCorePasswordByRelease: openshift 4.12.0 refuses the core user's
// password_hash, 4.13.0 (spec 3.2.0, like 4.12.0) and later accept it.
func TestCorePasswordByRelease(t *testing.T) {
	for _, tt := range []struct {
		version string
		ok      bool
	}{{"4.12.0", false}, {"4.13.0", true}, {"4.14.0", true}} {
		src := "variant: openshift\nversion: " + tt.version + "\nmetadata:\n  name: m\n  labels:\n    machineconfiguration.openshift.io/role: worker\n" +
			"passwd:\n  users:\n    - name: core\n      password_hash: $6$x\n"
		res := TranslateConfig([]byte(src), Options{})
		failed := res.Report.IsFatal()
		if failed == tt.ok {
			t.Errorf("openshift %s: password_hash failed = %v, want %v\n%s", tt.version, failed, !tt.ok, res.Report)
		}
		if failed && !strings.Contains(res.Report.String(), "password_hash is not supported by openshift "+tt.version) {
			t.Errorf("openshift %s: message does not name the key and the variant:\n%s", tt.version, res.Report)
		}
	}
}
