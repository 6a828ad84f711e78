package reverse

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/transpile"
)

// wildDir is the corpus of published configs beside the repository.
func wildDir(t *testing.T, sub string) string {
	dir := filepath.Join("..", "..", "..", "shared", "wild-configs", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no corpus: %v", err)
	}
	return dir
}

// Every published JSON config comes back from YAML unchanged; Reverse
// checks that itself, so an error here is a failed round trip.
func TestWildConfigsRoundTrip(t *testing.T) {
	dir := wildDir(t, "ign")
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) == 0 {
		t.Fatal("empty corpus")
	}
	folded, literal, reversed, sugar := 0, 0, 0, 0
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Reverse(src, Options{})
		if err != nil {
			if res.Report.IsFatal() {
				continue // not a valid config: nothing to reverse
			}
			t.Errorf("%s: %v", filepath.Base(name), err)
			continue
		}
		folded += res.Folded
		literal += res.Literal
		sugar += res.Sugar
		reversed++
		if !strings.HasPrefix(string(res.YAML), "variant: fcos\nversion: ") {
			t.Errorf("%s: header: %.40q", filepath.Base(name), res.YAML)
		}
	}
	t.Logf("%d of %d configs reversed; %d contents folded, %d kept literal, %d sugar entries (with_mount_unit, boot_device)", reversed, len(names), folded, literal, sugar)
	if folded == 0 || reversed < len(names)*3/4 {
		t.Error("too little of the corpus reversed or folded")
	}
}

func TestFoldInline(t *testing.T) {
	src := `{"ignition":{"version":"3.0.0"},"storage":{"files":[
{"path":"/etc/motd","mode":420,"contents":{"source":"data:,Hello%20world%0A"}},
{"path":"/etc/b64","contents":{"source":"data:text/plain;base64,aGVsbG8K"}},
{"path":"/bin/blob","contents":{"source":"data:;base64,AAEC"}}]},
"systemd":{"units":[{"name":"a.service","contents":"[Service]\nExecStart=/bin/true %i\n"}]}}`
	res, err := Reverse([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	for _, want := range []string{"variant: fcos\nversion: 1.0.0\n", "inline: |\n", "Hello world", "mode: 0644", "source: data:;base64,AAEC", "ExecStart=/bin/true %i"} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	if strings.Contains(y, "ignition:") {
		t.Errorf("empty ignition section written:\n%s", y)
	}
	// The base64 text folds only if it translates back to the same URL;
	// the dialect would write percent encoding, so it stays literal.
	if res.Folded != 1 || res.Literal != 2 {
		t.Errorf("folded %d, literal %d:\n%s", res.Folded, res.Literal, y)
	}
}

func TestVersionsMap(t *testing.T) {
	for spec, want := range map[string]string{"3.1.0": "1.1.0", "3.2.0": "1.3.0", "3.3.0": "1.4.0", "3.4.0": "1.5.0", "3.5.0": "1.6.0", "3.6.0": "1.7.0"} {
		res, err := Reverse([]byte(`{"ignition":{"version":"`+spec+`"}}`), Options{})
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if string(res.YAML) != "variant: fcos\nversion: "+want+"\n" {
			t.Errorf("%s: %q", spec, res.YAML)
		}
	}
	if _, err := Reverse([]byte(`{"ignition":{"version":"3.4.0"}}`), Options{Variant: "nope"}); err == nil {
		t.Error("unknown variant accepted")
	}
	if _, err := Reverse([]byte(`{"ignition":{"version":"2.2.0"}}`), Options{}); err == nil {
		t.Error("spec 2 accepted")
	}
}

func TestFilesDir(t *testing.T) {
	// A config as the dialect writes it: a gzip-compressed text and a
	// binary file, both back as local files, byte for byte.
	in := t.TempDir()
	blob := []byte(strings.Repeat("\x80\xff\x01", 20))
	os.WriteFile(filepath.Join(in, "blob"), blob, 0o644)
	yml := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: " +
		strings.Repeat("hello ", 200) + "\n    - path: /usr/lib/blob\n      contents:\n        local: blob\n"
	src, _, err := transpile.Translate([]byte(yml), transpile.Options{FilesDir: in})
	if err != nil || !strings.Contains(string(src), `"compression":"gzip"`) {
		t.Fatalf("setup: %v %s", err, src)
	}
	dir := t.TempDir()
	res, err := Reverse(src, Options{FilesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "usr/lib/blob")); string(b) != string(blob) {
		t.Errorf("blob %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/motd")); string(b) != strings.TrimSpace(strings.Repeat("hello ", 200)) {
		t.Errorf("motd %q", b)
	}
	if res.Folded != 2 || !strings.Contains(string(res.YAML), "local: usr/lib/blob") || strings.Contains(string(res.YAML), "gzip") {
		t.Errorf("folded %d, YAML:\n%s", res.Folded, res.YAML)
	}
	// Checked once more from the outside: the YAML gives the JSON back.
	out, _, err := transpile.Translate(res.YAML, transpile.Options{FilesDir: dir})
	if err != nil || string(out) != string(src) {
		t.Fatalf("%v\n%s\n%s", err, out, src)
	}
	// A file already there with other bytes is never overwritten.
	os.WriteFile(filepath.Join(dir, "etc/motd"), []byte("mine"), 0o644)
	if _, err := Reverse(src, Options{FilesDir: dir}); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Errorf("overwrote: %v", err)
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"sshAuthorizedKeys": "ssh_authorized_keys", "sizeMiB": "size_mib", "typeGuid": "type_guid", "httpHeaders": "http_headers", "tpm2": "tpm2", "noProxy": "no_proxy"} {
		if got := transpile.SnakeKey(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

// The examples of the Ignition docs (kept per spec version by the config
// package) all reverse, with their version's dialect header.
func TestSpecExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "config", "testdata", "spec-examples", "*", "*.json"))
	if len(files) < 50 {
		t.Fatalf("only %d spec examples", len(files))
	}
	for _, file := range files {
		src, _ := os.ReadFile(file)
		version := filepath.Base(filepath.Dir(file))
		res, err := Reverse(src, Options{})
		if err != nil {
			t.Errorf("%s/%s: %v", version, filepath.Base(file), err)
			continue
		}
		if want := "version: " + variantFor["fcos"][version] + "\n"; !strings.Contains(string(res.YAML), want) {
			t.Errorf("%s/%s: lacks %q", version, filepath.Base(file), want)
		}
	}
}

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// The dialect examples of docs/transpile (fcos variant) go to JSON and
// back to YAML; the YAML translates to the same JSON, and every inline
// text the dialect encoded folds back to inline text.
func TestDocsExamplesBack(t *testing.T) {
	docs := filepath.Join("..", "..", "docs", "transpile")
	text, err := os.ReadFile(filepath.Join(docs, "fcos.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range yamlBlock.FindAllSubmatch(text, -1) {
		src, _, err := transpile.Translate(m[1], transpile.Options{FilesDir: filepath.Join(docs, "files")})
		if err != nil {
			continue // examples of errors
		}
		res, err := Reverse(src, Options{})
		if err != nil {
			t.Errorf("%v\n%s", err, m[1])
			continue
		}
		if res.Literal != 0 && !strings.Contains(string(m[1]), "local:") && !strings.Contains(string(m[1]), "source:") {
			t.Errorf("%d contents kept literal:\n%s", res.Literal, res.YAML)
		}
		n++
	}
	if n < 5 {
		t.Fatalf("only %d examples", n)
	}
}

// Mount and swap units that with_mount_unit generates fold back into the
// sugar; a unit the author changed stays a unit.
func TestFoldMountUnits(t *testing.T) {
	yml := `variant: fcos
version: 1.5.0
storage:
  filesystems:
    - device: /dev/disk/by-partlabel/var
      format: xfs
      path: /var/lib/my-data
      with_mount_unit: true
    - device: /dev/disk/by-partlabel/swap
      format: swap
      with_mount_unit: true
    - device: /dev/disk/by-partlabel/srv
      format: ext4
      path: /srv
systemd:
  units:
    - name: srv.mount
      enabled: true
      contents: |
        [Mount]
        What=/dev/disk/by-partlabel/srv
        Where=/srv
`
	src, _, err := transpile.Translate([]byte(yml), transpile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Reverse(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	if res.Sugar != 2 || strings.Count(y, "with_mount_unit: true") != 2 || !strings.Contains(y, "name: srv.mount") || strings.Contains(y, "var-lib-my\\x2ddata.mount") {
		t.Fatalf("sugar %d:\n%s", res.Sugar, y)
	}
}

func TestFoldAppend(t *testing.T) {
	src := `{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/hosts","append":[{"source":"data:,10.0.0.1%20a%0A"},{"source":"data:,10.0.0.2%20b%0A"}]}]}}`
	res, err := Reverse([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Folded != 2 || strings.Count(string(res.YAML), "inline: |") != 2 {
		t.Fatalf("folded %d:\n%s", res.Folded, res.YAML)
	}
	dir := t.TempDir()
	res, err = Reverse([]byte(src), Options{FilesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/hosts.append-2")); string(b) != "10.0.0.2 b\n" || !strings.Contains(string(res.YAML), "local: etc/hosts.append-1") {
		t.Fatalf("%q\n%s", b, res.YAML)
	}
}

// Every published YAML config that translates comes back from its JSON:
// 600-odd more inputs for the self-check, and most contents fold (the
// dialect wrote them, so they come back as the same bytes).
func TestWildYAMLBack(t *testing.T) {
	dir := wildDir(t, "bu")
	files := filepath.Join(dir, "..", "files")
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	translated, folded, literal := 0, 0, 0
	for _, name := range names {
		src, _ := os.ReadFile(name)
		js, _, err := transpile.Translate(src, transpile.Options{FilesDir: files, Raw: true})
		if err != nil {
			continue
		}
		translated++
		res, err := Reverse(js, Options{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
			continue
		}
		folded += res.Folded
		literal += res.Literal
	}
	t.Logf("%d of %d configs translate, and all of them reverse; %d contents folded, %d kept literal", translated, len(names), folded, literal)
	if translated < len(names)/2 || literal*10 > folded {
		t.Errorf("too few translated or too many kept literal")
	}
}

// boot_device comes back where it generates exactly the entries: LUKS on
// the root, a mirrored boot disk, both; entries the author changed keep
// the sugar away.
func TestFoldBootDevice(t *testing.T) {
	for name, bd := range map[string]string{
		"luks":       "  luks:\n    tpm2: true\n",
		"tang":       "  luks:\n    tang:\n      - url: http://tang.example\n        thumbprint: abc\n    threshold: 1\n    discard: true\n",
		"mirror":     "  mirror:\n    devices: [/dev/sda, /dev/sdb]\n",
		"both":       "  luks:\n    tpm2: true\n  mirror:\n    devices: [/dev/vda, /dev/vdb, /dev/vdc]\n",
		"aarch64":    "  layout: aarch64\n  mirror:\n    devices: [/dev/sda, /dev/sdb]\n",
		"with-other": "  luks:\n    tpm2: true\nstorage:\n  files:\n    - path: /etc/x\n",
	} {
		yml := "variant: fcos\nversion: 1.6.0\nboot_device:\n" + bd
		src, _, err := transpile.Translate([]byte(yml), transpile.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := Reverse(src, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		y := string(res.YAML)
		if !strings.Contains(y, "boot_device:") || strings.Contains(y, "luks-root") || strings.Contains(y, "md-boot") {
			t.Errorf("%s: not folded:\n%s", name, y)
		}
	}
	// The root filesystem made ext4 by the author: no longer what the
	// sugar generates, so the entries stay.
	src := `{"ignition":{"version":"3.5.0"},"storage":{"filesystems":[{"device":"/dev/mapper/root","format":"ext4","label":"root","wipeFilesystem":true}],"luks":[{"clevis":{"tpm2":true},"device":"/dev/disk/by-partlabel/root","label":"luks-root","name":"root","wipeVolume":true}]}}`
	res, err := Reverse([]byte(src), Options{})
	if err != nil || strings.Contains(string(res.YAML), "boot_device") {
		t.Fatalf("%v\n%s", err, res.YAML)
	}
}

func TestSameConfig(t *testing.T) {
	base := `{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,x"}}]}}`
	for _, c := range []struct {
		other string
		same  bool
	}{
		{`{"storage":{"files":[{"contents":{"compression":"","source":"data:,x"},"path":"/a"}]},"ignition":{"version":"3.4.0"}}`, true},
		{`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,x","compression":"gzip"}}]}}`, false},
		{`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/b","contents":{"source":"data:,x"}}]}}`, false},
	} {
		if got, err := SameConfig([]byte(base), []byte(c.other)); err != nil || got != c.same {
			t.Errorf("%s: same = %v, %v; want %v", c.other, got, err, c.same)
		}
	}
	if _, err := SameConfig([]byte(base), []byte("{")); err == nil {
		t.Error("bad JSON compared")
	}
}

// TestIdentityKeyFirst: each entry starts with the key that identifies
// it, as Butane's documents write them; the rest keeps the model's order.
func TestIdentityKeyFirst(t *testing.T) {
	src := `{"ignition":{"version":"3.4.0"},
"passwd":{"users":[{"groups":["wheel"],"name":"core"}]},
"storage":{"files":[{"group":{"name":"g"},"overwrite":true,"path":"/a","contents":{"compression":"gzip","source":"https://e.com/x"}}],
"filesystems":[{"device":"/dev/vdb","format":"xfs","path":"/srv"}],
"luks":[{"device":"/dev/vdc","name":"data","clevis":{"tang":[{"thumbprint":"t","url":"http://t"}]}}]}}`
	res, err := Reverse([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	for _, want := range []string{
		"- name: core\n      groups:",
		"- path: /a\n      group:\n        name: g\n      overwrite: true",
		"source: https://e.com/x\n        compression: gzip",
		"- device: /dev/vdb\n      format: xfs\n      path: /srv",
		"- name: data\n      clevis:",
		"- url: http://t\n            thumbprint: t",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
}
