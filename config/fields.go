package config

import (
	"reflect"
	"strings"
)

// JSONField is one field of a struct as JSON sees it.
type JSONField struct {
	Name  string // the JSON key
	Index []int  // for reflect.Value.FieldByIndex, through embedded structs
	Field reflect.StructField
	// Owner is the struct that declares the field: an embedded struct's
	// type for the fields it brings (Node's path in File).
	Owner reflect.Type
}

// JSONFields lists the fields of struct type t that have a JSON name, in
// declaration order, with the fields of embedded structs in their place.
// The config decoder, the dialect's decoder and the docs generator read
// the model through it, so they agree on its keys. Callers cache.
func JSONFields(t reflect.Type) []JSONField {
	var out []JSONField
	collectJSONFields(t, nil, &out)
	return out
}

func collectJSONFields(t reflect.Type, prefix []int, out *[]JSONField) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous {
			collectJSONFields(sf.Type, index, out)
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		*out = append(*out, JSONField{Name: name, Index: index, Field: sf, Owner: t})
	}
}
