package transpile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"syscall"
	"time"
)

// get walks decoded JSON by a dotted path ("storage.files.0.path").
func get(t *testing.T, doc any, path string) any {
	t.Helper()
	cur := doc
	for _, k := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			if i >= len(c) {
				t.Fatalf("%s: index %d out of range", path, i)
			}
			cur = c[i]
		default:
			t.Fatalf("%s: cannot descend into %v", path, cur)
		}
	}
	return cur
}

func translateOK(t *testing.T, src string, opts Options) map[string]any {
	t.Helper()
	out, rep, err := Translate([]byte(src), opts)
	if err != nil {
		t.Fatalf("Translate: %v\n%s", err, rep)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return doc
}

func TestVariantVersions(t *testing.T) {
	cases := []struct{ variant, version, spec string }{
		{"fcos", "1.0.0", "3.0.0"}, {"fcos", "1.1.0", "3.1.0"}, {"fcos", "1.2.0", "3.2.0"},
		{"fcos", "1.3.0", "3.2.0"}, {"fcos", "1.4.0", "3.3.0"}, {"fcos", "1.5.0", "3.4.0"},
		{"fcos", "1.6.0", "3.5.0"}, {"flatcar", "1.0.0", "3.3.0"}, {"flatcar", "1.1.0", "3.4.0"},
		{"fiot", "1.0.0", "3.4.0"}, {"r4e", "1.0.0", "3.3.0"}, {"r4e", "1.1.0", "3.4.0"},
		{"openshift", "4.8.0", "3.2.0"}, {"openshift", "4.13.0", "3.2.0"}, {"openshift", "4.14.0", "3.4.0"},
		{"openshift", "4.18.0", "3.4.0"}, {"openshift", "4.19.0", "3.5.0"}, {"openshift", "4.21.0", "3.5.0"},
	}
	for _, c := range cases {
		t.Run(c.variant+"-"+c.version, func(t *testing.T) {
			src := fmt.Sprintf("variant: %s\nversion: %s\n", c.variant, c.version)
			if c.variant == "openshift" {
				src += "metadata:\n  name: x\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
			}
			doc := translateOK(t, src, Options{Strict: true, Raw: true})
			if got := get(t, doc, "ignition.version"); got != c.spec {
				t.Errorf("spec version = %v, want %s", got, c.spec)
			}
		})
	}
}

func TestOpenshift(t *testing.T) {
	src := `variant: openshift
version: 4.14.0
metadata:
  name: 99-worker-custom
  labels:
    machineconfiguration.openshift.io/role: worker
openshift:
  kernel_arguments: [loglevel=7]
  fips: true
storage:
  files:
    - path: /etc/motd
      contents: {inline: hi}
`
	out, rep, err := Translate([]byte(src), Options{Strict: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	for _, want := range []string{"kind: MachineConfig", "name: 99-worker-custom", "machineconfiguration.openshift.io/role: worker", "- loglevel=7", "fips: true", "version: 3.4.0"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("MachineConfig lacks %q:\n%s", want, out)
		}
	}
	raw := translateOK(t, src, Options{Raw: true})
	if get(t, raw, "storage.files.0.contents.source") != "data:,hi" {
		t.Errorf("raw output wrong: %v", raw)
	}
	bad := strings.Replace(src, "storage:", "passwd:\n  users:\n    - name: alice\n      uid: 1000\nstorage:", 1)
	_, rep, err = Translate([]byte(bad), Options{})
	if err == nil || !strings.Contains(rep.String(), "not supported by openshift 4.14.0") || !strings.Contains(rep.String(), "only manages the user core") {
		t.Errorf("openshift should refuse non-core users, got %v\n%s", err, rep)
	}
}

func TestSugar(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "motd"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "keys"), []byte("ssh-ed25519 AAAA one\n# comment\nssh-ed25519 BBBB two\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/true\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "tree", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "tree", "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	os.Symlink("sub/run.sh", filepath.Join(dir, "tree", "link"))
	big := strings.Repeat("compress me please ", 200)
	cases := []struct {
		name, version, body string
		want                map[string]any
	}{
		{"inline plain", "1.5.0", "storage:\n  files:\n    - path: /a\n      contents:\n        inline: 'a b'\n", map[string]any{"storage.files.0.contents.source": "data:,a%20b"}},
		{"inline gzip", "1.5.0", "storage:\n  files:\n    - path: /a\n      contents:\n        inline: '" + big + "'\n", map[string]any{"storage.files.0.contents.compression": "gzip"}},
		{"inline base64", "1.5.0", "storage:\n  files:\n    - path: /a\n      contents:\n        inline: \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"\n", map[string]any{"storage.files.0.contents.source": "data:;base64,w6nDqcOpw6nDqcOp"}},
		{"local", "1.5.0", "storage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n", map[string]any{"storage.files.0.contents.source": "data:,hello%0A"}},
		{"merge inline", "1.5.0", "ignition:\n  config:\n    merge:\n      - inline: '{\"ignition\":{\"version\":\"3.4.0\"}}'\n", map[string]any{"ignition.config.merge.0.source": "data:;base64,eyJpZ25pdGlvbiI6eyJ2ZXJzaW9uIjoiMy40LjAifX0="}},
		{"unit contents_local", "1.5.0", "systemd:\n  units:\n    - name: a.service\n      contents_local: a.service\n", map[string]any{"systemd.units.0.contents": "[Service]\nExecStart=/bin/true\n"}},
		{"keys local", "1.5.0", "passwd:\n  users:\n    - name: core\n      ssh_authorized_keys_local: [keys]\n", map[string]any{"passwd.users.0.sshAuthorizedKeys.1": "ssh-ed25519 BBBB two"}},
		{"trees", "1.5.0", "storage:\n  trees:\n    - local: tree\n      path: /opt\n", map[string]any{"storage.files.0.path": "/opt/sub/run.sh", "storage.files.0.mode": 493.0, "storage.links.0.target": "sub/run.sh"}},
		{"tree with dir_mode makes directories", "1.7.0", "storage:\n  trees:\n    - local: tree\n      path: /opt\n      dir_mode: 0750\n", map[string]any{"storage.directories.0.path": "/opt", "storage.directories.1.path": "/opt/sub", "storage.directories.1.mode": 488.0}},
		{"mount unit", "1.5.0", "storage:\n  filesystems:\n    - device: /dev/vdb\n      path: /var/lib/data\n      format: xfs\n      with_mount_unit: true\n", map[string]any{"systemd.units.0.name": "var-lib-data.mount", "systemd.units.0.enabled": true}},
		{"swap unit", "1.5.0", "storage:\n  filesystems:\n    - device: /dev/disk/by-label/swap\n      format: swap\n      with_mount_unit: true\n", map[string]any{"systemd.units.0.name": `dev-disk-by\x2dlabel-swap.swap`}},
		{"boot luks", "1.5.0", "boot_device:\n  luks:\n    tpm2: true\n    discard: true\n", map[string]any{"storage.luks.0.clevis.tpm2": true, "storage.luks.0.device": "/dev/disk/by-partlabel/root", "storage.filesystems.0.device": "/dev/mapper/root", "storage.luks.0.discard": true}},
		{"boot mirror", "1.5.0", "boot_device:\n  layout: ppc64le\n  mirror:\n    devices: [/dev/sda, /dev/sdb]\n", map[string]any{"storage.disks.1.partitions.0.label": "prep-2", "storage.raid.1.name": "md-root", "storage.filesystems.1.device": "/dev/md/md-root"}},
		{"boot mirror luks tang", "1.5.0", "boot_device:\n  layout: x86_64\n  mirror:\n    devices: [/dev/sda, /dev/sdb]\n  luks:\n    threshold: 1\n    tang:\n      - url: http://tang.example\n        thumbprint: abc\n", map[string]any{"storage.disks.0.partitions.0.label": "bios-1", "storage.luks.0.device": "/dev/md/md-root", "storage.luks.0.clevis.threshold": 1.0}},
		{"grub", "1.5.0", "grub:\n  users:\n    - name: root\n      password_hash: grub.pbkdf2.sha512.10000.AA\n", map[string]any{"storage.files.0.path": "/boot/grub2/user.cfg", "storage.filesystems.0.path": "/boot"}},
		{"unit merges into the generated mount unit", "1.5.0", "systemd:\n  units:\n    - name: var-lib-data.mount\n      dropins: [{name: a.conf, contents: \"[Unit]\"}]\nstorage:\n  filesystems:\n    - {device: /dev/vdb, path: /var/lib/data, format: xfs, with_mount_unit: true}\n", map[string]any{"systemd.units.0.name": "var-lib-data.mount", "systemd.units.0.enabled": true, "systemd.units.0.dropins.0.name": "a.conf"}},
		{"quadlets", "1.8.0-experimental", "systemd:\n  quadlets:\n    - name: web@.container\n      rootful: true\n      contents: \"[Container]\"\n      dropins: [{name: a.conf, contents: x}]\n    - name: web@8080.container\n      rootful: true\n", map[string]any{"storage.files.0.path": "/etc/containers/systemd/web@.container", "storage.files.0.mode": 420.0, "storage.files.1.path": "/etc/containers/systemd/web@.container.d/a.conf", "storage.links.0.path": "/etc/containers/systemd/web@8080.container", "storage.links.0.target": "web@.container", "ignition.version": "3.7.0-experimental"}},
		{"kernel args", "1.5.0", "kernel_arguments:\n  should_exist: [quiet]\n", map[string]any{"kernelArguments.shouldExist.0": "quiet"}},
		{"mode 420 is 0644, no warning", "1.5.0", "storage:\n  files:\n    - path: /a\n      mode: 420\n", map[string]any{"storage.files.0.mode": 420.0}},
		{"octal mode", "1.5.0", "storage:\n  files:\n    - path: /a\n      mode: 0600\n", map[string]any{"storage.files.0.mode": 384.0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := translateOK(t, "variant: fcos\nversion: "+c.version+"\n"+c.body, Options{FilesDir: dir, Strict: true})
			for path, want := range c.want {
				if got := get(t, doc, path); got != want {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
		})
	}
}

// TestReportPositions checks that problems land on the YAML line:column.
func TestReportPositions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(t.TempDir(), "secret"), []byte("x"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(dir, "out"))
	cases := []struct {
		name, src, message string
		line, col          int
		warning            bool
	}{
		{"unknown variant", "variant: nope\nversion: 1.0.0\n", "unknown variant", 1, 10, false},
		{"unknown version", "variant: fcos\nversion: 9.9.9\n", "has no version", 2, 10, false},
		{"unknown key", "variant: fcos\nversion: 1.5.0\nstorage:\n  filez: []\n", "unknown key", 4, 3, true},
		{"camel key", "variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: a\n      sshAuthorizedKeys: []\n", `did you mean "ssh_authorized_keys"`, 6, 7, true},
		{"wrong type", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: [x]\n", "expected a string", 5, 13, false},
		{"duplicate key", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      path: /b\n", "duplicate key", 6, 7, false},
		{"tab", "variant: fcos\nversion: 1.5.0\nstorage:\n\tfiles: []\n", "tabs", 4, 1, false},
		{"decimal mode", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: 644\n", "leading zero", 6, 13, true},
		{"too new field", "variant: fcos\nversion: 1.0.0\nkernel_arguments:\n  should_exist: [a]\n", "is not in fcos 1.0.0", 3, 1, false},
		{"sugar too new", "variant: fcos\nversion: 1.0.0\nstorage:\n  trees: []\n", "trees is not in", 4, 3, false},
		{"validation after translation", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: relative/path\n", "", 5, 13, false},
		{"local escapes", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        local: ../secret\n", "leaves the files directory", 7, 16, false},
		{"local symlink out", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        local: out\n", "leaves the files directory", 7, 16, false},
		{"local absolute", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        local: /etc/passwd\n", "absolute", 7, 16, false},
		{"inline and source", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        source: http://x/\n        inline: y\n", "cannot be combined", 8, 9, false},
		{"openshift forbids", "variant: openshift\nversion: 4.8.0\nmetadata:\n  name: x\n  labels:\n    machineconfiguration.openshift.io/role: worker\nstorage:\n  links:\n    - path: /a\n      target: /b\n", "not supported by openshift", 8, 3, false},
		{"fiot forbids disks", "variant: fiot\nversion: 1.0.0\nstorage:\n  disks: []\n", "not supported by fiot", 4, 3, false},
		{"mount unit without path", "variant: fcos\nversion: 1.5.0\nstorage:\n  filesystems:\n    - device: /dev/vdb\n      format: xfs\n      with_mount_unit: true\n", "needs both path and format", 7, 7, false},
		{"author's unit after a generated one", "variant: fcos\nversion: 1.5.0\nstorage:\n  filesystems:\n    - {device: /dev/vdb, path: /var/d, format: xfs, with_mount_unit: true}\nsystemd:\n  units:\n    - name: a.service\n      mask: true\n      enabled: true\n", "masked", 10, 16, false},
		{"boot_device tang url", "variant: fcos\nversion: 1.5.0\nboot_device:\n  luks:\n    tang:\n      - url: notaurl\n        thumbprint: x\n", "tang url", 6, 14, false},
		{"empty", "", "empty", 0, 0, false},
		{"two documents", "variant: fcos\nversion: 1.5.0\n---\nvariant: fcos\n", "only one YAML document", 3, 1, false},
		{"no header", "storage: {}\n", "needs variant and version", 1, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rep, err := Translate([]byte(c.src), Options{FilesDir: dir, Strict: true})
			if err == nil {
				t.Fatalf("expected failure, got none")
			}
			found := false
			for _, e := range rep.Entries {
				if strings.Contains(e.Message, c.message) && e.Line == c.line && e.Column == c.col {
					found = true
					if c.warning && e.Level.String() != "warning" {
						t.Errorf("level = %s, want warning", e.Level)
					}
				}
			}
			if !found {
				t.Errorf("no entry %q at %d:%d in:\n%s", c.message, c.line, c.col, rep)
			}
		})
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	doc := translateOK(t, aliasDoc, Options{})
	if get(t, doc, "storage.files.1.mode") != 384.0 || get(t, doc, "storage.files.0.mode") != 420.0 || get(t, doc, "storage.files.1.user.name") != "core" {
		t.Errorf("merge keys not applied: %v", doc)
	}
}

const aliasDoc = `variant: fcos
version: 1.5.0
storage:
  directories:
    - &common
      path: /x
      user: {name: core}
      mode: 0644
  files:
    - <<: *common
      path: /a
    - <<: *common
      path: /b
      mode: 0600
`

// TestAliasBomb: merge keys that expand to 10^8 entries must stop at the
// node budget with an error, quickly and without a panic.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("variant: fcos\nversion: 1.5.0\nx-bomb:\n  a0: &a0 {path: /x}\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d {<<: [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]}\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("storage:\n  files:\n    - <<: *a8\n")
	_, rep, err := Translate([]byte(b.String()), Options{})
	if err == nil || !strings.Contains(rep.String(), "aliases expand the document too much") {
		t.Errorf("alias bomb not refused: %v\n%s", err, rep)
	}
}

func TestMergeInputs(t *testing.T) {
	a := TranslateConfig([]byte("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents: {inline: one}\n"), Options{})
	b := TranslateConfig([]byte("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents: {inline: two}\n"), Options{})
	m := Merge([]Result{a, b})
	if len(m.Config.Storage.Files) != 1 || *m.Config.Storage.Files[0].Contents.Source != "data:,two" {
		t.Errorf("later input should win: %+v", m.Config.Storage.Files)
	}
	if rep := config.Validate(m.Config); rep.IsFatal() {
		t.Errorf("merged config invalid: %s", rep)
	}
}

func TestIsYAMLDialect(t *testing.T) {
	for src, want := range map[string]bool{
		"variant: fcos\nversion: 1.5.0\n":             true,
		`{"ignition":{"version":"3.4.0"}}`:            false,
		"just text":                                   false,
		"variant: [1]\n":                              false,
		"\n# comment\nversion: 1.0.0\nvariant: r4e\n": true,
	} {
		if got := IsYAMLDialect([]byte(src)); got != want {
			t.Errorf("IsYAMLDialect(%q) = %v, want %v", src, got, want)
		}
	}
}

// TestParseAnyYAMLSyntax: a YAML config that does not parse is reported
// with the YAML error at its line, not as invalid JSON.
func TestParseAnyYAMLSyntax(t *testing.T) {
	src := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n     mode: 0644\n"
	_, rep, err := ParseAny([]byte(src), Options{})
	if err == nil || len(rep.Entries) != 1 {
		t.Fatalf("err %v, report %s", err, rep)
	}
	e := rep.Entries[0]
	if !strings.Contains(e.Message, "YAML syntax") || strings.Contains(e.Message, "JSON") || e.Line < 4 {
		t.Errorf("entry %+v, want a YAML syntax error at the list (line 4 or later)", e)
	}
	// JSON and text that is neither stay with the JSON parser.
	if _, rep, _ := ParseAny([]byte("just text"), Options{}); !strings.Contains(rep.String(), "JSON") {
		t.Errorf("plain text: %s", rep)
	}
}

func FuzzTranslate(f *testing.F) {
	f.Add([]byte(aliasDoc))
	f.Add([]byte("variant: fcos\nversion: 1.5.0\nboot_device:\n  mirror:\n    devices: [/dev/a, /dev/b]\n"))
	f.Add([]byte("variant: openshift\nversion: 4.14.0\nmetadata: {name: x}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, rep, err := Translate(src, Options{})
		if err == nil && len(out) == 0 {
			t.Fatalf("success without output")
		}
		if err != nil && !rep.IsFatal() {
			t.Fatalf("failure without an error entry: %v", err)
		}
	})
}

// TestSugarAvailability: sugar is accepted exactly by the variant versions
// that have it.
func TestSugarAvailability(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "u"), []byte("[Service]\nExecStart=/bin/true\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "t"), 0o755)
	snippets := map[string]string{
		"inline":     "storage:\n  files:\n    - path: /a\n      contents: {inline: x}\n",
		"local":      "storage:\n  files:\n    - path: /a\n      contents: {local: f}\n",
		"trees":      "storage:\n  trees:\n    - local: t\n",
		"mount":      "storage:\n  filesystems:\n    - {device: /dev/vdb, format: xfs, path: /srv, with_mount_unit: true}\n",
		"swap":       "storage:\n  filesystems:\n    - {device: /dev/vdc, format: swap, with_mount_unit: true}\n",
		"boot":       "boot_device:\n  luks: {tpm2: true}\n",
		"discard":    "boot_device:\n  luks: {tpm2: true, discard: true}\n",
		"s390x":      "boot_device:\n  layout: s390x-virt\n  luks: {tpm2: true}\n",
		"keys_local": "passwd:\n  users:\n    - {name: core, ssh_authorized_keys_local: [f]}\n",
		"unit_local": "systemd:\n  units:\n    - {name: a.service, contents_local: u}\n",
		"grub":       "grub:\n  users:\n    - {name: root, password_hash: grub.pbkdf2.sha512.1.AA}\n",
	}
	cases := []struct {
		variant, version, snippet string
		ok                        bool
	}{
		{"fcos", "1.0.0", "inline", true}, {"fcos", "1.0.0", "local", false}, {"fcos", "1.1.0", "local", true},
		{"fcos", "1.0.0", "trees", false}, {"fcos", "1.1.0", "trees", true},
		{"fcos", "1.0.0", "mount", false}, {"fcos", "1.1.0", "mount", true},
		{"fcos", "1.3.0", "swap", false}, {"fcos", "1.4.0", "swap", true},
		{"fcos", "1.2.0", "boot", false}, {"fcos", "1.3.0", "boot", true},
		{"fcos", "1.4.0", "discard", false}, {"fcos", "1.5.0", "discard", true},
		{"fcos", "1.5.0", "s390x", false}, {"fcos", "1.6.0", "s390x", true},
		{"fcos", "1.4.0", "keys_local", false}, {"fcos", "1.5.0", "keys_local", true},
		{"fcos", "1.4.0", "unit_local", false}, {"fcos", "1.5.0", "unit_local", true},
		{"fcos", "1.4.0", "grub", false}, {"fcos", "1.5.0", "grub", true},
		{"flatcar", "1.1.0", "boot", false}, {"flatcar", "1.0.0", "trees", true},
		{"r4e", "1.1.0", "grub", false}, {"fiot", "1.0.0", "mount", false},
		{"openshift", "4.13.0", "discard", false}, {"openshift", "4.14.0", "discard", true},
		{"openshift", "4.17.0", "grub", false}, {"openshift", "4.18.0", "grub", true},
	}
	for _, c := range cases {
		t.Run(c.variant+"-"+c.version+"-"+c.snippet, func(t *testing.T) {
			src := fmt.Sprintf("variant: %s\nversion: %s\n", c.variant, c.version)
			if c.variant == "openshift" {
				src += "metadata:\n  name: x\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
			}
			// Butane warns about keys its schema of the version lacks
			// (they are unused there), so strict mode tells.
			_, rep, err := Translate([]byte(src+snippets[c.snippet]), Options{FilesDir: dir, Raw: true, Strict: true})
			if (err == nil) != c.ok {
				t.Errorf("ok = %v, want %v\n%s", err == nil, c.ok, rep)
			}
			if !c.ok && !strings.Contains(rep.String(), "not") {
				t.Errorf("refusal should explain itself:\n%s", rep)
			}
		})
	}
}

// TestLocalFIFO: a FIFO named by local is refused at once instead of
// waiting for a writer forever.
func TestLocalFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	src := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/x\n      contents:\n        local: pipe\n"
	done := make(chan string, 1)
	go func() {
		_, rep, err := Translate([]byte(src), Options{FilesDir: dir})
		done <- fmt.Sprint(err, rep)
	}()
	select {
	case got := <-done:
		if !strings.Contains(got, "not a regular file") || !strings.Contains(got, "(7:16)") {
			t.Errorf("want a positioned not-a-regular-file error, got %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("translation blocked on a FIFO")
	}
}

// TestVersionSpellings: versions are read as numbers, as Butane reads them.
func TestVersionSpellings(t *testing.T) {
	for in, want := range map[string]string{
		"1.6.0": "1.6.0", "1.06.0": "1.6.0", "+1.6.0": "+1.6.0", "1.0.00": "1.0.0", "1.6.0+": "1.6.0",
		"1.8.0-experimental": "1.8.0-experimental", "1.6": "1.6", "1.6.0-": "1.6.0", "x.y.z": "x.y.z",
	} {
		if got := normalVersion(in); got != want {
			t.Errorf("normalVersion(%q) = %q, want %q", in, got, want)
		}
	}
	if _, rep, err := Translate([]byte("variant: fcos\nversion: 1.05.0\n"), Options{Strict: true}); err != nil {
		t.Errorf("1.05.0 should read as 1.5.0: %v\n%s", err, rep)
	}
}
