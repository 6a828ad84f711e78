// Package specdoc generates, from the config model itself, the reference
// page and the JSON Schema of each spec version. The Go types give the
// structure and types, config.FieldSince and config.Values give the
// availability of fields and of their values, and the tables in fields.go
// give descriptions and defaults: one source for all of it.
package specdoc

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/kindling-dev/kindling/config"
)

// Field is one documented field of one version.
type Field struct {
	Pattern  string // e.g. "storage.files.path"
	Key      string // JSON key
	Type     string // "string", "integer", "boolean", "object", "list of strings", "list of objects"
	Desc     string
	Default  string
	Required bool
	Since    config.Version
	// ParentSince is the version of the enclosing field; a field is only
	// marked "since" where it is newer than its parent.
	ParentSince config.Version
	Depth       int
	Children    []*Field
	goType      reflect.Type // element type for objects and lists of objects
}

// Fields returns the field tree of spec version v.
func Fields(v config.Version) []*Field {
	return walk(reflect.TypeOf(config.Config{}), "", 0, v)
}

func walk(t reflect.Type, prefix string, depth int, v config.Version) []*Field {
	var out []*Field
	for _, sf := range jsonFields(t) {
		key, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		pattern := key
		if prefix != "" {
			pattern = prefix + "." + key
		}
		since := config.FieldSince(pattern)
		if v.Less(since) {
			continue
		}
		f := &Field{Pattern: pattern, Key: key, Since: since, ParentSince: config.FieldSince(prefix), Depth: depth}
		f.Type, f.goType = describeType(sf.Type)
		doc := lookup(pattern, sf.Owner, key)
		f.Desc, f.Default, f.Required = doc.desc, doc.def, doc.required
		if fv, ok := fieldValues(pattern, sf.Owner, key); ok {
			f.Desc = strings.TrimSpace(f.Desc + " " + valuesText(fv, since, v))
		}
		if f.goType != nil {
			f.Children = walk(f.goType, pattern, depth+1, v)
		}
		out = append(out, f)
	}
	return out
}

// ownedField is a struct field with the struct that declares it, so that
// embedded structs (Node in File) find their type-level docs.
type ownedField struct {
	reflect.StructField
	Owner reflect.Type
}

func jsonFields(t reflect.Type) []ownedField {
	var out []ownedField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			out = append(out, jsonFields(sf.Type)...)
			continue
		}
		if name, _, _ := strings.Cut(sf.Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, ownedField{sf, t})
		}
	}
	return out
}

// lookup finds a field's docs: by pattern, then by declaring type. A pattern
// entry may only mark a shared field required and keep the type's text.
func lookup(pattern string, owner reflect.Type, key string) field {
	byType := typeFields[owner.Name()+"."+key]
	f, ok := fields[pattern]
	if !ok {
		return byType
	}
	if f.desc == "" {
		f.desc = byType.desc
	}
	if f.def == "" {
		f.def = byType.def
	}
	return f
}

// fieldValues finds a field's per-version values, by pattern and then by
// declaring type, as lookup finds its docs.
func fieldValues(pattern string, owner reflect.Type, key string) (config.FieldValues, bool) {
	if fv, ok := config.Values(pattern); ok {
		return fv, ok
	}
	return config.Values(owner.Name() + "." + key)
}

// valuesText says which values version v accepts, marking those newer than
// the field, and which it does not accept yet.
func valuesText(fv config.FieldValues, fieldSince, v config.Version) string {
	var in, later []string
	for _, vs := range fv.Values {
		name := "`" + vs.Value + "`"
		switch {
		case v.Less(vs.Since):
			later = append(later, fmt.Sprintf("%s (from %s)", name, vs.Since))
		case fieldSince.Less(vs.Since):
			in = append(in, fmt.Sprintf("%s (since %s)", name, vs.Since))
		default:
			in = append(in, name)
		}
	}
	text := strings.ToUpper(fv.Noun[:1]) + fv.Noun[1:] + ": "
	if len(in) == 0 {
		text += "none"
	}
	text += strings.Join(in, ", ")
	if len(later) > 0 {
		text += "; not in this version: " + strings.Join(later, ", ")
	}
	return text + "."
}

func describeType(t reflect.Type) (string, reflect.Type) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Int:
		return "integer", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Struct:
		return "object", t
	case reflect.Slice:
		elem, et := describeType(t.Elem())
		if et != nil {
			return "list of objects", et
		}
		return "list of " + elem + "s", nil
	}
	panic(fmt.Sprintf("specdoc: unsupported type %s", t))
}

// Walk calls fn for every field of the tree, parents first.
func Walk(fields []*Field, fn func(*Field)) {
	for _, f := range fields {
		fn(f)
		Walk(f.Children, fn)
	}
}

// Markdown renders the reference page of version v.
func Markdown(v config.Version) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Config spec %s\n\n", v)
	fmt.Fprintf(&b, "<!-- Generated by `provision docs` from the config model. Do not edit. -->\n\n")
	fmt.Fprintf(&b, "A config is a JSON object. Fields in **bold** are required when their parent is present; all others are optional. ")
	fmt.Fprintf(&b, "Omitted and `null` fields mean the same thing. A key that differs from a field name only in case is accepted with a warning; any other unknown key is ignored with a warning. ")
	switch {
	case config.Newest.Less(v):
		fmt.Fprintf(&b, "This is the experimental version: it has every field of %s plus those marked *(since %s)* below, and it may still change. Configs of it are applied with the %s model.\n\n", config.Newest, v, config.Newest)
	case v != config.Newest:
		fmt.Fprintf(&b, "A %s config is translated to %s before it is applied; the fields marked *(since X)* below exist in %s but not in every older version.\n\n", v, config.Newest, v)
	default:
		fmt.Fprintf(&b, "This is the newest version; configs of older versions are translated to it. Fields marked *(since X)* were added in version X.\n\n")
	}
	Walk(Fields(v), func(f *Field) {
		indent := strings.Repeat("  ", f.Depth)
		name := "_" + f.Key + "_"
		if f.Required {
			name = "**" + f.Key + "**"
		}
		fmt.Fprintf(&b, "%s- %s (%s", indent, name, f.Type)
		if f.Since != f.ParentSince {
			fmt.Fprintf(&b, ", *since %s*", f.Since)
		}
		fmt.Fprintf(&b, "): %s", f.Desc)
		if f.Default != "" {
			fmt.Fprintf(&b, " Default: %s.", f.Default)
		}
		b.WriteString("\n")
	})
	return b.String()
}

// FileName is the reference page's file name for version v.
func FileName(v config.Version) string {
	if v.PreRelease != "" {
		return fmt.Sprintf("v%d_%d_%s.md", v.Major, v.Minor, v.PreRelease)
	}
	return fmt.Sprintf("v%d_%d.md", v.Major, v.Minor)
}
