package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const nodeTmpl = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n      contents:\n        inline: {{ .name }}\n    - path: /etc/note\n      contents:\n        inline: \"{{ .greeting }} %i ${X}\"\n"

func TestEachWritesEveryNode(t *testing.T) {
	dir := t.TempDir()
	tmpl := write(t, dir, "node.yaml", nodeTmpl)
	nodes := write(t, dir, "nodes.yaml", "node-1: {}\nnode-2: {greeting: hi}\n")
	vars := write(t, dir, "vars.yaml", "greeting: hello\n")
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI("", "--vars", vars, "--each", nodes, "-o", out, tmpl)
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	for node, want := range map[string]string{"node-1": "hello%20%25i%20%24%7BX%7D", "node-2": "hi%20%25i"} {
		b, err := os.ReadFile(filepath.Join(out, node+".ign"))
		if err != nil || !strings.Contains(string(b), `"data:,`+node+`"`) || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v %s", node, err, b)
		}
	}
}

func TestEachFailsWhole(t *testing.T) {
	dir := t.TempDir()
	tmpl := write(t, dir, "node.yaml", nodeTmpl)
	nodes := write(t, dir, "nodes.csv", "name,greeting\ngood,hi\nbad-a,\n")
	out := filepath.Join(dir, "out")
	// bad-a renders (an empty greeting is a value); a missing column is not.
	code, _, stderr := runCLI("", "--each", nodes, "-o", out, write(t, dir, "t2.yaml", nodeTmpl+"{{ .missing }}"))
	if code != 1 || !strings.Contains(stderr, `node "good"`) || !strings.Contains(stderr, `node "bad-a"`) || !strings.Contains(stderr, "t2.yaml:11:4") {
		t.Fatalf("code %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("output directory created: %v", err)
	}
	evil := write(t, dir, "evil.yaml", "- name: ../../etc/x\n")
	if code, _, stderr := runCLI("", "--each", evil, "-o", out, tmpl); code != 1 || !strings.Contains(stderr, "../../etc/x") {
		t.Fatalf("hostile name: %d %s", code, stderr)
	}
	if code, _, _ := runCLI("", "--each", nodes, tmpl); code != 2 {
		t.Fatalf("--each without -o: %d", code)
	}
}

// Templating is opt-in: without values, "{{" is text like any other.
func TestTemplatingIsOptIn(t *testing.T) {
	dir := t.TempDir()
	cfg := write(t, dir, "c.yaml", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/t\n      contents:\n        inline: \"{{ .name }}\"\n")
	code, out, stderr := runCLI("", cfg)
	if code != 0 || !strings.Contains(out, "%7B%7B%20.name%20%7D%7D") {
		t.Fatalf("plain: %d %s %s", code, out, stderr)
	}
	code, out, stderr = runCLI("", "--var", "name=web-1", cfg)
	if code != 0 || !strings.Contains(out, `"data:,web-1"`) {
		t.Fatalf("templated: %d %s %s", code, out, stderr)
	}
	code, _, stderr = runCLI("", "--var", "other=1", cfg)
	if code != 1 || !strings.Contains(stderr, "c.yaml:7:21") || !strings.Contains(stderr, `no value "name"`) {
		t.Fatalf("missing value: %d %s", code, stderr)
	}
}

func TestSharedFlag(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "base.yaml", good)
	tmpl := write(t, dir, "node.yaml", nodeTmpl)
	nodes := write(t, dir, "nodes.yaml", "- {name: a, greeting: x}\n")
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI("", "--each", nodes, "--shared", "http://192.0.2.1/base.ign", "-o", out, base, tmpl)
	if code != 0 {
		t.Fatalf("%d %s", code, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(out, "a.ign"))
	if !strings.Contains(string(b), `"merge":[{"source":"http://192.0.2.1/base.ign","verification":{"hash":"sha512-`) {
		t.Fatalf("node config %s", b)
	}
	if _, err := os.Stat(filepath.Join(out, "base.ign")); err != nil {
		t.Fatal(err)
	}
}

func TestReverseFlag(t *testing.T) {
	dir := t.TempDir()
	js := write(t, dir, "c.ign", `{"ignition":{"version":"3.2.0"},"storage":{"files":[{"path":"/etc/motd","contents":{"source":"data:,hi%0A"}}]}}`)
	code, out, stderr := runCLI("", "--reverse", js)
	if code != 0 || !strings.HasPrefix(out, "variant: fcos\nversion: 1.3.0\n") || !strings.Contains(out, "inline: |\n") {
		t.Fatalf("%d %s %s", code, out, stderr)
	}
	yml := write(t, dir, "c.yaml", out)
	code, back, _ := runCLI("", yml)
	if code != 0 || !strings.Contains(back, `"source":"data:,hi%0A"`) {
		t.Fatalf("back: %s", back)
	}
	if code, _, stderr := runCLI("", "--reverse", write(t, dir, "bad.ign", `{"ignition":{"version":"3.2.0"},"storage":{"files":[{"path":"rel"}]}}`)); code != 1 || !strings.Contains(stderr, "error") {
		t.Fatalf("invalid: %d %s", code, stderr)
	}
	if code, _, _ := runCLI("", "--reverse", "--var", "a=b", js); code != 2 {
		t.Fatal("--reverse with --var accepted")
	}
}

// Later --vars files win over earlier ones, --var over --vars, and a
// node's own values over all of them.
func TestValuePrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := write(t, dir, "c.yaml", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/a\n      contents:\n        inline: \"{{ .a }}-{{ .b }}-{{ .c }}\"\n")
	v1 := write(t, dir, "v1.yaml", "a: v1\nb: v1\nc: v1\n")
	v2 := write(t, dir, "v2.yaml", "b: v2\nc: v2\n")
	code, out, stderr := runCLI("", "--vars", v1, "--vars", v2, "--var", "c=var", cfg)
	if code != 0 || !strings.Contains(out, `"data:,v1-v2-var"`) {
		t.Fatalf("%d %s %s", code, out, stderr)
	}
	nodes := write(t, dir, "n.yaml", "n1: {a: node}\n")
	outDir := filepath.Join(dir, "out")
	if code, _, stderr := runCLI("", "--vars", v1, "--var", "c=var", "--each", nodes, "-o", outDir, cfg); code != 0 {
		t.Fatal(stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(outDir, "n1.ign")); !strings.Contains(string(b), `"data:,node-v1-var"`) {
		t.Fatalf("node values: %s", b)
	}
}
