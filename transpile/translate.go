// Package transpile turns the human YAML dialect (Butane-compatible, headed
// by variant and version) into the JSON config, reporting problems at the
// YAML line and column that caused them.
package transpile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

// MaxInput bounds the size of one YAML document. Decoding holds the YAML
// tree and the position of every node, some 20 to 40 times the input for
// a document of many small entries, so 8 MiB (far beyond any real config:
// about 100,000 file entries) keeps the peak near 300 MiB.
const MaxInput = 8 << 20

// MaxLocalFile bounds each file embedded from the files directory (local,
// contents_local, ssh_authorized_keys_local, trees). Its contents are
// held a few times over (data URL, gzip), never as a YAML tree.
const MaxLocalFile = 64 << 20

// Options steer a translation.
type Options struct {
	FilesDir string // directory that local references are read below
	Pretty   bool   // indent the JSON output
	Raw      bool   // openshift: the bare config instead of a MachineConfig
	Strict   bool   // warnings make the translation fail
	// NoValidate skips the spec validation of the result (config.Validate),
	// leaving only the dialect's own findings: the differential tests use
	// it to tell the dialect's differences from the validator's.
	NoValidate bool
}

// ErrInvalid is returned (wrapped) when the report holds errors, or
// warnings under Strict.
var ErrInvalid = errors.New("config is invalid")

// Result is one translated document before output.
type Result struct {
	Config    config.Config
	Report    report.Report
	openshift *machineConfig // nil unless variant openshift
}

// Translate reads one YAML document and returns the JSON config (or, for
// the openshift variant without Raw, a MachineConfig in YAML).
func Translate(src []byte, opts Options) ([]byte, report.Report, error) {
	res := TranslateConfig(src, opts)
	if err := checkReport(res.Report, opts.Strict); err != nil {
		return nil, res.Report, err
	}
	out, err := Output(res, opts)
	return out, res.Report, err
}

// ParseAny parses a config in either of its forms: the YAML dialect
// (recognised by its variant key) is translated, anything else is parsed as
// the JSON config. Report positions point into data in both cases. This is
// what lets provision accept YAML wherever it accepts a config.
func ParseAny(data []byte, opts Options) (config.Config, report.Report, error) {
	if !IsYAMLDialect(data) && !brokenYAMLDialect(data) {
		return config.Parse(data)
	}
	res := TranslateConfig(data, opts)
	return res.Config, res.Report, checkReport(res.Report, opts.Strict)
}

func checkReport(rep report.Report, strict bool) error {
	if rep.IsFatal() {
		return ErrInvalid
	}
	if strict && rep.FailsStrict() {
		return fmt.Errorf("%w: warnings are errors in strict mode", ErrInvalid)
	}
	return nil
}

// TranslateConfig decodes and validates one document; the report carries
// YAML positions. Callers holding several documents merge the Configs.
func TranslateConfig(src []byte, opts Options) Result {
	var res Result
	if len(src) > MaxInput {
		res.Report.Errorf(nil, "document is %d bytes; the limit is %d", len(src), MaxInput)
		return res
	}
	root, err := parseYAML(src)
	if err != nil {
		res.Report.Entries = append(res.Report.Entries, syntaxEntry(err))
		return res
	}
	local, err := openLocal(opts.FilesDir)
	if err != nil {
		res.Report.Errorf(nil, "%s", err)
		return res
	}
	defer local.close()
	d := &decoder{where: map[string]pos{}, local: local, budget: 2*countNodes(root) + aliasAllowance, raw: opts.Raw}
	body, ok := d.header(root)
	if !ok {
		res.Report = d.rep
		return res
	}
	res.Config.Ignition.Version = d.vv.spec.String()
	d.decode(body, reflect.ValueOf(&res.Config).Elem(), nil, "")
	d.applySugar(&res.Config)
	if d.vv.machineConfig {
		res.openshift = d.machineConfig(root, &res.Config)
	}
	// The YAML tree is done with: drop the last references to it so the
	// collector can reuse its memory (the largest part of the peak)
	// while the config is validated.
	d.sugar, d.vals, d.merged, root, body = pendingSugar{}, nil, nil, nil, nil
	if !d.rep.IsFatal() && !opts.NoValidate {
		d.rep.Merge(d.locate(config.Validate(res.Config)))
	}
	res.Report = d.rep
	return res
}

// parseYAML reads exactly one YAML document whose root is a mapping.
func parseYAML(src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the document is empty; it needs at least variant and version")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("line %d: only one YAML document is allowed per input", extra.Line)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the document must be a mapping starting with variant and version")
	}
	return doc.Content[0], nil
}

var lineRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: ?`)

// syntaxEntry turns a YAML parser error into a positioned report entry.
func syntaxEntry(err error) report.Entry {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := report.Entry{Level: report.Error, Offset: -1}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Column = 1
		if m[2] != "" {
			e.Column, _ = strconv.Atoi(m[2])
		}
		msg = strings.Replace(msg, m[0], "", 1)
	}
	if strings.Contains(msg, "cannot start any token") {
		msg += " (tabs cannot indent YAML; use spaces)"
	}
	e.Message = "YAML syntax: " + msg
	return e
}

// header reads variant and version, picks the table entry and returns the
// mapping without them.
func (d *decoder) header(root *yaml.Node) (*yaml.Node, bool) {
	d.vv = &variantVersion{spec: config.Newest}
	body := &yaml.Node{Kind: yaml.MappingNode, Line: root.Line, Column: root.Column}
	var variant, version *yaml.Node
	for _, kv := range d.mappingPairs(root, nil) {
		switch kv[0].Value {
		case "variant":
			variant = kv[1]
		case "version":
			version = kv[1]
		default:
			body.Content = append(body.Content, kv[0], kv[1])
		}
	}
	if variant == nil || version == nil {
		d.errorAt(root, nil, "the document needs variant and version at the top (e.g. variant: fcos, version: 1.6.0)")
		return nil, false
	}
	versions, ok := variants[variant.Value]
	if !ok {
		d.errorAt(variant, report.Path{"variant"}, "unknown variant %q (known: %s)", variant.Value, strings.Join(sortedKeys(variants), ", "))
		return nil, false
	}
	vv, ok := versions[normalVersion(version.Value)]
	if !ok {
		d.errorAt(version, report.Path{"version"}, "%s has no version %q (known: %s)", variant.Value, version.Value, strings.Join(sortedKeys(versions), ", "))
		return nil, false
	}
	d.vv, d.name = vv, variant.Value+" "+version.Value
	return body, !d.rep.IsFatal()
}

var semverIdent = regexp.MustCompile(`^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$`)

// normalVersion writes a dialect version the way Butane reads it before
// looking it up: MAJOR.MINOR.PATCH as decimal numbers (so 1.06.0 and
// +1.6.0 are 1.6.0), with its pre-release and build parts. Text that is no
// such version is returned as it is, and then found in no table.
func normalVersion(s string) string {
	rest, build, _ := strings.Cut(s, "+")
	rest, pre, _ := strings.Cut(rest, "-")
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) != 3 || pre != "" && !semverIdent.MatchString(pre) || build != "" && !semverIdent.MatchString(build) {
		return s
	}
	var nums [3]int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return s
		}
		nums[i] = n
	}
	out := fmt.Sprintf("%d.%d.%d", nums[0], nums[1], nums[2])
	if pre != "" {
		out += "-" + pre
	}
	if build != "" {
		out += "+" + build
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return versionLess(keys[i], keys[j]) })
	return keys
}

// versionLess orders dotted versions numerically, other strings as text.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, errA := strconv.Atoi(pa[i])
		y, errB := strconv.Atoi(pb[i])
		if errA != nil || errB != nil {
			return a < b
		}
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// locate gives validation entries the position of the YAML node that
// produced their path, or of its nearest recorded ancestor.
func (d *decoder) locate(rep report.Report) report.Report {
	for i := range rep.Entries {
		e := &rep.Entries[i]
		for n := len(e.Path); n >= 0; n-- {
			if p, ok := d.where[pathKey(e.Path[:n])]; ok {
				e.Line, e.Column = p.line, p.col
				break
			}
		}
	}
	return rep
}

// Output renders a translated result: JSON, or MachineConfig YAML for
// openshift unless Raw.
func Output(res Result, opts Options) ([]byte, error) {
	var out []byte
	var err error
	if opts.Pretty {
		out, err = config.MarshalIndent(res.Config)
	} else {
		out, err = config.Marshal(res.Config)
	}
	if err != nil || res.openshift == nil || opts.Raw {
		return append(out, '\n'), err
	}
	return res.openshift.render(out)
}

// Merge combines results in order, later inputs winning, with config.Merge.
// The last openshift metadata wins.
func Merge(results []Result) Result {
	var merged Result
	for i, r := range results {
		if i == 0 {
			merged.Config = r.Config
		} else {
			merged.Config = config.Merge(merged.Config, r.Config)
		}
		merged.Report.Merge(r.Report)
		if r.openshift != nil {
			merged.openshift = r.openshift
		}
	}
	return merged
}

// IsYAMLDialect reports whether data looks like the YAML dialect rather than
// JSON: a mapping with a top-level variant key.
func IsYAMLDialect(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] == '{' || len(data) > MaxInput {
		return false
	}
	var head struct {
		Variant any `yaml:"variant"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return false
	}
	_, ok := head.Variant.(string)
	return ok
}

var variantLine = regexp.MustCompile(`(?m)^variant:`)

// brokenYAMLDialect recognises the YAML dialect that does not parse: not
// JSON-shaped and with a top-level variant line. Its YAML syntax error
// (with its line) says more than "invalid JSON" at 1:1 would.
func brokenYAMLDialect(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] == '{' || trimmed[0] == '[' || len(data) > MaxInput || !variantLine.Match(data) {
		return false
	}
	var v any
	return yaml.Unmarshal(data, &v) != nil
}

// jsonValue decodes JSON bytes into generic values for YAML output.
func jsonValue(b []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err := dec.Decode(&v)
	return numbers(v), err
}

// numbers turns json.Number into int64 so YAML prints plain integers.
func numbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = numbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = numbers(x)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		return t.String()
	}
	return v
}
