package config

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/kindling-dev/kindling/config/internal/jsontree"
	"github.com/kindling-dev/kindling/config/report"
)

// decoder fills the canonical model from a parsed tree, reporting every type
// error and every key the config's version does not have, each at the
// offset of the offending key or value.
type decoder struct {
	version Version
	rep     report.Report
	path    []any // the path being decoded; copied only when reporting
}

func (d *decoder) report(level report.Level, offset int, format string, args ...any) {
	d.rep.Add(level, append(report.Path(nil), d.path...), format, args...)
	d.rep.Entries[len(d.rep.Entries)-1].Offset = offset
}

func (d *decoder) decode(n *jsontree.Node, v reflect.Value, pattern string) {
	if n.Kind == jsontree.Null {
		d.null(v, pattern)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if d.decodeScalar(n, elem.Elem()) {
			v.Set(elem)
		}
	case reflect.Struct:
		d.decodeStruct(n, v, pattern)
	case reflect.Slice:
		if n.Kind != jsontree.Array {
			d.typeError(n, "a list")
			return
		}
		// A key given twice decodes its list into the earlier one's
		// elements, as encoding/json does: what the later element leaves
		// out, the earlier one keeps.
		s := reflect.MakeSlice(v.Type(), len(n.Items), len(n.Items))
		reflect.Copy(s, v)
		for i, item := range n.Items {
			d.path = append(d.path, i)
			d.decode(item, s.Index(i), pattern)
			d.path = d.path[:len(d.path)-1]
		}
		v.Set(s)
	default:
		d.decodeScalar(n, v)
	}
}

// null applies a JSON null the way encoding/json does in the config's
// version's own types: it unsets an optional field (a pointer or a list)
// and leaves anything else as it was, so null after a key given earlier
// undoes it, and null alone means absent.
func (d *decoder) null(v reflect.Value, pattern string) {
	kind := v.Kind()
	if since, ok := plainBefore[pattern]; ok && d.version.Less(since) {
		return // a plain value in this version: null changes nothing
	}
	if (kind == reflect.Pointer || kind == reflect.Slice) || (kind == reflect.Struct && pointerIn[pattern] == d.version) {
		v.SetZero()
	}
}

// plainBefore lists optional fields that older versions declare as plain
// values, where null leaves them as they are; pointerIn lists objects one
// version declares as pointers, where null removes them.
var (
	plainBefore = map[string]Version{
		"storage.links.target": V3_3,
		"storage.raid.level":   V3_3,
		"ignition.security.tls.certificateAuthorities.source": V3_1,
		"storage.luks.clevis.custom.config":                   V3_3,
		"storage.luks.clevis.custom.pin":                      V3_3,
	}
	pointerIn = map[string]Version{
		"storage.luks.clevis":        V3_2,
		"storage.luks.clevis.custom": V3_2,
	}
)

// decodeScalar sets a string, bool or int, reporting whether it did.
func (d *decoder) decodeScalar(n *jsontree.Node, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		if n.Kind != jsontree.String {
			d.typeError(n, "a string")
			return false
		}
		v.SetString(n.Text)
	case reflect.Bool:
		if n.Kind != jsontree.Bool {
			d.typeError(n, "a boolean")
			return false
		}
		v.SetBool(n.Bool)
	case reflect.Int:
		if n.Kind != jsontree.Number {
			d.typeError(n, "an integer")
			return false
		}
		i, err := strconv.ParseInt(n.Text, 10, 64)
		if err != nil {
			if strings.ContainsAny(n.Text, ".eE") {
				d.report(report.Error, n.Offset, "expected an integer, found %s", n.Text)
			} else {
				d.report(report.Error, n.Offset, "integer %s is out of range", n.Text)
			}
			return false
		}
		v.SetInt(i)
	default:
		panic("config: unsupported field kind " + v.Kind().String())
	}
	return true
}

func (d *decoder) typeError(n *jsontree.Node, want string) {
	d.report(report.Error, n.Offset, "expected %s, found %s", want, describeNode(n))
}

func describeNode(n *jsontree.Node) string {
	switch n.Kind {
	case jsontree.String:
		return "a string"
	case jsontree.Number:
		return "a number"
	case jsontree.Bool:
		return "a boolean"
	case jsontree.Array:
		return "a list"
	case jsontree.Object:
		return "an object"
	}
	return n.Kind.String()
}

func (d *decoder) decodeStruct(n *jsontree.Node, v reflect.Value, pattern string) {
	if n.Kind != jsontree.Object {
		d.typeError(n, "an object")
		return
	}
	fields := structFields(v.Type())
	seen := make(map[string]int, len(n.Members))
	for _, m := range n.Members {
		d.path = append(d.path, m.Key)
		d.decodeMember(m, v, fields, pattern, seen)
		d.path = d.path[:len(d.path)-1]
	}
}

func (d *decoder) decodeMember(m jsontree.Member, v reflect.Value, fields *fieldSet, pattern string, seen map[string]int) {
	f, exact := fields.lookup(m.Key)
	if f == nil {
		d.report(report.Warning, m.KeyOffset, "unused key %q: not a field of spec %s", m.Key, d.version)
		return
	}
	childPattern := f.name
	if pattern != "" {
		childPattern = pattern + "." + f.name
	}
	if d.version != Newest {
		if since, ok := fieldSince[childPattern]; ok && d.version.Less(since) {
			d.report(report.Warning, m.KeyOffset, "unused key %q: this field is not in spec %s (it was added in %s)", m.Key, d.version, since)
			return
		}
	}
	if !exact {
		// Accepted for compatibility with decoders that match keys without
		// regard to case, but almost certainly a typo.
		d.report(report.Warning, m.KeyOffset, "key %q should be spelled %q", m.Key, f.name)
	}
	if prev, dup := seen[f.name]; dup {
		d.report(report.Warning, m.KeyOffset, "duplicate key %q (also at byte %d): its value is applied over the earlier one (objects and lists merge, null unsets an optional field)", m.Key, prev)
	}
	seen[f.name] = m.KeyOffset
	d.decode(m.Value, v.FieldByIndex(f.index), childPattern)
}

// field is one JSON-visible struct field, embedded structs flattened.
type field struct {
	name  string
	index []int
}

type fieldSet struct {
	byName map[string]*field
	byFold map[string]*field
	list   []*field
}

func (s *fieldSet) lookup(key string) (f *field, exact bool) {
	if f := s.byName[key]; f != nil {
		return f, true
	}
	if f := s.byFold[foldKey(key)]; f != nil {
		return f, false
	}
	return nil, false
}

// foldKey maps a key to one spelling per case-insensitive class, with
// Unicode simple folding as encoding/json (the reference's decoder) matches
// keys to fields: "VERSION", "Version" and "verſion" all name version.
func foldKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune is the smallest rune of r's simple case-folding orbit.
func foldRune(r rune) rune {
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// keyMatches reports whether an object key names the field name, exactly
// or case-insensitively as encoding/json matches.
func keyMatches(key, name string) bool {
	return key == name || foldKey(key) == foldKey(name)
}

var fieldCache sync.Map // reflect.Type -> *fieldSet

func structFields(t reflect.Type) *fieldSet {
	if s, ok := fieldCache.Load(t); ok {
		return s.(*fieldSet)
	}
	s := &fieldSet{byName: map[string]*field{}, byFold: map[string]*field{}}
	for _, jf := range JSONFields(t) {
		f := &field{name: jf.Name, index: jf.Index}
		s.byName[f.name] = f
		s.byFold[foldKey(f.name)] = f
		s.list = append(s.list, f)
	}
	fieldCache.Store(t, s)
	return s
}
