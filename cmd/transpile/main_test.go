package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const good = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: one\n"

func TestExitCodesAndOutputs(t *testing.T) {
	dir := t.TempDir()
	goodFile := write(t, dir, "good.yaml", good)
	warnFile := write(t, dir, "warn.yaml", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: 0644\n      modes: 1\n")
	badFile := write(t, dir, "bad.yaml", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: etc/motd\n")
	later := write(t, dir, "later.yaml", strings.Replace(good, "inline: one", "inline: two", 1))

	cases := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout bool
	}{
		{"stdin", good, nil, 0, []string{`"source":"data:,one"`, `"version":"3.4.0"`}, nil, false},
		{"file pretty", "", []string{"-p", goodFile}, 0, []string{"\n  \"ignition\": {"}, nil, false},
		{"warning ok", "", []string{warnFile}, 0, []string{`"mode":420`}, []string{"warning: storage.files.0.modes (" + warnFile + ":7:7)", "      modes: 1\n", "      ^"}, false},
		{"strict fails", "", []string{"--strict", warnFile}, 1, nil, []string{"unknown key"}, true},
		{"invalid", "", []string{badFile}, 1, nil, []string{"error: storage.files.0.path (" + badFile + ":5:13)"}, true},
		{"check", "", []string{"-c", goodFile}, 0, nil, nil, true},
		{"merge later wins", "", []string{goodFile, later}, 0, []string{"data:,two"}, nil, false},
		{"usage", "", []string{"--nope"}, 2, nil, []string{"flag provided but not defined"}, true},
		{"bad format", "", []string{"--format", "xml", goodFile}, 2, nil, []string{"--format"}, true},
		{"version", "", []string{"--version"}, 0, []string{"transpile"}, nil, false},
		{"missing file", "", []string{filepath.Join(dir, "absent.yaml")}, 1, nil, []string{"absent.yaml"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(c.stdin, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, errOut)
			}
			for _, w := range c.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if c.noStdout && out != "" {
				t.Errorf("unexpected stdout:\n%s", out)
			}
		})
	}
}

func TestOutputFileAndJSONDiagnostics(t *testing.T) {
	dir := t.TempDir()
	in := write(t, dir, "in.yaml", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: 0644\n      modes: 1\n")
	outFile := filepath.Join(dir, "out.ign")
	code, out, errOut := runCLI("", "-o", outFile, "--format", "json", in)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	data, err := os.ReadFile(outFile)
	if err != nil || !json.Valid(data) {
		t.Fatalf("output file: %v %q", err, data)
	}
	var diag struct {
		File    string
		Entries []struct {
			Level        string
			Line, Column int
			Message      string
		}
	}
	if err := json.Unmarshal([]byte(errOut), &diag); err != nil {
		t.Fatalf("diagnostics are not JSON: %v\n%s", err, errOut)
	}
	if diag.File != in || len(diag.Entries) != 1 || diag.Entries[0].Level != "warning" || diag.Entries[0].Line != 7 || diag.Entries[0].Column != 7 {
		t.Errorf("unexpected diagnostics %+v", diag)
	}
	// No findings still print one object, with an empty list.
	clean := write(t, dir, "clean.yaml", "variant: fcos\nversion: 1.5.0\n")
	code, out, errOut = runCLI("", "--format", "json", clean)
	if code != 0 || strings.TrimSpace(errOut) != `{"file":"`+clean+`","entries":[]}` {
		t.Errorf("exit %d, diagnostics %q (stdout %q)", code, errOut, out)
	}
}

func TestOpenshiftRaw(t *testing.T) {
	src := "variant: openshift\nversion: 4.14.0\nmetadata:\n  name: 99-x\n  labels:\n    machineconfiguration.openshift.io/role: worker\n"
	code, out, errOut := runCLI(src)
	if code != 0 || !strings.Contains(out, "kind: MachineConfig") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(src, "-r")
	if code != 0 || !json.Valid([]byte(out)) || strings.Contains(out, "MachineConfig") {
		t.Errorf("raw output should be bare JSON: %s", out)
	}
}

func TestLocalFilesDir(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "motd", "hi\n")
	src := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        local: motd\n"
	code, out, errOut := runCLI(src, "-d", dir)
	if code != 0 || !strings.Contains(out, "data:,hi%0A") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(src)
	if code != 1 || !strings.Contains(errOut, "--files-dir") {
		t.Errorf("local without --files-dir should fail: %d %s", code, errOut)
	}
}
