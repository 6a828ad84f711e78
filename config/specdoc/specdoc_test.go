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
