package transpile

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

// aliasAllowance bounds how many nodes aliases may add beyond the nodes
// written in the document, so that an alias bomb fails cleanly and fast
// instead of eating memory and time.
const aliasAllowance = 20_000

// countNodes counts the nodes written in the document (aliases not followed).
func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// pos is a 1-based line and column in the YAML source.
type pos struct{ line, col int }

// decoder turns a YAML tree into a config.Config, remembering for each JSON
// path the YAML node that produced it.
type decoder struct {
	vv      *variantVersion
	name    string // "fcos 1.5.0", for messages
	rep     report.Report
	where   map[string]pos
	local   *localFiles
	visited int
	budget  int  // visits allowed: nodes written plus aliasAllowance
	tooBig  bool // the expansion budget ran out (reported once)
	sugar   pendingSugar
	vals    map[string]*yaml.Node // values of the struct being finished, by key
	raw     bool                  // openshift: the bare config is wanted
	quiet   int                   // > 0 inside an aliased mapping: no unknown-key warnings
	merged  map[*yaml.Node]bool   // keys that came through a merge key (<<)
}

// pendingSugar holds sugar that needs the whole config (it adds entries to
// other lists), applied once decoding is done.
type pendingSugar struct {
	trees      []*yaml.Node
	quadlets   []*yaml.Node
	mountUnits []mountUnitReq
	bootDevice *yaml.Node
	grub       *yaml.Node
	openshift  *yaml.Node
	metadata   *yaml.Node
}

type mountUnitReq struct {
	index int // into storage.filesystems
	node  *yaml.Node
}

func (d *decoder) errorAt(n *yaml.Node, path report.Path, format string, args ...any) {
	d.addAt(report.Error, n, path, format, args...)
}

func (d *decoder) warnAt(n *yaml.Node, path report.Path, format string, args ...any) {
	d.addAt(report.Warning, n, path, format, args...)
}

func (d *decoder) addAt(level report.Level, n *yaml.Node, path report.Path, format string, args ...any) {
	e := report.Entry{Level: level, Path: path, Message: fmt.Sprintf(format, args...), Offset: -1}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.rep.Entries = append(d.rep.Entries, e)
}

// mark records that the JSON path was produced by node n.
func (d *decoder) mark(path report.Path, n *yaml.Node) {
	if n != nil {
		d.where[pathKey(path)] = pos{n.Line, n.Column}
	}
}

// pathKey is a cheap map key for a path (report.Path.String formats with
// fmt, which is too slow for every node of a large document).
func pathKey(path report.Path) string {
	var b strings.Builder
	for _, e := range path {
		switch v := e.(type) {
		case int:
			b.WriteString(strconv.Itoa(v))
		case string:
			b.WriteString(v)
		}
		b.WriteByte('.')
	}
	return b.String()
}

// resolve follows aliases and counts nodes against the expansion budget.
func (d *decoder) resolve(n *yaml.Node) (*yaml.Node, bool) {
	orig := n
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			n = nil
		} else {
			n = n.Alias
		}
	}
	d.visited++
	if n == nil || d.visited > d.budget {
		if !d.tooBig {
			d.tooBig = true
			d.errorAt(orig, nil, "aliases expand the document too much (more than %d nodes beyond those written)", aliasAllowance)
		}
		return orig, false
	}
	return n, true
}

// field is one settable key of a struct in the dialect.
type field struct {
	yamlName string
	jsonName string
	index    []int
}

var fieldCache sync.Map // reflect.Type → map[string]*field

// fieldsOf derives the dialect's keys from the model's JSON names by
// reflection, so every JSON field is reachable without a hand-kept list.
func fieldsOf(t reflect.Type) map[string]*field {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]*field)
	}
	m := map[string]*field{}
	for _, jf := range config.JSONFields(t) {
		m[snake(jf.Name)] = &field{yamlName: snake(jf.Name), jsonName: jf.Name, index: jf.Index}
	}
	if t == reflect.TypeOf(config.Ignition{}) {
		delete(m, "version") // set from the variant, never written by hand
	}
	fieldCache.Store(t, m)
	return m
}

// SnakeKey is the dialect's spelling of a config's JSON key, for tools
// that write the dialect (transpile --reverse).
func SnakeKey(name string) string { return snake(name) }

// snake turns a JSON camelCase name into the dialect's snake_case one:
// httpHeaders → http_headers, sizeMiB → size_mib, typeGuid → type_guid.
func snake(name string) string {
	if s, ok := snakeExceptions[name]; ok {
		return s
	}
	var b strings.Builder
	runes := []rune(name)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && !unicode.IsUpper(runes[i-1])
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if i > 0 && (prevLower || nextLower) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// snakeExceptions are names whose mechanical form differs from the dialect.
var snakeExceptions = map[string]string{
	"sizeMiB":  "size_mib",
	"startMiB": "start_mib",
}

// sugarFunc handles one extra key on a struct type. parent is the struct
// being filled; path and pattern are the struct's JSON path and pattern.
type sugarFunc func(d *decoder, key, val *yaml.Node, parent reflect.Value, path report.Path, pattern string)

type sugarKey struct {
	feature string
	apply   sugarFunc
}

// sugarKeys lists, per model type, the extra keys the dialect accepts.
var sugarKeys map[reflect.Type]map[string]sugarKey

// finishers run after a struct of the type is decoded (cross-key checks).
var finishers map[reflect.Type]func(d *decoder, n *yaml.Node, v reflect.Value, path report.Path, pattern string, seen map[string]*yaml.Node)

// decode fills v from node n. path is the JSON path, pattern the JSON keys
// without indexes (the key of config.FieldSince and the variant tables).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path report.Path, pattern string) {
	alias := n
	n, ok := d.resolve(n)
	if !ok {
		return
	}
	if isNull(n) {
		if v.Kind() == reflect.Struct && path != nil {
			// Butane's position tracking sees a scalar where its schema
			// has a mapping, and says so; the value is simply empty.
			d.warnAt(n, path, "null where a mapping belongs: nothing is set here, and positions may be inexact (Butane warns alike)")
		}
		return
	}
	d.mark(path, n)
	if alias.Kind == yaml.AliasNode && n.Kind != yaml.ScalarNode {
		// Butane's position tracking does not follow aliases: it
		// reports no unknown key inside an aliased mapping or list, and
		// warns that an aliased mapping cannot be checked key by key.
		// Do the same so --strict fails alike.
		if isStruct(v.Type()) {
			d.warnAt(alias, path, "an alias of a mapping: keys inside it are not checked and positions may be inexact (Butane warns alike)")
		}
		d.quiet++
		defer func() { d.quiet-- }()
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if d.scalarInto(n, elem.Elem(), path, pattern) {
			v.Set(elem)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorAt(n, path, "expected a list, found %s", describe(n))
			return
		}
		if len(n.Content) == 0 {
			return // an empty list writes nothing, as in Butane's output
		}
		d.decodeList(n, v, path, pattern)
	case reflect.Struct:
		d.decodeStruct(n, v, path, pattern)
	default:
		d.scalarInto(n, v, path, pattern)
	}
}

// decodeList fills a slice. Null items are dropped, as go-yaml drops them
// for Butane; when that shifts a mapping into a null's place, Butane warns
// that its positions no longer match, and so do we.
func (d *decoder) decodeList(n *yaml.Node, v reflect.Value, path report.Path, pattern string) {
	items := make([]*yaml.Node, 0, len(n.Content))
	for _, item := range n.Content {
		if r, ok := d.peek(item); ok && isNull(r) {
			continue
		}
		items = append(items, item)
	}
	if len(items) == 0 {
		return
	}
	shifted := len(items) != len(n.Content) && isStruct(v.Type().Elem())
	out := reflect.MakeSlice(v.Type(), len(items), len(items))
	for j, item := range items {
		if shifted && items[j] != n.Content[j] {
			if c, ok := d.peek(n.Content[j]); ok && c.Kind != yaml.MappingNode {
				d.warnAt(n.Content[j], path.Append(j), "null list items are dropped, so the items after them move; positions may be inexact (Butane warns alike)")
				shifted = false
			}
		}
		d.decode(item, out.Index(j), path.Append(j), pattern)
	}
	v.Set(out)
}

// peek follows aliases without counting against the expansion budget.
func (d *decoder) peek(n *yaml.Node) (*yaml.Node, bool) {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			return nil, false
		}
		n = n.Alias
	}
	return n, n != nil
}

func isStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

// scalarInto sets a string, int or bool from a scalar node with go-yaml
// v3's rules, which Butane decodes with, so a value lands the same in both
// tools: any scalar fills a string field with its text (numbers and dates
// included), booleans also accept YAML 1.1's yes/no/on/off, and integer
// fields take integers and floats (the fraction dropped).
func (d *decoder) scalarInto(n *yaml.Node, v reflect.Value, path report.Path, pattern string) bool {
	if v.Kind() == reflect.Struct {
		d.decodeStruct(n, v, path, pattern)
		return true
	}
	if n.Kind != yaml.ScalarNode {
		d.errorAt(n, path, "expected %s, found %s", kindName(v.Kind()), describe(n))
		return false
	}
	if v.Kind() == reflect.String {
		if n.ShortTag() == "!!binary" {
			d.errorAt(n, path, "binary values are not supported here")
			return false
		}
		v.SetString(n.Value)
		return true
	}
	var resolved any
	// Strings resolve to themselves; only other tags need go-yaml's
	// resolver (which allocates a decoder per call).
	if n.ShortTag() != "!!str" {
		if err := n.Decode(&resolved); err != nil {
			d.errorAt(n, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			return false
		}
	} else {
		resolved = n.Value
	}
	switch v.Kind() {
	case reflect.Int:
		if i, ok := yamlInt(resolved); ok && !v.OverflowInt(i) {
			v.SetInt(i)
			if pattern == "storage.files.mode" || pattern == "storage.directories.mode" {
				d.checkDecimalMode(n, path, int(i), pattern == "storage.directories.mode")
			}
			return true
		}
		d.errorAt(n, path, "expected an integer, found %s", describe(n))
	case reflect.Bool:
		if b, ok := yamlBool(resolved); ok {
			v.SetBool(b)
			return true
		}
		d.errorAt(n, path, "expected true or false, found %s", describe(n))
	default:
		d.errorAt(n, path, "unsupported value")
	}
	return false
}

func yamlInt(x any) (int64, bool) {
	switch t := x.(type) {
	case int:
		return int64(t), true
	case int64:
		return t, true
	case uint64:
		return int64(t), t <= math.MaxInt64
	case float64:
		return int64(t), t <= math.MaxInt64 && t >= math.MinInt64
	}
	return 0, false
}

func yamlBool(x any) (bool, bool) {
	switch t := x.(type) {
	case bool:
		return t, true
	case string:
		switch t {
		case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
			return true, true
		case "n", "N", "no", "No", "NO", "off", "Off", "OFF":
			return false, true
		}
	}
	return false, false
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Int:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	}
	return "a value"
}

// mappingPairs returns the key/value pairs of a mapping with merge keys
// (<<) expanded, reporting duplicate keys. Explicit keys win over merged.
func (d *decoder) mappingPairs(n *yaml.Node, path report.Path) [][2]*yaml.Node {
	var pairs [][2]*yaml.Node
	seen := map[string]*yaml.Node{}
	var merged [][2]*yaml.Node
	var mergeKey *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if mergeKey != nil {
				d.errorAt(k, path.Append("<<"), "duplicate key \"<<\" (first at line %d); give one merge key a list of mappings", mergeKey.Line)
				continue
			}
			mergeKey = k
			// Butane applies the merge and also reports the << key as
			// unused; so do we, so that --strict fails alike.
			d.warnAt(k, path.Append("<<"), "unused key <<")
			merged = append(merged, d.mergeSources(v, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorAt(k, path, "mapping keys must be plain strings")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorAt(k, path.Append(k.Value), "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		pairs = append(pairs, [2]*yaml.Node{k, v})
	}
	for _, p := range merged {
		if d.merged == nil {
			d.merged = map[*yaml.Node]bool{}
		}
		d.merged[p[0]] = true
		if _, ok := seen[p[0].Value]; !ok {
			seen[p[0].Value] = p[0]
			pairs = append(pairs, p)
		}
	}
	return pairs
}

// mergeSources reads the value of a merge key: a mapping or a list of them.
func (d *decoder) mergeSources(v *yaml.Node, path report.Path) [][2]*yaml.Node {
	v, ok := d.resolve(v)
	if !ok {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return d.mappingPairs(v, path)
	case yaml.SequenceNode:
		var out [][2]*yaml.Node
		for _, item := range v.Content {
			if item, ok := d.resolve(item); ok && item.Kind == yaml.MappingNode {
				out = append(out, d.mappingPairs(item, path)...)
			} else {
				d.errorAt(item, path, "a merge key (<<) takes a mapping or a list of mappings")
			}
		}
		return out
	}
	d.errorAt(v, path, "a merge key (<<) takes a mapping or a list of mappings")
	return nil
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path report.Path, pattern string) {
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, path, "expected a mapping, found %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	sugars := sugarKeys[v.Type()]
	seen := map[string]*yaml.Node{}
	vals := map[string]*yaml.Node{}
	for _, kv := range d.mappingPairs(n, path) {
		k, val := kv[0], kv[1]
		if _, known := fields[k.Value]; known || d.sugarAvailable(sugars[k.Value], k.Value, pattern) {
			seen[k.Value] = k
			vals[k.Value] = val
		}
		if d.merged[k] {
			// Butane never sees what a merge key brings in, so it
			// reports no unknown key below it.
			d.quiet++
		}
		d.decodePair(k, val, v, fields, sugars, path, pattern)
		if d.merged[k] {
			d.quiet--
		}
	}
	if fin := finishers[v.Type()]; fin != nil {
		d.vals = vals
		fin(d, n, v, path, pattern, seen)
	}
}

// decodePair decodes one key of a struct: a field, available sugar, or
// an unknown key (a warning where Butane would see it).
func (d *decoder) decodePair(k, val *yaml.Node, v reflect.Value, fields map[string]*field, sugars map[string]sugarKey, path report.Path, pattern string) {
	if f, ok := fields[k.Value]; ok {
		d.decodeField(k, val, v, f, path, pattern)
		return
	}
	if s, ok := sugars[k.Value]; ok {
		if !d.sugarAvailable(s, k.Value, pattern) {
			// Butane's schema for this version lacks the key: it is
			// an unused key there, a warning, not an error.
			d.unknownKey(k, path, "unknown key %q: %s is not in %s", k.Value, k.Value, d.name)
			return
		}
		s.apply(d, k, val, v, path, pattern)
		return
	}
	d.unknownKey(k, path, "unknown key %q%s", k.Value, suggest(k.Value, fields, sugars))
}

// unknownKey warns about a key Butane's schema lacks, unless Butane could
// not see it either (inside an alias or brought by a merge key).
func (d *decoder) unknownKey(k *yaml.Node, path report.Path, format string, args ...any) {
	if d.quiet == 0 && !d.merged[k] {
		d.warnAt(k, path.Append(k.Value), format, args...)
	}
}

// suggest names the key the author probably meant (camelCase → snake_case).
func suggest(key string, fields map[string]*field, sugars map[string]sugarKey) string {
	if f, ok := fields[snake(key)]; ok && snake(key) != key {
		return fmt.Sprintf("; did you mean %q?", f.yamlName)
	}
	return ""
}

// sugarAvailable reports whether this dialect version has the sugar key.
// Without featInlineAnywhere, inline is only on file contents and appends.
func (d *decoder) sugarAvailable(s sugarKey, key, pattern string) bool {
	if s.apply == nil || s.feature != "" && !d.vv.has(s.feature) {
		return false
	}
	if key == "inline" && !d.vv.has(featInlineAnywhere) {
		return pattern == "storage.files.contents" || pattern == "storage.files.append"
	}
	return true
}

func (d *decoder) decodeField(k, val *yaml.Node, v reflect.Value, f *field, path report.Path, pattern string) {
	childPattern := f.jsonName
	if pattern != "" {
		childPattern = pattern + "." + f.jsonName
	}
	childPath := path.Append(f.jsonName)
	if since := config.FieldSince(childPattern); d.vv.spec.Less(since) {
		// Unused in Butane's schema of this version: a warning.
		d.unknownKey(k, path, "unknown key %q: %s is not in %s (it needs spec %s); it is ignored", k.Value, k.Value, d.name, since)
		return
	}
	if d.forbidden(childPattern) {
		d.errorAt(k, childPath, "%s is not supported by %s", k.Value, d.name)
		return
	}
	d.decode(val, v.FieldByIndex(f.index), childPath, childPattern)
}

func (d *decoder) forbidden(pattern string) bool {
	if d.raw && d.vv.machineConfig {
		// Butane checks what the machine-config operator manages on
		// the MachineConfig; the bare config (--raw) is not checked.
		return false
	}
	for _, f := range d.vv.forbidden {
		if f == pattern {
			return true
		}
	}
	return false
}
