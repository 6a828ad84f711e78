package template

import (
	"bytes"
	"fmt"
	"sort"
	"text/template"
	"text/template/parse"
)

// markFunc is the function the marked copy of a template calls at each
// line start; its name cannot clash with a user's (they cannot start
// with a double underscore and reach the FuncMap).
const markFunc = "__kindlingLine"

// LineMap renders the template again for values and returns, for each
// line of the rendered text, the template line it came from (index 0
// unused; 0 where unknown), or nil when the mapping cannot be made
// exactly. It is the slow path for error messages: positions of the
// translation, which are in the rendered text, become template positions.
//
// How: a copy of the template gets a marker action at the start of every
// line that begins in literal text; the marker records how much had been
// written when it ran. The copy must render byte for byte what the
// template renders (trim markers like "{{-" could make it differ), or
// there is no map.
func (t *Template) LineMap(values Values) []int {
	want, err := t.Render("", values)
	if err != nil {
		return nil
	}
	marked := markSource(t.src, t.t.Tree)
	type mark struct{ off, line int }
	var marks []mark
	var buf bytes.Buffer
	fm := template.FuncMap{markFunc: func(line int) string {
		marks = append(marks, mark{buf.Len(), line})
		return ""
	}}
	for k, v := range funcs {
		fm[k] = v
	}
	mt, err := template.New(t.name).Option("missingkey=error").Funcs(fm).Parse(string(marked))
	if err != nil || mt.Execute(&buf, map[string]any(values)) != nil || !bytes.Equal(buf.Bytes(), want) {
		return nil
	}
	lines := bytes.Count(want, []byte("\n")) + 1
	out := make([]int, lines+1)
	off, m := 0, 0
	for l := 1; l <= lines; l++ {
		// The rendered line belongs to the last marker at or before its start.
		for m+1 < len(marks) && marks[m+1].off <= off {
			m++
		}
		if len(marks) > 0 && marks[m].off <= off {
			out[l] = marks[m].line
		}
		if nl := bytes.IndexByte(want[off:], '\n'); nl >= 0 {
			off += nl + 1
		}
	}
	return out
}

// markSource inserts a marker action at each line start inside literal
// text of the template (at any depth: inside range and if too).
func markSource(src []byte, tree *parse.Tree) []byte {
	offsets := []int{0}
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x == nil {
				return
			}
			for _, c := range x.Nodes {
				walk(c)
			}
		case *parse.TextNode:
			// Its start too: a range body's text starts each iteration.
			pos := int(x.Pos)
			offsets = append(offsets, pos)
			for i, b := range x.Text {
				if b == '\n' && pos+i+1 <= len(src) {
					offsets = append(offsets, pos+i+1)
				}
			}
		case *parse.IfNode:
			walk(x.List)
			walk(x.ElseList)
		case *parse.RangeNode:
			walk(x.List)
			walk(x.ElseList)
		case *parse.WithNode:
			walk(x.List)
			walk(x.ElseList)
		}
	}
	if tree != nil {
		walk(tree.Root)
	}
	sort.Ints(offsets)
	var b bytes.Buffer
	prev := 0
	for _, o := range offsets {
		if o < prev || o > len(src) {
			continue
		}
		b.Write(src[prev:o])
		fmt.Fprintf(&b, "{{%s %d}}", markFunc, bytes.Count(src[:o], []byte("\n"))+1)
		prev = o
	}
	b.Write(src[prev:])
	return b.Bytes()
}

// SourceLine returns line n (1-based) of the template's text.
func (t *Template) SourceLine(n int) string { return string(lineText(t.src, n)) }
