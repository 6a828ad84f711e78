package config

import (
	"reflect"
	"testing"
)

// TestJSONFieldsFlattenEmbedded: File's own fields and those of the
// embedded Node come in declaration order, each with the index that
// reaches it and the struct that declares it.
func TestJSONFieldsFlattenEmbedded(t *testing.T) {
	fields := JSONFields(reflect.TypeOf(File{}))
	byName := map[string]JSONField{}
	var names []string
	for _, f := range fields {
		byName[f.Name] = f
		names = append(names, f.Name)
	}
	path, ok := byName["path"]
	if !ok || path.Owner != reflect.TypeOf(Node{}) || len(path.Index) != 2 {
		t.Fatalf("path: %+v (fields %v)", path, names)
	}
	mode := byName["mode"]
	if mode.Owner != reflect.TypeOf(File{}) || len(mode.Index) != 1 {
		t.Errorf("mode: %+v", mode)
	}
	f := File{Node: Node{Path: "/x"}}
	if got := reflect.ValueOf(f).FieldByIndex(path.Index).String(); got != "/x" {
		t.Errorf("path index reaches %q", got)
	}
	if _, ok := byName["Node"]; ok {
		t.Error("the embedded struct itself is listed")
	}
}
