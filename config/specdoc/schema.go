package specdoc

import (
	"encoding/json"
	"fmt"

	"github.com/kindling-dev/kindling/config"
)

// JSONSchema returns a JSON Schema (draft 2020-12) for spec version v, for
// editors and CI pipelines. It describes structure, types, required fields
// and the version constant; the deeper rules (paths, URLs, hashes,
// duplicates) are left to `provision validate`.
func JSONSchema(v config.Version) ([]byte, error) {
	root := object(Fields(v))
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = fmt.Sprintf("urn:kindling:config-schema:%s", v)
	root["title"] = fmt.Sprintf("Kindling/Ignition config, spec %s", v)
	ign := root["properties"].(map[string]any)["ignition"].(map[string]any)
	ign["properties"].(map[string]any)["version"] = map[string]any{
		"const":       v.String(),
		"description": "Spec version; this schema is for " + v.String() + ".",
	}
	return json.MarshalIndent(root, "", "  ")
}

func object(fields []*Field) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fields {
		props[f.Key] = property(f)
		if f.Required {
			required = append(required, f.Key)
		}
	}
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func property(f *Field) map[string]any {
	var p map[string]any
	switch f.Type {
	case "object":
		p = object(f.Children)
	case "list of objects":
		p = map[string]any{"type": []string{"array", "null"}, "items": object(f.Children)}
	case "list of strings":
		p = map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": "string"}}
	default:
		p = map[string]any{"type": []string{f.Type, "null"}}
	}
	if f.Desc != "" {
		p["description"] = f.Desc
	}
	return p
}
