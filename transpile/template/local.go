package template

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxLocal bounds one local file rendered as a template.
const MaxLocal = 8 << 20

// resourceKeys mark a mapping as a resource (file contents, merged config,
// CA...), the only place the template key is a Kindling extension.
var resourceKeys = []string{"local", "inline", "source", "compression"}

// ExpandLocal applies the Kindling extension `template: true` on a
// resource in a rendered YAML config: the resource's `local:` file (below
// filesDir) is rendered with values and put inline. `template: false`
// keys are removed. Both leave the YAML Butane-compatible. A document
// without the key is returned unchanged (same positions); one with it is
// re-encoded, so later positions refer to the re-encoded text.
func ExpandLocal(file string, src []byte, filesDir, node string, values Values) ([]byte, error) {
	if !bytes.Contains(src, []byte("template")) {
		return src, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		// The translation reports the syntax error with its position.
		return src, nil
	}
	x := &expander{file: file, dir: filesDir, node: node, values: values}
	if err := x.walk(&doc); err != nil {
		return nil, err
	}
	if !x.changed {
		return src, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("%s: re-encoding after template: %v", file, err)
	}
	return buf.Bytes(), nil
}

type expander struct {
	file, dir, node string
	values          Values
	changed         bool
}

func (x *expander) walk(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode && isResource(n) {
		if err := x.resource(n); err != nil {
			return err
		}
	}
	for _, c := range n.Content {
		if err := x.walk(c); err != nil {
			return err
		}
	}
	return nil
}

func isResource(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		for _, k := range resourceKeys {
			if m.Content[i].Value == k {
				return true
			}
		}
	}
	return false
}

func (x *expander) resource(m *yaml.Node) error {
	ti := keyIndex(m, "template")
	if ti < 0 {
		return nil
	}
	key, val := m.Content[ti], m.Content[ti+1]
	var on bool
	if err := val.Decode(&on); err != nil {
		return fmt.Errorf("%s:%d:%d: template must be true or false", x.file, val.Line, val.Column)
	}
	m.Content = append(m.Content[:ti], m.Content[ti+2:]...)
	x.changed = true
	if !on {
		return nil
	}
	li := keyIndex(m, "local")
	if li < 0 {
		return fmt.Errorf("%s:%d:%d: template: true needs a local file on the same entry", x.file, key.Line, key.Column)
	}
	lv := m.Content[li+1]
	data, err := readLocal(x.dir, lv.Value)
	if err != nil {
		return fmt.Errorf("%s:%d:%d: %v", x.file, lv.Line, lv.Column, err)
	}
	t, err := Parse(lv.Value, data)
	if err != nil {
		return fmt.Errorf("%s:%d:%d: local file: %v", x.file, lv.Line, lv.Column, err)
	}
	out, err := t.Render(x.node, x.values)
	if err != nil {
		return fmt.Errorf("%s:%d:%d: local file: %v", x.file, lv.Line, lv.Column, err)
	}
	m.Content[li].Value = "inline"
	m.Content[li+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(out)}
	return nil
}

func keyIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// readLocal reads a file below dir only; os.Root refuses escapes,
// symlinks included.
func readLocal(dir, name string) ([]byte, error) {
	if dir == "" {
		return nil, fmt.Errorf("local file %q needs a files directory (--files-dir)", name)
	}
	if name == "" || path.IsAbs(name) || strings.Contains("/"+name+"/", "/../") {
		return nil, fmt.Errorf("local path %q must be relative and stay in the files directory", name)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files directory: %v", err)
	}
	defer root.Close()
	f, err := root.Open(path.Clean(name))
	if err != nil {
		return nil, fmt.Errorf("local file %q: %v", name, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("local file %q is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxLocal+1))
	if err != nil {
		return nil, fmt.Errorf("local file %q: %v", name, err)
	}
	if len(data) > MaxLocal {
		return nil, fmt.Errorf("local file %q is larger than the limit of %d bytes", name, MaxLocal)
	}
	return data, nil
}
