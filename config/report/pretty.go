package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// LineCol turns a byte offset in src into a 1-based line and a 1-based
// column counted in characters. Offsets past the end clamp to the end.
func LineCol(src []byte, offset int) (line, col int) {
	if offset < 0 {
		return 0, 0
	}
	if offset > len(src) {
		offset = len(src)
	}
	before := src[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col = utf8.RuneCount(before[lineStart:]) + 1
	return line, col
}

// Locate fills Line and Column of every entry that has an Offset.
func (r *Report) Locate(src []byte) {
	for i := range r.Entries {
		e := &r.Entries[i]
		if e.Offset >= 0 && e.Line == 0 {
			e.Line, e.Column = LineCol(src, e.Offset)
		}
	}
}

// sourceLine returns the text of the 1-based line in src.
func sourceLine(src []byte, line int) (string, bool) {
	for i := 1; i < line; i++ {
		nl := bytes.IndexByte(src, '\n')
		if nl < 0 {
			return "", false
		}
		src = src[nl+1:]
	}
	if nl := bytes.IndexByte(src, '\n'); nl >= 0 {
		src = src[:nl]
	}
	return strings.TrimRight(string(src), "\r"), true
}

// maxExcerpt bounds how much of one source line is printed, so that a
// minified one-line config does not flood the terminal.
const maxExcerpt = 120

// excerpt cuts a long line to a window around col and returns the window
// and the caret column within it.
func excerpt(line string, col int) (string, int) {
	runes := []rune(line)
	if len(runes) <= maxExcerpt {
		return line, col
	}
	start := col - maxExcerpt/2
	if start < 0 {
		start = 0
	}
	end := start + maxExcerpt
	if end > len(runes) {
		end = len(runes)
		start = end - maxExcerpt
	}
	prefix, suffix := "", ""
	if start > 0 {
		prefix = "..."
	}
	if end < len(runes) {
		suffix = "..."
	}
	return prefix + string(runes[start:end]) + suffix, col - start + len(prefix)
}

// Pretty writes each entry as "LEVEL: PATH (FILE:LINE:COL): MESSAGE",
// followed, when the source is known, by the offending line and a caret
// under the column. file may be empty; src may be nil.
func (r Report) Pretty(w io.Writer, file string, src []byte) error {
	for _, e := range r.Entries {
		if _, err := fmt.Fprintln(w, e.format(file)); err != nil {
			return err
		}
		if src == nil || e.Line == 0 {
			continue
		}
		line, ok := sourceLine(src, e.Line)
		if !ok {
			continue
		}
		// Tabs would shift the caret; show them as single spaces.
		line = strings.ReplaceAll(line, "\t", " ")
		text, col := excerpt(line, e.Column)
		if _, err := fmt.Fprintf(w, "    %s\n    %s^\n", text, strings.Repeat(" ", max(col-1, 0))); err != nil {
			return err
		}
	}
	return nil
}
