package kola

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	id1 = "11111111-1111-4111-8111-111111111111"
	id2 = "22222222-2222-4222-8222-222222222222"
)

// TestCheckProvisionedOnce: the guard passes a machine provisioned on its
// first boot only, and names each way a later boot can show that it
// provisioned again.
func TestCheckProvisionedOnce(t *testing.T) {
	first := Boot{FirstBoot: true, BootID: id1, Provisioned: "yes", ResultBootID: id1}
	later := Boot{BootID: id2, Provisioned: "no", ResultBootID: id1}
	tests := []struct {
		name  string
		boots []Boot
		want  string // "" passes
	}{
		{"once", []Boot{first, later}, ""},
		{"one boot", []Boot{first}, ""},
		{"failed first boot", []Boot{{FirstBoot: true}}, ""},
		// kargs: the first boot reboots before the real root; the second,
		// still a first boot, provisions.
		{"reboot then provision", []Boot{{FirstBoot: true}, {FirstBoot: true, BootID: id2, Provisioned: "yes", ResultBootID: id2}}, ""},
		{"journal shows files stage", []Boot{first, {BootID: id2, Provisioned: "yes", ResultBootID: id1}}, "boot 2 provisioned again: its journal"},
		{"result names the later boot", []Boot{first, {BootID: id2, Provisioned: "no", ResultBootID: id2}}, "boot 2 provisioned again: /etc/.kindling-result.json"},
		{"result rewritten", []Boot{first, {Provisioned: "no", ResultBootID: "33333333-3333-4333-8333-333333333333"}}, "boot 2 rewrote"},
		{"result removed", []Boot{first, {BootID: id2, Provisioned: "no"}}, "boot 2 rewrote"},
		{"blind journal", []Boot{{FirstBoot: true, BootID: id1, Provisioned: "no", ResultBootID: id1}}, "no kindling-files.service"},
		{"no result on first boot", []Boot{{FirstBoot: true, BootID: id1, Provisioned: "yes"}}, "names boot \"\""},
		{"silent kola-check", []Boot{first, {BootID: id2, ResultBootID: id1}}, "no KOLA-PROVISIONED line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckProvisionedOnce(tc.boots)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// TestBootInfo reads a boot's signs from a console as the serial port
// shows it (kernel messages interleaved) and from a real ext4 root image.
func TestBootInfo(t *testing.T) {
	for _, tool := range []string{"mkfs.ext4", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " is not installed")
		}
	}
	tree := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tree, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	result := `{"provisioningDate": "2026-11-29T22:00:00Z", "provisioningBootID": "` + id1 + `", "userConfigProvided": true}`
	if err := os.WriteFile(filepath.Join(tree, "etc/.kindling-result.json"), []byte(result), 0o644); err != nil {
		t.Fatal(err)
	}
	withResult := mkfs(t, tree)
	withoutResult := mkfs(t, t.TempDir())

	console := "[  OK  ] Reached target multi-user.target - Multi-User Sy\n" +
		"KOLA-BOOT-ID: " + id2 + "\n" +
		"[   30.1] random: crng init done\rKOLA-PROVISIONED: no\n" +
		"KOLA-BOOTED\nKOLA-RESULT: PASS\n"
	b, err := bootInfo(console, false, withResult)
	if err != nil {
		t.Fatal(err)
	}
	want := Boot{BootID: id2, Provisioned: "no", ResultBootID: id1}
	if b != want {
		t.Fatalf("got %+v, want %+v", b, want)
	}
	b, err = bootInfo("Entering emergency mode\n", true, withoutResult)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Boot{FirstBoot: true}); b != want {
		t.Fatalf("got %+v, want %+v", b, want)
	}
}

func mkfs(t *testing.T, tree string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "root.img")
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-d", tree, img, "8M").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}
	return img
}

// TestRenderArgs: kernel arguments name the host's server as the guest
// reaches it, and a misspelt template is an error, not an empty string.
func TestRenderArgs(t *testing.T) {
	got, err := renderArgs([]string{"ignition.config.url={{.ServerURL}}/config.ign", "port={{.Port}}", "quiet"}, 8123)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ignition.config.url=http://10.0.2.2:8123/config.ign", "port=8123", "quiet"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := renderArgs([]string{"{{.ServerUrl}}"}, 1); err == nil {
		t.Fatal("{{.ServerUrl}} rendered without an error")
	}
}

// TestSpecDefaults: what a test.json leaves out.
func TestSpecDefaults(t *testing.T) {
	tests := []struct {
		spec     Spec
		platform string
		network  bool
	}{
		{Spec{Delivery: "fw_cfg"}, "qemu", false},
		{Spec{Delivery: "url"}, "metal", true},
		{Spec{Delivery: "none", KernelArgs: []string{"ignition.config.url={{.ServerURL}}/config.ign"}}, "qemu", true},
		{Spec{Delivery: "none", Platform: "metal", Network: true}, "metal", true},
	}
	for _, tc := range tests {
		if p, n := tc.spec.platform(), tc.spec.network(); p != tc.platform || n != tc.network {
			t.Errorf("%+v: platform %q network %v, want %q %v", tc.spec, p, n, tc.platform, tc.network)
		}
	}
}

// TestSpecsParse: every test directory's test.json decodes with known
// fields only, so a misspelt field fails here and not silently in a VM.
func TestSpecsParse(t *testing.T) {
	dirs, err := filepath.Glob("tests/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no test directories: %v", err)
	}
	for _, dir := range dirs {
		spec, err := readSpec(dir)
		if err != nil {
			t.Error(err)
			continue
		}
		if _, err := renderArgs(spec.KernelArgs, 1); err != nil {
			t.Errorf("%s: kernelArgs: %v", dir, err)
		}
	}
}

// TestCheckOutput: a failed check's own words are found in the console.
func TestCheckOutput(t *testing.T) {
	out, ok := checkOutput("boot\nKOLA-BOOTED\ncheck failed: x\nKOLA-RESULT: FAIL (status 1)\nReached target poweroff\n")
	if !ok || out != "check failed: x\n" {
		t.Fatalf("got %q, %v", out, ok)
	}
	if _, ok := checkOutput("Entering emergency mode\n"); ok {
		t.Fatal("found check output in a boot that never ran the checks")
	}
}
