package fleet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/kindling-dev/kindling/transpile/template"
	"go.yaml.in/yaml/v3"
)

// MaxNodes bounds a nodes file: each node is rendered and held in memory
// until the whole fleet is known good.
const MaxNodes = 100_000

// Node is one machine of a fleet: its name (the output file's name) and
// the values its config is rendered with. Values include "name".
type Node struct {
	Name   string
	Values template.Values
}

// ParseNodes reads a nodes file: YAML (a list of mappings each with a
// name, or a mapping from names to mappings) or, when file ends in .csv,
// CSV with a header row that has a name column. Names are checked with
// CheckName; duplicates are errors.
func ParseNodes(file string, data []byte) ([]Node, error) {
	var nodes []Node
	var err error
	if strings.HasSuffix(strings.ToLower(file), ".csv") {
		nodes, err = parseCSV(file, data)
	} else {
		nodes, err = parseYAML(file, data)
	}
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s: no nodes", file)
	}
	if len(nodes) > MaxNodes {
		return nil, fmt.Errorf("%s: %d nodes; the limit is %d", file, len(nodes), MaxNodes)
	}
	seen := map[string]bool{}
	var bad []string
	for i, n := range nodes {
		if err := CheckName(n.Name); err != nil {
			bad = append(bad, fmt.Sprintf("node %d: %v", i+1, err))
		} else if seen[n.Name] {
			bad = append(bad, fmt.Sprintf("node %d: name %q appears twice", i+1, n.Name))
		}
		seen[n.Name] = true
	}
	if bad != nil {
		return nil, fmt.Errorf("%s:\n  %s", file, strings.Join(bad, "\n  "))
	}
	return nodes, nil
}

// CheckName accepts a node name only if it is safe as a file name in the
// output directory: names come from inventories, i.e. hostile input.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("name is empty")
	case name == "." || name == ".." || strings.HasPrefix(name, "."):
		return fmt.Errorf("name %q starts with a dot", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("name %q contains a path separator", name)
	case len(name) > 200:
		return fmt.Errorf("name %q is longer than 200 bytes", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("name %q contains a control or invalid character", name)
		}
	}
	return nil
}

func parseYAML(file string, data []byte) ([]Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	var nodes []Node
	switch root.Kind {
	case yaml.SequenceNode:
		for _, item := range root.Content {
			v, err := values(file, item)
			if err != nil {
				return nil, err
			}
			name, _ := v["name"].(string)
			if _, ok := v["name"]; !ok {
				return nil, fmt.Errorf("%s:%d:%d: node has no name", file, item.Line, item.Column)
			}
			nodes = append(nodes, Node{Name: name, Values: v})
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, item := root.Content[i], root.Content[i+1]
			v, err := values(file, item)
			if err != nil {
				return nil, err
			}
			if v == nil {
				v = template.Values{}
			}
			if n, ok := v["name"]; ok && n != k.Value {
				return nil, fmt.Errorf("%s:%d:%d: node %q has name %q", file, item.Line, item.Column, k.Value, n)
			}
			v["name"] = k.Value
			nodes = append(nodes, Node{Name: k.Value, Values: v})
		}
	default:
		return nil, fmt.Errorf("%s:%d:%d: nodes must be a list or a mapping", file, root.Line, root.Column)
	}
	return nodes, nil
}

func values(file string, n *yaml.Node) (template.Values, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d:%d: a node must be a mapping of values", file, n.Line, n.Column)
	}
	var raw map[string]any
	if err := n.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s:%d:%d: %v", file, n.Line, n.Column, err)
	}
	return template.Values(template.Normalize(raw).(map[string]any)), nil
}

func parseCSV(file string, data []byte) ([]Node, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	header := rows[0]
	nameCol := -1
	for i, h := range header {
		if h == "name" {
			nameCol = i
		}
	}
	if nameCol < 0 {
		return nil, fmt.Errorf("%s:1: the header row has no name column (columns: %s)", file, strings.Join(sortedCopy(header), ", "))
	}
	var nodes []Node
	for i, row := range rows[1:] {
		v := template.Values{}
		for j, h := range header {
			v[h] = row[j]
		}
		_ = i
		nodes = append(nodes, Node{Name: row[nameCol], Values: v})
	}
	return nodes, nil
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
