// Package reverse writes the YAML dialect for a JSON config of any spec
// version: the inverse of transpile. It folds data URLs back into inline
// text (or local files) where that gives the same config, and checks its
// own result by translating it back: the YAML it returns always
// translates to the config it was given.
package reverse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/transpile"
	"go.yaml.in/yaml/v3"
)

// Options steer the reverse translation.
type Options struct {
	// Variant of the dialect to write; "" means fcos.
	Variant string
	// FilesDir, when set, receives the contents of data URLs as files
	// (named by the file's path) referenced with local: instead of
	// inline text; binary contents are written there too.
	FilesDir string
	// Literal turns folding off: sources stay data URLs.
	Literal bool
}

// variantFor maps a spec version to the newest dialect version producing
// it, per variant. Data, so another variant is one more row.
var variantFor = map[string]map[string]string{
	"fcos": {
		"3.0.0":              "1.0.0",
		"3.1.0":              "1.1.0",
		"3.2.0":              "1.3.0",
		"3.3.0":              "1.4.0",
		"3.4.0":              "1.5.0",
		"3.5.0":              "1.6.0",
		"3.6.0":              "1.7.0",
		"3.7.0-experimental": "1.8.0-experimental",
	},
	"flatcar": {
		"3.3.0":              "1.0.0",
		"3.4.0":              "1.1.0",
		"3.7.0-experimental": "1.2.0-experimental",
	},
}

// Result is a reverse translation.
type Result struct {
	YAML   []byte
	Report report.Report // findings of parsing the JSON config
	// Folded counts the file contents written as inline text or local
	// files; Literal counts those kept as data URLs because folding
	// would have changed the config.
	Folded, Literal int
	// Sugar counts entries written as sugar (with_mount_unit, and one
	// for boot_device).
	Sugar int
}

// Reverse turns a JSON config into the YAML dialect.
func Reverse(src []byte, opts Options) (Result, error) {
	var res Result
	cfg, rep, err := config.Parse(src)
	res.Report = rep
	if err != nil {
		return res, err
	}
	// Parse brings every config to the newest model; the YAML is written
	// for the version the config was written for.
	var head struct {
		Ignition struct{ Version string } `json:"ignition"`
	}
	json.Unmarshal(src, &head)
	cfg.Ignition.Version = head.Ignition.Version
	variant := opts.Variant
	if variant == "" {
		variant = "fcos"
	}
	versions, ok := variantFor[variant]
	if !ok {
		return res, fmt.Errorf("variant %q: reverse translation knows %s", variant, known())
	}
	version, ok := versions[cfg.Ignition.Version]
	if !ok {
		return res, fmt.Errorf("spec version %s has no %s version", cfg.Ignition.Version, variant)
	}
	canonical, err := config.Marshal(cfg)
	if err != nil {
		return res, err
	}
	want, err := generic(canonical)
	if err != nil {
		return res, err
	}
	doc, err := build(canonical, variant, version)
	if err != nil {
		return res, err
	}
	f := &folder{opts: opts}
	if !opts.Literal {
		if err := f.fold(doc); err != nil {
			return res, err
		}
	}
	out, got, err := roundTrip(doc, opts)
	if err == nil && f.count() > 0 {
		// Unfold the entries whose translation differs, then check again.
		if f.unfoldDiffering(want, got) {
			out, got, err = roundTrip(doc, opts)
		}
	}
	if err == nil && !reflect.DeepEqual(want, got) && f.count() > 0 {
		f.unfoldAll()
		out, got, err = roundTrip(doc, opts)
	}
	if err != nil {
		return res, fmt.Errorf("the YAML written does not translate back: %w", err)
	}
	if !reflect.DeepEqual(want, got) {
		return res, fmt.Errorf("the YAML written translates to a different config (%s)", firstDifference(want, got, ""))
	}
	n := foldMountUnits(doc, want, opts, len(out))
	if foldBootDevice(doc, want, opts) {
		n++
	}
	if n > 0 {
		res.Sugar += n
		if out, _, err = roundTrip(doc, opts); err != nil {
			return res, err
		}
	}
	res.YAML = out
	res.Folded = f.count()
	res.Literal = len(f.entries) - res.Folded
	return res, nil
}

func known() string {
	var s []string
	for v := range variantFor {
		s = append(s, v)
	}
	return strings.Join(s, ", ")
}

// SameConfig reports whether two JSON configs say the same thing, as
// Reverse's own check compares them: the same values, numbers as written,
// an empty compression the same as none.
func SameConfig(a, b []byte) (bool, error) {
	va, err := generic(a)
	if err != nil {
		return false, err
	}
	vb, err := generic(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(va, vb), nil
}

// generic decodes JSON into maps, lists and json.Numbers, dropping the
// empty compression the dialect writes for uncompressed contents: absent
// and "" mean the same to the spec.
func generic(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	dropEmptyCompression(v)
	return v, nil
}

func dropEmptyCompression(v any) {
	switch x := v.(type) {
	case map[string]any:
		if c, ok := x["compression"]; ok && c == "" {
			delete(x, "compression")
		}
		for _, e := range x {
			dropEmptyCompression(e)
		}
	case []any:
		for _, e := range x {
			dropEmptyCompression(e)
		}
	}
}

// roundTrip encodes the document and translates it back.
func roundTrip(doc *yaml.Node, opts Options) ([]byte, any, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, nil, err
	}
	enc.Close()
	res := transpile.TranslateConfig(buf.Bytes(), transpile.Options{FilesDir: opts.FilesDir})
	if res.Report.IsFatal() {
		return nil, nil, errors.New(res.Report.String())
	}
	js, err := config.Marshal(res.Config)
	if err != nil {
		return nil, nil, err
	}
	got, err := generic(js)
	return buf.Bytes(), got, err
}

// build turns canonical JSON into a YAML document headed by variant and
// version, keeping the key order of the JSON (the struct order of the
// config model, which reads top-down like the spec).
func build(canonical []byte, variant, version string) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.UseNumber()
	root, err := node(dec, "")
	if err != nil {
		return nil, err
	}
	top := &yaml.Node{Kind: yaml.MappingNode}
	top.Content = append(top.Content, str("variant"), str(variant), str("version"), str(version))
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == "ignition" {
			dropKey(v, "version")
			if len(v.Content) == 0 {
				continue
			}
		}
		top.Content = append(top.Content, k, v)
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{top}}, nil
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func dropKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// identityKeys are the keys that say which entry an object is, most
// telling first (a filesystem's device before its mount path, a LUKS
// volume's name before its device). The model orders keys alphabetically,
// as Ignition's does; Butane's documents put the identifying key first
// (files start with path, users and units with name), so the first of
// these an object has is moved to its front.
var identityKeys = []string{"name", "device", "path", "url", "source"}

func leadWithIdentity(m *yaml.Node) {
	for _, key := range identityKeys {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value != key {
				continue
			}
			k, v := m.Content[i], m.Content[i+1]
			copy(m.Content[2:i+2], m.Content[:i])
			m.Content[0], m.Content[1] = k, v
			return
		}
	}
}

// node reads one JSON value from the token stream; key is the JSON key it
// is the value of (modes are written in octal, as people read them).
func node(dec *json.Decoder, key string) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for dec.More() {
				n, err := node(dec, "")
				if err != nil {
					return nil, err
				}
				seq.Content = append(seq.Content, n)
			}
			_, err := dec.Token()
			return seq, err
		}
		m := &yaml.Node{Kind: yaml.MappingNode}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := node(dec, k)
			if err != nil {
				return nil, err
			}
			m.Content = append(m.Content, str(transpile.SnakeKey(k)), v)
		}
		leadWithIdentity(m)
		_, err := dec.Token()
		return m, err
	case string:
		return str(t), nil
	case json.Number:
		if key == "mode" {
			if n, err := strconv.ParseInt(string(t), 10, 64); err == nil && n >= 0 {
				return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0" + strconv.FormatInt(n, 8)}, nil
			}
		}
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// firstDifference names the first JSON path where two values differ.
func firstDifference(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path
		}
		for k := range x {
			if !reflect.DeepEqual(x[k], y[k]) {
				return firstDifference(x[k], y[k], path+"."+k)
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return path + "." + k + " added"
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path
		}
		for i := range x {
			if !reflect.DeepEqual(x[i], y[i]) {
				return firstDifference(x[i], y[i], fmt.Sprintf("%s.%d", path, i))
			}
		}
	}
	return strings.TrimPrefix(path, ".")
}
