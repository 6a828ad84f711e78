package config

import "testing"

func TestKernelArgumentRules(t *testing.T) {
	versions := []Version{V3_3, V3_4, V3_5, V3_6}
	cases := []struct {
		name, kargs string
		want        finding
	}{
		{"ok", `{"shouldExist":["quiet","console=ttyS0 console=tty0"],"shouldNotExist":["rhgb"]}`, noFindings},
		{"in both", `{"shouldExist":["quiet","x=1"],"shouldNotExist":["rhgb","x=1"]}`, wantErr("kernelArguments.shouldNotExist.1", `duplicate kernel argument "x=1" (also kernelArguments.shouldExist.1)`)},
		{"duplicate wanted", `{"shouldExist":["quiet","quiet"]}`, wantErr("kernelArguments.shouldExist.1", "duplicate kernel argument")},
		{"duplicate unwanted", `{"shouldNotExist":["a","b","a"]}`, wantErr("kernelArguments.shouldNotExist.2", "also kernelArguments.shouldNotExist.0")},
		{"empty", `{"shouldExist":[" "]}`, wantWarn("kernelArguments.shouldExist.0", "empty")},
		{"similar but different", `{"shouldExist":["x=1"],"shouldNotExist":["x=2","x"]}`, noFindings},
	}
	for _, c := range cases {
		for _, v := range versions {
			checkFinding(t, c.name+" "+v.String(), parseRep(t, withIgnition(v, "", `"kernelArguments":`+c.kargs)), c.want)
		}
	}
}

func TestKernelArgumentsValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{Version: "3.3.0"}, KernelArguments: KernelArguments{
		ShouldExist: []string{"a"}, ShouldNotExist: []string{"a"},
	}}
	checkFinding(t, "both", Validate(cfg), wantErr("kernelArguments.shouldNotExist.0", "listed once across"))

	cfg.KernelArguments.ShouldNotExist = []string{"b"}
	checkFinding(t, "fixed", Validate(cfg), noFindings)
}
