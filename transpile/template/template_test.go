package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tpl, err := Parse("c.yaml", []byte("host: {{ .hostname }}\nkeys: {{ json .keys }}\nunit: '%i ${HOME}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render("n1", Values{"hostname": "node-7", "keys": []any{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "host: node-7\nkeys: [\"a\",\"b\"]\nunit: '%i ${HOME}'\n"
	if string(out) != want {
		t.Fatalf("got %q want %q", out, want)
	}
}

func TestMissingValueIsPositioned(t *testing.T) {
	tpl, err := Parse("cfg.yaml", []byte("a: 1\nb: é{{ .missing }}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render("node-3", Values{})
	if err == nil {
		t.Fatal("missing value rendered")
	}
	got := err.Error()
	for _, want := range []string{"cfg.yaml:2:8:", `node "node-3"`, `"missing"`} {
		if !strings.Contains(got, want) {
			t.Errorf("error %q lacks %q", got, want)
		}
	}
}

func TestParseErrorIsPositioned(t *testing.T) {
	_, err := Parse("cfg.yaml", []byte("a: 1\nb:   {{ .x \n"))
	if err == nil {
		t.Fatal("bad template parsed")
	}
	if !strings.HasPrefix(err.Error(), "cfg.yaml:2:6:") {
		t.Fatalf("error %q not at 2:6", err)
	}
}

func TestAssignmentsAndValues(t *testing.T) {
	v, err := ParseAssignments([]string{"a=x=y", "b="})
	if err != nil || v["a"] != "x=y" || v["b"] != "" {
		t.Fatalf("got %v %v", v, err)
	}
	for _, bad := range []string{"novalue", "1a=x", "a-b=x"} {
		if _, err := ParseAssignments([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	v, err = ParseValues("v.yaml", []byte("port: 8080\nratio: 0.5\non: true\nlist: [1, b]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v["port"] != "8080" || v["ratio"] != "0.5" || v["list"].([]any)[0] != "1" {
		t.Fatalf("values not normalized: %#v", v)
	}
	if _, err := ParseValues("v.yaml", []byte("- a\n")); err == nil || !strings.Contains(err.Error(), "v.yaml") {
		t.Fatalf("list accepted or unnamed: %v", err)
	}
}

func TestOutputLimit(t *testing.T) {
	tpl, _ := Parse("big", []byte(`{{ range .l }}{{ range $.l }}{{ range $.l }}{{ range $.l }}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{ end }}{{ end }}{{ end }}{{ end }}`))
	l := make([]any, 100)
	_, err := tpl.Render("", Values{"l": l})
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("no limit error: %v", err)
	}
}

func TestExpandLocal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "motd.tmpl"), []byte("Welcome to {{ .hostname }}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "raw"), []byte("{{ untouched }}\n"), 0o644)
	src := `variant: fcos
version: 1.5.0
storage:
  files:
    - path: /etc/motd
      contents:
        local: motd.tmpl
        template: true
    - path: /etc/raw
      contents:
        local: raw
        template: false
`
	out, err := ExpandLocal("c.yaml", []byte(src), dir, "n", Values{"hostname": "node-7"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "inline: |\n") || !strings.Contains(s, "Welcome to node-7") || strings.Contains(s, "template") || !strings.Contains(s, "local: raw") {
		t.Fatalf("unexpected expansion:\n%s", s)
	}
	// Without the key the document is untouched, byte for byte.
	plain := "variant: fcos\nversion: 1.5.0\nstorage: {files: [{path: /a, contents: {local: raw}}]}\n"
	if out, _ := ExpandLocal("c.yaml", []byte(plain), dir, "n", nil); string(out) != plain {
		t.Fatal("document without template key changed")
	}
	for name, bad := range map[string]string{
		"escape":  "storage: {files: [{path: /a, contents: {local: ../x, template: true}}]}",
		"nolocal": "storage: {files: [{path: /a, contents: {inline: x, template: true}}]}",
		"missing": "storage: {files: [{path: /a, contents: {local: motd.tmpl, template: true}}]}",
	} {
		_, err := ExpandLocal("c.yaml", []byte(bad), dir, "n", Values{})
		if err == nil || !strings.HasPrefix(err.Error(), "c.yaml:1:") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// An alias bomb in a values file fails at once instead of filling memory.
func TestValuesAliasBomb(t *testing.T) {
	src := "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		src += n + ": &" + n + " [" + strings.Repeat("*"+prev+",", 9) + "*" + prev + "]\n"
		prev = n
	}
	if _, err := ParseValues("v.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), "v.yaml") {
		t.Fatalf("bomb accepted: %v", err)
	}
}

func TestOptional(t *testing.T) {
	tpl, err := Parse("c", []byte(`mtu: {{ optional . "mtu" "1500" }} name: {{ default "none" .name }}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render("", Values{"name": ""})
	if err != nil || string(out) != "mtu: 1500 name: none" {
		t.Fatalf("%q %v", out, err)
	}
	out, _ = tpl.Render("", Values{"name": "x", "mtu": "9000"})
	if string(out) != "mtu: 9000 name: x" {
		t.Fatalf("%q", out)
	}
}
