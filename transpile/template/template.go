// Package template renders configs written as Go text/template documents
// with per-node values: `hostname: {{ .hostname }}`. Rendering is strict
// (a value the template asks for and nobody gave is an error) and errors
// name the template's file, line and column and the node whose values were
// in use, so a mistake in one node of a fleet is found in the template,
// not in rendered text.
//
// Templating is opt-in: callers render a config only when the user gave
// values (transpile --var, --vars or --each), so an existing config whose
// file contents hold "{{" is never changed by surprise.
package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// MaxOutput bounds what one rendering may produce, so a template looping
// over a large list cannot fill memory.
const MaxOutput = 8 << 20

// Values are what a template sees as the dot: strings, lists and maps.
type Values map[string]any

// Clone returns a copy whose top level can be changed freely.
func (v Values) Clone() Values {
	out := make(Values, len(v))
	for k, x := range v {
		out[k] = x
	}
	return out
}

// With returns v overlaid by over (over wins), leaving both unchanged.
func (v Values) With(over Values) Values {
	out := v.Clone()
	for k, x := range over {
		out[k] = x
	}
	return out
}

// ParseAssignments reads NAME=VALUE pairs (as given with --var); values
// are strings.
func ParseAssignments(pairs []string) (Values, error) {
	out := Values{}
	for _, p := range pairs {
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("variable %q: want NAME=VALUE", p)
		}
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("variable %q: %w", p, err)
		}
		out[name] = val
	}
	return out, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkName keeps names usable as {{ .name }}: anything else could only be
// reached with index, which is a trap rather than a feature.
func checkName(name string) error {
	if !identifier.MatchString(name) {
		return fmt.Errorf("name %q is not an identifier (letters, digits, _; not starting with a digit)", name)
	}
	return nil
}

// ParseValues reads a YAML mapping of values (as given with --vars). file
// names the source in errors.
func ParseValues(file string, data []byte) (Values, error) {
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if raw == nil {
		return Values{}, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: values must be a mapping of names to values, not %T", file, raw)
	}
	for k := range m {
		if err := checkName(k); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return Values(Normalize(m).(map[string]any)), nil
}

// Normalize turns what a YAML or JSON decoder produced into strings, lists
// and maps: numbers and booleans become the text they were written as, so
// that `{{ .port }}` prints 8080 rather than 8080.000000 or 8.08e+03.
func Normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

// Template is one parsed config template.
type Template struct {
	name string
	src  []byte
	t    *template.Template
}

// funcs are the few helpers a config needs. json writes a value as JSON,
// which is also a valid YAML flow value: `hostname: {{ json .hostname }}`
// cannot break the YAML around it whatever the value holds.
var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"indent": func(n int, s string) string {
		pad := strings.Repeat(" ", n)
		return strings.ReplaceAll(s, "\n", "\n"+pad)
	},
	// optional is the one way to read a value that may be missing:
	// {{ optional . "mtu" "1500" }}. Strictness stays the rule; each
	// exception is written where it is made.
	"optional": func(values map[string]any, key string, def any) any {
		if v, ok := values[key]; ok {
			return v
		}
		return def
	},
	"default": func(def, v any) any {
		if s, ok := v.(string); v == nil || ok && s == "" {
			return def
		}
		return v
	},
	"join": func(sep string, list []any) string {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, sep)
	},
}

// Parse parses src as a template; name (the file) is used in errors.
func Parse(name string, src []byte) (*Template, error) {
	if name == "" {
		name = "<stdin>"
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, locate(name, src, "", err)
	}
	return &Template{name: name, src: src, t: t}, nil
}

// Name is the file name the template was parsed under.
func (t *Template) Name() string { return t.name }

// Render executes the template with values; node names whose values they
// are, for errors ("" when rendering without a node).
func (t *Template) Render(node string, values Values) ([]byte, error) {
	var buf limitedBuffer
	if err := t.t.Execute(&buf, map[string]any(values)); err != nil {
		return nil, locate(t.name, t.src, node, err)
	}
	return buf.Bytes(), nil
}

type limitedBuffer struct{ bytes.Buffer }

var errTooLarge = fmt.Errorf("rendered output passes the limit of %d bytes", MaxOutput)

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxOutput {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

// Error is a template error placed in its file.
type Error struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int // 1-based; 0 when unknown
	Node   string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if e.Node != "" {
		fmt.Fprintf(&b, ": node %q", e.Node)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// text/template reports "template: NAME:LINE:COL: executing ... at <X>: MSG"
// or "template: NAME:LINE: MSG"; the name may itself hold colons.
var (
	execErr   = regexp.MustCompile(`^template: .*?:(\d+):(\d+): executing "[^"]*" at <([^>]*)>: (.*)$`)
	parseErr  = regexp.MustCompile(`^template: .*?:(\d+): (.*)$`)
	startedAt = regexp.MustCompile(` started at .*:(\d+)$`)
)

func locate(name string, src []byte, node string, err error) error {
	e := &Error{File: name, Node: node, Msg: err.Error()}
	msg := err.Error()
	if errors.Is(err, errTooLarge) {
		e.Msg = errTooLarge.Error()
		return e
	}
	if m := execErr.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		// text/template counts the column from 0, in bytes.
		col, _ := strconv.Atoi(m[2])
		e.Column = runeColumn(src, e.Line, col)
		e.Msg = fmt.Sprintf("at {{%s}}: %s", m[3], explain(m[4]))
		return e
	}
	if m := parseErr.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
		// An unclosed action is reported where the file ends; point at
		// where it started instead.
		if s := startedAt.FindStringSubmatch(e.Msg); s != nil {
			e.Line, _ = strconv.Atoi(s[1])
			e.Msg = strings.TrimSuffix(e.Msg, s[0])
		}
		e.Column = actionColumn(src, e.Line)
	}
	return e
}

func explain(msg string) string {
	if strings.HasPrefix(msg, "map has no entry for key ") {
		return "no value " + strings.TrimPrefix(msg, "map has no entry for key ") + " (give it with --var, --vars or the nodes file)"
	}
	return msg
}

// runeColumn turns text/template's 0-based byte column on a line into the
// 1-based character column the rest of Kindling reports.
func runeColumn(src []byte, line, byteCol int) int {
	l := lineText(src, line)
	if byteCol > len(l) {
		byteCol = len(l)
	}
	return len([]rune(string(l[:byteCol]))) + 1
}

// actionColumn points a parse error (which text/template gives by line
// only) at the first action on its line.
func actionColumn(src []byte, line int) int {
	l := lineText(src, line)
	if i := bytes.Index(l, []byte("{{")); i >= 0 {
		return len([]rune(string(l[:i]))) + 1
	}
	return 0
}

func lineText(src []byte, line int) []byte {
	for i := 1; i < line; i++ {
		nl := bytes.IndexByte(src, '\n')
		if nl < 0 {
			return nil
		}
		src = src[nl+1:]
	}
	if nl := bytes.IndexByte(src, '\n'); nl >= 0 {
		return src[:nl]
	}
	return src
}
