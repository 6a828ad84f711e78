package fleet

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/transpile/template"
)

// Finding is one entry of a translation's report, placed in the template
// where the rendered line it points at came from.
type Finding struct {
	Entry  report.Entry // Line (and Column if exact) in the template when Mapped
	Mapped bool
	Text   string // the entry written for people, with the line(s) it names
}

// locate places a report's entries, which point into the rendered text,
// in the template. The line map costs a second rendering, so it is only
// made when there is something to report.
// t is nil when the positions cannot be mapped.
func locate(t *template.Template, file, node string, values template.Values, rendered []byte, rep report.Report) []Finding {
	var lines []int
	mapped := t == nil
	out := make([]Finding, 0, len(rep.Entries))
	for _, e := range rep.Entries {
		if e.Line > 0 && !mapped {
			lines, mapped = t.LineMap(values), true
		}
		out = append(out, place(t, file, node, lines, rendered, e))
	}
	return out
}

func place(t *template.Template, file, node string, lines []int, rendered []byte, e report.Entry) Finding {
	who := ""
	if node != "" {
		who = fmt.Sprintf(", node %q", node)
	}
	var b strings.Builder
	if e.Line == 0 {
		fmt.Fprintf(&b, "%s: %s (%s%s): %s", e.Level, e.Path, file, who, e.Message)
		return Finding{Entry: e, Text: b.String()}
	}
	got := lineOf(rendered, e.Line)
	if e.Line < len(lines) && lines[e.Line] > 0 {
		tl := lines[e.Line]
		src := strings.ReplaceAll(t.SourceLine(tl), "\t", " ")
		placed := e
		placed.Line = tl
		if src == got {
			fmt.Fprintf(&b, "%s: %s (%s:%d:%d%s): %s\n    %s\n    %s^", e.Level, e.Path, file, tl, e.Column, who, e.Message, src, pad(e.Column))
			return Finding{Entry: placed, Mapped: true, Text: b.String()}
		}
		// Before the line's first substitution the columns agree.
		if e.Column > 0 && e.Column-1 <= commonPrefix(src, got) {
			fmt.Fprintf(&b, "%s: %s (%s:%d:%d%s): %s\n    template: %s\n              %s^\n    rendered: %s", e.Level, e.Path, file, tl, e.Column, who, e.Message, src, pad(e.Column), got)
			return Finding{Entry: placed, Mapped: true, Text: b.String()}
		}
		placed.Column = 0
		fmt.Fprintf(&b, "%s: %s (%s:%d%s): %s\n    template: %s\n    rendered: %s\n              %s^", e.Level, e.Path, file, tl, who, e.Message, src, got, pad(e.Column))
		return Finding{Entry: placed, Mapped: true, Text: b.String()}
	}
	fmt.Fprintf(&b, "%s: %s (%s as rendered:%d:%d%s): %s\n    %s\n    %s^", e.Level, e.Path, file, e.Line, e.Column, who, e.Message, got, pad(e.Column))
	return Finding{Entry: e, Text: b.String()}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func pad(col int) string { return strings.Repeat(" ", max(col-1, 0)) }

func lineOf(src []byte, n int) string {
	for i := 1; i < n; i++ {
		nl := bytes.IndexByte(src, '\n')
		if nl < 0 {
			return ""
		}
		src = src[nl+1:]
	}
	if nl := bytes.IndexByte(src, '\n'); nl >= 0 {
		src = src[:nl]
	}
	return strings.ReplaceAll(string(src), "\t", " ")
}

func texts(fs []Finding) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Text
	}
	return strings.Join(s, "\n")
}
