package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateValidConfigWithWarning(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "ok.ign", `{"ignition":{"version":"3.4.0"},"extra":1}`)
	r := runCmd(t, "", "validate", p)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "warning: extra ("+p+":1:") {
		t.Errorf("warning line: %q", r.stderr)
	}
}

// TestValidateInvalidPrintsPositionAndCaret: LEVEL: PATH (FILE:LINE:COL):
// MESSAGE, then the source line and a caret under the column.
func TestValidateInvalidPrintsPositionAndCaret(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "bad.ign", "{\"ignition\":{\"version\":\"3.4.0\"},\n \"storage\":{\"files\":[{\"path\":\"relative\"}]}}\n")
	r := runCmd(t, "", "validate", p)
	if r.code != exitFail {
		t.Fatalf("exit %d", r.code)
	}
	lines := strings.Split(r.stderr, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "error: storage.files.0.path ("+p+":2:") {
		t.Fatalf("report:\n%s", r.stderr)
	}
	if !strings.Contains(lines[1], `"path":"relative"`) {
		t.Errorf("source line missing: %q", lines[1])
	}
	caret := strings.Index(lines[2], "^")
	if caret < 0 || !strings.HasPrefix(strings.TrimLeft(lines[1][caret:], " "), `"relative"`) {
		t.Errorf("caret not under the value:\n%s\n%s", lines[1], lines[2])
	}
}

func TestValidateJSONFormat(t *testing.T) {
	t.Parallel()
	r := runCmd(t, `{"ignition":{"version":"3.9.0"}}`, "validate", "--format", "json", "-")
	if r.code != exitFail {
		t.Fatalf("exit %d", r.code)
	}
	// The shape transpile --format json prints: {"file", "entries"}.
	var doc struct {
		File    string
		Entries []struct {
			Level, Message string
			Path           string
			Line, Column   int
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Entries) == 0 || doc.File != "<stdin>" {
		t.Fatalf("json report %q: %v", r.stdout, err)
	}
	e := doc.Entries[0]
	if e.Level != "error" || e.Path != "ignition.version" || e.Line != 1 || e.Column == 0 || !strings.Contains(e.Message, "3.9.0") {
		t.Errorf("entry: %+v", e)
	}
}

// TestValidateYAML: the YAML dialect is recognised, and its findings point
// at YAML lines.
func TestValidateYAML(t *testing.T) {
	t.Parallel()
	good := writeFile(t, "good.bu", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: hi\n")
	if r := runCmd(t, "", "validate", good); r.code != exitOK {
		t.Fatalf("good YAML: exit %d: %s", r.code, r.stderr)
	}
	bad := writeFile(t, "bad.bu", "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: etc/motd\n")
	r := runCmd(t, "", "validate", bad)
	if r.code != exitFail || !strings.Contains(r.stderr, "bad.bu:5:") {
		t.Fatalf("bad YAML: exit %d: %s", r.code, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"no-such-command"},
		{"validate", "--format", "xml", "-"},
		{"validate", "a", "b"},
		{"schema", "--version", "2.2.0"},
	} {
		if r := runCmd(t, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, r.code, exitUsage)
		}
	}
	if r := runCmd(t, "", "validate", "--help"); r.code != exitOK || !strings.Contains(r.stderr, "Usage: provision validate") {
		t.Errorf("--help: exit %d: %s", r.code, r.stderr)
	}
	if r := runCmd(t, "", "validate", filepath.Join(t.TempDir(), "missing.ign")); r.code != exitFail {
		t.Errorf("missing file: exit %d", r.code)
	}
}

func TestSchemaIsJSONForEachVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"3.0.0", "3.3.0", "3.6.0"} {
		r := runCmd(t, "", "schema", "--version", v)
		var schema map[string]any
		if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &schema) != nil {
			t.Fatalf("%s: exit %d, output %.200q", v, r.code, r.stdout)
		}
		if _, ok := schema["properties"]; !ok {
			t.Errorf("%s: schema without properties", v)
		}
	}
	// kernelArguments arrived in 3.3.0.
	if strings.Contains(runCmd(t, "", "schema", "--version", "3.2.0").stdout, "kernelArguments") {
		t.Error("3.2.0 schema has kernelArguments")
	}
	if !strings.Contains(runCmd(t, "", "schema", "--version", "3.3.0").stdout, "kernelArguments") {
		t.Error("3.3.0 schema lacks kernelArguments")
	}
}

func TestRootUntouched(t *testing.T) {
	t.Parallel()
	cmdline := writeFile(t, "cmdline", "ro root=nfs:server:/export\n")
	noStorage := writeFile(t, "config.json", `{"ignition":{"version":"3.4.0"}}`)
	r := runCmd(t, "", "root-untouched", "--log-to-stdout", "--config-cache", noStorage, "--cmdline", cmdline)
	if r.code != exitOK || !strings.Contains(r.stdout, "no storage") {
		t.Errorf("no storage: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	withDisk := writeFile(t, "config.json", `{"ignition":{"version":"3.4.0"},"storage":{"disks":[{"device":"/dev/vdz"}]}}`)
	r = runCmd(t, "", "root-untouched", "--log-to-stdout", "--config-cache", withDisk, "--cmdline", cmdline)
	if r.code != exitFail || !strings.Contains(r.stdout, "root waits") || !strings.Contains(r.stdout, "root=") {
		t.Errorf("unknown root: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", "root-untouched", "--config-cache", filepath.Join(t.TempDir(), "none.json"), "--cmdline", cmdline)
	if r.code != exitFail || !strings.Contains(r.stderr, "cached config") {
		t.Errorf("missing cache: exit %d, stderr %q", r.code, r.stderr)
	}
}
