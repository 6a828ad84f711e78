package compat

// YAML-level mutants of the docs examples and wild configs: the same config
// written differently (indentation, scalar styles, quoting, flow or block,
// comments, anchors and aliases, merge keys) and small changes of values
// and keys that probe typing (yes/no, octal, floats, dates, nulls). Both
// tools must still agree on every mutant.

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// mutantSeed fixes the run; TRANSPILE_MUTANT_SEED and TRANSPILE_MUTANTS
// change it and the count.
const (
	mutantSeed  = 20261129
	mutantCount = 3000
)

// odd scalar texts that different YAML readers type differently.
var oddScalars = []string{
	"yes", "no", "on", "off", "y", "N", "True", "FALSE", "0644", "0o644", "0x1ed", "420",
	"1.5", "1e3", "-1", "+12", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "~", "null", "",
	"123", " x ", "9999999999999999999", ".inf", "-.nan", "1_000", "0b101", "'q'", "\"dq\"",
	"a: b", "- x", "#x", "x # y", "!!str 5", "@x", "`x`", "%x", "0", "-0", "0.0", "1:30",
}

type mutator struct {
	graft func() *yaml.Node // a random top-level mapping of another seed
	r     *rand.Rand
	nodes []*yaml.Node // every node in document order, aliases excluded
	pairs [][2]*yaml.Node
	maps  []*yaml.Node
}

func collectNodes(m *mutator, n *yaml.Node) {
	if n.Kind == yaml.AliasNode {
		return
	}
	m.nodes = append(m.nodes, n)
	if n.Kind == yaml.MappingNode {
		m.maps = append(m.maps, n)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m.pairs = append(m.pairs, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
		}
	}
	for _, c := range n.Content {
		collectNodes(m, c)
	}
}

func (m *mutator) scalar() *yaml.Node {
	var s []*yaml.Node
	for _, n := range m.nodes {
		if n.Kind == yaml.ScalarNode {
			s = append(s, n)
		}
	}
	if len(s) == 0 {
		return nil
	}
	return s[m.r.Intn(len(s))]
}

func (m *mutator) valueScalar() *yaml.Node {
	var s []*yaml.Node
	for _, p := range m.pairs {
		if p[1].Kind == yaml.ScalarNode && p[0].Value != "variant" && p[0].Value != "version" {
			s = append(s, p[1])
		}
	}
	if len(s) == 0 {
		return nil
	}
	return s[m.r.Intn(len(s))]
}

var styles = []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}

// mutate applies one random operator to the document; it returns its name.
func (m *mutator) mutate(doc *yaml.Node) string {
	switch op := m.r.Intn(14); op {
	case 12, 13: // graft a top-level section (or a list item) of another seed
		if m.graft == nil {
			break
		}
		other := m.graft()
		root := doc.Content[0]
		if other == nil || len(other.Content) < 2 {
			break
		}
		i := m.r.Intn(len(other.Content)/2) * 2
		k, v := other.Content[i], other.Content[i+1]
		if k.Value == "variant" || k.Value == "version" {
			break
		}
		for j := 0; j < len(root.Content); j += 2 {
			if root.Content[j].Value == k.Value {
				if root.Content[j+1].Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
					root.Content[j+1].Content = append(root.Content[j+1].Content, v.Content...)
					return "graft-merge"
				}
				return ""
			}
		}
		root.Content = append(root.Content, k, v)
		return "graft"
	case 10, 11: // another version of the variant, or another variant
		for _, p := range m.pairs {
			if p[0].Value == "version" && len(doc.Content) > 0 && m.owns(doc.Content[0], p[0]) {
				if m.r.Intn(4) == 0 {
					for _, q := range m.pairs {
						if q[0].Value == "variant" && m.owns(doc.Content[0], q[0]) {
							q[1].Value = []string{"fcos", "flatcar", "r4e", "fiot", "openshift"}[m.r.Intn(5)]
						}
					}
				}
				p[1].Value = dialectVersions[m.r.Intn(len(dialectVersions))]
				p[1].Style = 0
				return "version"
			}
		}
	case 0: // scalar style (quoting may change the type, on purpose)
		if n := m.scalar(); n != nil {
			n.Style = styles[m.r.Intn(len(styles))]
			return "style"
		}
	case 1: // flow vs block
		var c []*yaml.Node
		for _, n := range m.nodes {
			if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
				c = append(c, n)
			}
		}
		if len(c) > 0 {
			n := c[m.r.Intn(len(c))]
			n.Style ^= yaml.FlowStyle
			return "flow"
		}
	case 2: // comments
		if len(m.nodes) > 0 {
			n := m.nodes[m.r.Intn(len(m.nodes))]
			if m.r.Intn(2) == 0 {
				n.HeadComment = "# a comment"
			} else {
				n.LineComment = "# trailing: [x]"
			}
			return "comment"
		}
	case 3: // anchor a value, alias it from a later one
		if len(m.pairs) > 1 {
			i := m.r.Intn(len(m.pairs) - 1)
			j := i + 1 + m.r.Intn(len(m.pairs)-i-1)
			src := m.pairs[i][1]
			if src.Anchor == "" {
				src.Anchor = "a" + strconv.Itoa(i)
			}
			if m.pairs[j][1] != src && !contains(src, m.pairs[j][1]) {
				*m.pairs[j][1] = yaml.Node{Kind: yaml.AliasNode, Value: src.Anchor, Alias: src}
				return "alias"
			}
		}
	case 4: // merge key from an earlier mapping
		if len(m.maps) > 2 {
			i := 1 + m.r.Intn(len(m.maps)-2)
			j := i + 1 + m.r.Intn(len(m.maps)-i-1)
			src, dst := m.maps[i], m.maps[j]
			if !contains(src, dst) && !contains(dst, src) {
				if src.Anchor == "" {
					src.Anchor = "m" + strconv.Itoa(i)
				}
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!merge", Value: "<<"}
				v := &yaml.Node{Kind: yaml.AliasNode, Value: src.Anchor, Alias: src}
				dst.Content = append([]*yaml.Node{k, v}, dst.Content...)
				return "merge"
			}
		}
	case 5, 6: // odd scalar values
		if n := m.valueScalar(); n != nil {
			n.Value = oddScalars[m.r.Intn(len(oddScalars))]
			n.Tag = ""
			n.Style = 0
			return "value"
		}
	case 7: // key spelling: camelCase, unknown, or duplicate
		if len(m.pairs) > 2 {
			p := m.pairs[2+m.r.Intn(len(m.pairs)-2)]
			switch m.r.Intn(3) {
			case 0:
				p[0].Value = camel(p[0].Value)
			case 1:
				p[0].Value += "x"
			default:
				for _, mp := range m.maps {
					for i := 0; i+1 < len(mp.Content); i += 2 {
						if mp.Content[i] == p[0] {
							mp.Content = append(mp.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p[0].Value}, p[1])
						}
					}
				}
			}
			return "key"
		}
	case 8: // delete a pair or list item
		var parents []*yaml.Node
		for _, n := range m.nodes {
			if (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && len(n.Content) > 0 && n != doc.Content[0] {
				parents = append(parents, n)
			}
		}
		if len(parents) > 0 {
			n := parents[m.r.Intn(len(parents))]
			w := 1
			if n.Kind == yaml.MappingNode {
				w = 2
			}
			i := m.r.Intn(len(n.Content)/w) * w
			n.Content = append(n.Content[:i], n.Content[i+w:]...)
			return "delete"
		}
	case 9: // a scalar as a list or mapping, or the reverse
		if n := m.valueScalar(); n != nil {
			item := *n
			if m.r.Intn(2) == 0 {
				*n = yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{&item}}
			} else {
				*n = yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, &item}}
			}
			return "shape"
		}
	}
	return ""
}

// dialectVersions are the versions the mutator moves a document to; a
// version its variant lacks is a mutant both tools must reject.
var dialectVersions = []string{
	"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "1.6.0", "1.7.0", "1.8.0-experimental",
	"1.2.0-experimental", "1.1.0-experimental", "4.8.0", "4.13.0", "4.14.0", "4.17.0", "4.18.0", "4.19.0", "4.22.0",
}

// owns reports whether key is a key of the mapping m itself.
func (m *mutator) owns(mapping, key *yaml.Node) bool {
	for i := 0; i < len(mapping.Content); i += 2 {
		if mapping.Content[i] == key {
			return true
		}
	}
	return false
}

func contains(outer, inner *yaml.Node) bool {
	if outer == inner {
		return true
	}
	for _, c := range outer.Content {
		if contains(c, inner) {
			return true
		}
	}
	return false
}

func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// mutant rewrites src with a few random operators and a random
// indentation; ok is false when src is not YAML the mutator can hold.
func mutant(r *rand.Rand, src []byte, graft func() *yaml.Node) (out []byte, ops string, ok bool) {
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, "", false
	}
	var names []string
	for k := 1 + r.Intn(3); k > 0; k-- {
		m := &mutator{r: r, graft: graft}
		collectNodes(m, &doc)
		if name := m.mutate(&doc); name != "" {
			names = append(names, name)
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	indent := []int{2, 3, 4, 8}[r.Intn(4)]
	enc.SetIndent(indent)
	if err := enc.Encode(&doc); err != nil {
		return nil, "", false
	}
	enc.Close()
	out = buf.Bytes()
	if r.Intn(8) == 0 { // CRLF line ends
		out = bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
		names = append(names, "crlf")
	}
	return out, fmt.Sprintf("indent%d,%s", indent, strings.Join(names, ",")), true
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func TestTranspileDiffMutants(t *testing.T) {
	seeds := append(butaneDocSamples(t), wildSamples(t)...)
	r := rand.New(rand.NewSource(int64(envInt("TRANSPILE_MUTANT_SEED", mutantSeed))))
	count := envInt("TRANSPILE_MUTANTS", mutantCount)
	if testing.Short() {
		count /= 10
	}
	// graft parses a random seed afresh, so grafted nodes are never shared.
	graft := func() *yaml.Node {
		var doc yaml.Node
		if yaml.Unmarshal(seeds[r.Intn(len(seeds))].src, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return nil
		}
		return doc.Content[0]
	}
	var samples []sample
	for len(samples) < count {
		s := seeds[r.Intn(len(seeds))]
		out, ops, ok := mutant(r, s.src, graft)
		if !ok {
			continue
		}
		samples = append(samples, sample{name: fmt.Sprintf("mutant %d of %s [%s]", len(samples), s.name, ops), src: out, filesDir: s.filesDir})
	}
	runDiffShowing(t, "mutants", samples, true)
}
