package fleet

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/transpile"
	"github.com/kindling-dev/kindling/transpile/template"
)

const nodeTemplate = `variant: fcos
version: 1.5.0
passwd:
  users:
    - name: core
      ssh_authorized_keys: {{ json .keys }}
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: {{ json .name }}
    - path: /etc/unit-note
      contents:
        inline: "%i and ${HOME} are left alone"
`

func TestParseNodes(t *testing.T) {
	list := "- name: a\n  ip: 10.0.0.1\n  port: 22\n- {name: b, ip: 10.0.0.2}\n"
	mapping := "a: {ip: 10.0.0.1, port: 22}\nb: {ip: 10.0.0.2}\n"
	csv := "name,ip,port\na,10.0.0.1,22\nb,10.0.0.2,\n"
	for file, src := range map[string]string{"n.yaml": list, "m.yaml": mapping, "n.csv": csv} {
		nodes, err := ParseNodes(file, []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(nodes) != 2 || nodes[0].Name != "a" || nodes[1].Name != "b" {
			t.Fatalf("%s: got %+v", file, nodes)
		}
		if nodes[0].Values["ip"] != "10.0.0.1" || nodes[0].Values["port"] != "22" || nodes[1].Values["name"] != "b" {
			t.Fatalf("%s: values %+v", file, nodes[0].Values)
		}
	}
}

func TestHostileNodeNames(t *testing.T) {
	for _, name := range []string{"", "..", ".hidden", "a/b", `a\b`, "../../etc/passwd", "a\x00b", "a\nb", strings.Repeat("x", 201)} {
		if err := CheckName(name); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	src := "- name: ok\n- name: ../evil\n- name: ok\n- ip: 1\n"
	_, err := ParseNodes("n.yaml", []byte(src))
	if err == nil {
		t.Fatal("hostile nodes accepted")
	}
	// The node without a name is reported with its position.
	if !strings.Contains(err.Error(), "n.yaml:4:3: node has no name") {
		t.Fatalf("error %v", err)
	}
	_, err = ParseNodes("n.yaml", []byte(src[:len(src)-len("- ip: 1\n")]))
	if err == nil || !strings.Contains(err.Error(), `"../evil"`) || !strings.Contains(err.Error(), "appears twice") {
		t.Fatalf("not every bad name listed: %v", err)
	}
	if _, err := ParseNodes("n.csv", []byte("host,ip\na,1\n")); err == nil || !strings.Contains(err.Error(), "no name column") {
		t.Fatalf("csv without name column: %v", err)
	}
}

func parse(t *testing.T, data []byte) config.Config {
	t.Helper()
	cfg, rep, err := config.Parse(data)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, rep)
	}
	return cfg
}

func TestRenderAllAndWrite(t *testing.T) {
	g, err := New([]Input{{"node.yaml", []byte(nodeTemplate)}}, Options{Values: template.Values{"keys": []any{"ssh-ed25519 AAAA common"}}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := ParseNodes("n.yaml", []byte("- name: node-1\n- name: node-2\n  keys: [ssh-ed25519 BBBB own]\n"))
	files, err := g.RenderAll(nodes)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteDir(dir, files); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ node, key string }{{"node-1", "common"}, {"node-2", "own"}} {
		data, err := os.ReadFile(filepath.Join(dir, tc.node+".ign"))
		if err != nil {
			t.Fatal(err)
		}
		cfg := parse(t, data)
		if got := *cfg.Storage.Files[0].Contents.Source; got != "data:,"+tc.node {
			t.Errorf("%s: hostname source %q", tc.node, got)
		}
		if k := string(cfg.Passwd.Users[0].SSHAuthorizedKeys[0]); !strings.HasSuffix(k, tc.key) {
			t.Errorf("%s: key %q", tc.node, k)
		}
		if got := *cfg.Storage.Files[1].Contents.Source; got != "data:,%25i%20and%20%24%7BHOME%7D%20are%20left%20alone" {
			t.Errorf("%s: contents with %%i changed: %s", tc.node, data)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("leftovers in out dir: %v", entries)
	}
}

func TestBrokenNodesListedNothingWritten(t *testing.T) {
	tpl := nodeTemplate + "systemd:\n  units:\n    - name: {{ .unit }}\n"
	g, err := New([]Input{{"node.yaml", []byte(tpl)}}, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := ParseNodes("n.yaml", []byte(`
- {name: good, keys: [k], unit: a.service}
- {name: nounit, keys: [k]}
- {name: badunit, keys: [k], unit: "no-suffix"}
- {name: good2, keys: [k], unit: b.service}
`))
	dir := t.TempDir()
	files, err := g.RenderAll(nodes)
	var fe *FleetError
	if !errors.As(err, &fe) {
		t.Fatalf("want FleetError, got %v", err)
	}
	if files != nil || len(fe.Nodes) != 2 || fe.Nodes[0].Node != "nounit" || fe.Nodes[1].Node != "badunit" {
		t.Fatalf("failed nodes %+v", fe.Nodes)
	}
	msg := err.Error()
	for _, want := range []string{`node.yaml:18:16: node "nounit": at {{.unit}}: no value "unit"`, `node.yaml:18:13, node "badunit"): unit name "no-suffix"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatal("something was written")
	}
}

func TestSharedBase(t *testing.T) {
	base := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: {{ .motd }}\n"
	per := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n      contents:\n        inline: {{ .name }}\n"
	g, err := New([]Input{{"base.yaml", []byte(base)}, {"node.yaml", []byte(per)}},
		Options{Values: template.Values{"motd": "hello"}, SharedURL: "http://10.0.0.1/fleet/base.ign"})
	if err != nil {
		t.Fatal(err)
	}
	nodes := []Node{{Name: "n1", Values: template.Values{"name": "n1"}}}
	files, err := g.RenderAll(nodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Name != "base.ign" || files[1].Name != "n1.ign" {
		t.Fatalf("files %v", files)
	}
	shared := parse(t, files[0].Data)
	if *shared.Storage.Files[0].Contents.Source != "data:,hello" {
		t.Fatalf("shared base %s", files[0].Data)
	}
	node := parse(t, files[1].Data)
	sum := sha512.Sum512(files[0].Data)
	m := node.Ignition.Config.Merge
	if len(m) != 1 || *m[0].Source != "http://10.0.0.1/fleet/base.ign" || *m[0].Verification.Hash != "sha512-"+hex.EncodeToString(sum[:]) {
		b, _ := json.Marshal(m)
		t.Fatalf("merge %s", b)
	}
	if len(node.Storage.Files) != 1 || node.Storage.Files[0].Path != "/etc/hostname" {
		t.Fatalf("node config carries the base: %s", files[1].Data)
	}
	if _, err := New([]Input{{"b", []byte(base)}, {"n", []byte(per)}}, Options{SharedURL: "http://x/base.ign"}); err == nil || !strings.Contains(err.Error(), "shared base") {
		t.Fatalf("missing shared value: %v", err)
	}
	if _, err := New([]Input{{"b", []byte(base)}, {"n", []byte(per)}}, Options{Values: template.Values{"motd": "x"}, SharedURL: "http://x/"}); err == nil {
		t.Fatal("URL without a file name accepted")
	}
}

func TestTemplateLocal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "motd"), []byte("This is {{ .name }}.\n"), 0o644)
	tpl := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n        template: true\n"
	g, err := New([]Input{{"c.yaml", []byte(tpl)}}, Options{Transpile: transpile.Options{FilesDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.Render(Node{Name: "n9", Values: template.Values{"name": "n9"}})
	if err != nil {
		t.Fatal(err)
	}
	if src := *parse(t, out).Storage.Files[0].Contents.Source; src != "data:,This%20is%20n9.%0A" {
		t.Fatalf("source %q", src)
	}
}

// Values are hostile input: written with json they stay one string
// whatever they hold, so no node can add keys to its config.
func TestHostileValuesStayStrings(t *testing.T) {
	tpl := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n      contents:\n        inline: {{ json .name }}\n"
	g, err := New([]Input{{"n.yaml", []byte(tpl)}}, Options{Transpile: transpile.Options{Strict: true}})
	if err != nil {
		t.Fatal(err)
	}
	evil := "x\n    - path: /etc/shadow\n      overwrite: true\n{{ .name }}\"'}"
	out, err := g.Render(Node{Name: "evil", Values: template.Values{"name": evil}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, out)
	if len(cfg.Storage.Files) != 1 || cfg.Storage.Files[0].Path != "/etc/hostname" {
		t.Fatalf("value added entries: %s", out)
	}
}

func TestOpenshiftNodesAreYAML(t *testing.T) {
	tpl := "variant: openshift\nversion: 4.16.0\nmetadata:\n  name: {{ .name }}\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
	g, err := New([]Input{{"mc.yaml", []byte(tpl)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := g.RenderAll([]Node{{Name: "w1", Values: template.Values{"name": "w1"}}})
	if err != nil || files[0].Name != "w1.yaml" || !strings.Contains(string(files[0].Data), "kind: MachineConfig") {
		t.Fatalf("%v %+v", err, files)
	}
}

// An error in a line a range generated points at the range's body in the
// template, shown with the rendered line.
func TestErrorsPointIntoTheTemplate(t *testing.T) {
	tpl := "variant: fcos\nversion: 1.5.0\nsystemd:\n  units:\n{{ range .units }}    - name: {{ . }}\n{{ end }}"
	g, err := New([]Input{{"units.yaml", []byte(tpl)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Render(Node{Name: "n1", Values: template.Values{"units": []any{"a.service", "b.service", "bad"}}})
	if err == nil {
		t.Fatal("bad unit name accepted")
	}
	msg := err.Error()
	for _, want := range []string{`(units.yaml:5, node "n1")`, "template: {{ range .units }}    - name: {{ . }}", "rendered:     - name: bad"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// With template: true the document is re-encoded: positions are given in
// the rendered text, saying so.
func TestErrorsAfterExpansionSayRendered(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "motd"), []byte("hi {{ .name }}\n"), 0o644)
	tpl := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n        template: true\n    - path: relative\n"
	g, _ := New([]Input{{"c.yaml", []byte(tpl)}}, Options{Transpile: transpile.Options{FilesDir: dir}})
	_, err := g.Render(Node{Name: "n", Values: template.Values{"name": "n"}})
	if err == nil || !strings.Contains(err.Error(), `(c.yaml as rendered:`) {
		t.Fatalf("%v", err)
	}
}
