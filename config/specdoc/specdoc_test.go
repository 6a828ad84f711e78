package specdoc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
)

func TestEveryFieldIsDocumented(t *testing.T) {
	Walk(Fields(config.Newest), func(f *Field) {
		if strings.TrimSpace(f.Desc) == "" {
			t.Errorf("%s has no description (add it to fields.go)", f.Pattern)
		}
	})
}

func TestNoStaleDocEntries(t *testing.T) {
	known := map[string]bool{}
	Walk(Fields(config.Newest), func(f *Field) { known[f.Pattern] = true })
	for pattern := range fields {
		if !known[pattern] {
			t.Errorf("fields.go documents %q, which is not a field of the model", pattern)
		}
	}
}

func TestVersionsDifferAsTheTableSays(t *testing.T) {
	has := func(v config.Version, pattern string) bool {
		found := false
		Walk(Fields(v), func(f *Field) { found = found || f.Pattern == pattern })
		return found
	}
	cases := []struct {
		pattern string
		since   config.Version
	}{
		{"ignition.proxy", config.V3_1},
		{"storage.files.contents.httpHeaders", config.V3_1},
		{"storage.luks", config.V3_2},
		{"storage.luks.name", config.V3_2},
		{"kernelArguments", config.V3_3},
		{"storage.luks.discard", config.V3_4},
		{"storage.luks.cex", config.V3_5},
		{"storage.files.path", config.V3_0},
	}
	for _, c := range cases {
		for _, v := range config.Versions {
			if got, want := has(v, c.pattern), v.AtLeast(c.since); got != want {
				t.Errorf("%s in %s: got %v, want %v", c.pattern, v, got, want)
			}
		}
	}
}

func TestMarkdownMarksRequiredAndSince(t *testing.T) {
	md := Markdown(config.V3_6)
	for _, want := range []string{
		"- **version** (string)",
		"- _kernelArguments_ (object, *since 3.3.0*)",
		"  - _files_ (list of objects)",
		"Default: 0644",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(Markdown(config.V3_0), "kernelArguments") {
		t.Error("3.0.0 page mentions kernelArguments")
	}
}

func TestSchemaIsValidJSONWithVersionConst(t *testing.T) {
	for _, v := range config.Versions {
		out, err := JSONSchema(v)
		if err != nil {
			t.Fatal(err)
		}
		var s map[string]any
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		ign := s["properties"].(map[string]any)["ignition"].(map[string]any)
		ver := ign["properties"].(map[string]any)["version"].(map[string]any)
		if ver["const"] != v.String() {
			t.Errorf("%s: version const %v", v, ver["const"])
		}
		if req, _ := s["required"].([]any); len(req) != 1 || req[0] != "ignition" {
			t.Errorf("%s: root required = %v", v, s["required"])
		}
	}
}

// TestPagesListEachVersionsValues: the per-version values come from the
// spec table, so each page lists what its version accepts.
func TestPagesListEachVersionsValues(t *testing.T) {
	cases := []struct {
		v         config.Version
		want, not []string
	}{
		{config.V3_0, []string{
			"URL schemes: `http`, `https`, `tftp`, `s3`, `data`; not in this version: `gs` (from 3.2.0), `arn` (from 3.4.0).",
			"Hash types: `sha512`; not in this version: `sha256` (from 3.1.0).",
			"Formats: `ext4`, `btrfs`, `xfs`, `vfat`, `swap`; not in this version: `none` (from 3.3.0).",
			"Special bits: none; not in this version: `setuid` (from 3.6.0)",
		}, []string{"`arn` (since"}},
		{config.V3_4, []string{
			"URL schemes: `http`, `https`, `tftp`, `s3`, `gs` (since 3.2.0), `arn` (since 3.4.0), `data`.",
			"Formats: `ext4`, `btrfs`, `xfs`, `vfat`, `swap`, `none` (since 3.3.0).",
			// LUKS key files exist from 3.2.0, so gs is not new to them.
			"URL schemes: `http`, `https`, `tftp`, `s3`, `gs`, `arn` (since 3.4.0), `data`.",
		}, []string{"not in this version: `arn`"}},
		{config.V3_5, []string{"Pins: `tang`, `tpm2`, `sss`; not in this version: any other (from 3.6.0)."}, nil},
		{config.V3_6, []string{
			"Special bits: `setuid` (since 3.6.0), `setgid` (since 3.6.0), `sticky` (since 3.6.0).",
			"Pins: `tang`, `tpm2`, `sss`, or any other (since 3.6.0).",
		}, nil},
	}
	for _, c := range cases {
		md := Markdown(c.v)
		for _, w := range c.want {
			if !strings.Contains(md, w) {
				t.Errorf("%s page lacks %q", c.v, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(md, n) {
				t.Errorf("%s page has %q", c.v, n)
			}
		}
	}
}
