package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPathString(t *testing.T) {
	type custom struct{ s string }
	for _, c := range []struct {
		p    Path
		want string
	}{
		{nil, "$"},
		{Path{}, "$"},
		{Path{"ignition"}, "ignition"},
		{Path{"storage", "files", 0, "contents", "source"}, "storage.files.0.contents.source"},
		{Path{"a", 12, 3}, "a.12.3"},
		{Path{"odd", custom{"x"}}, "odd.{x}"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.p, got, c.want)
		}
		if b, _ := c.p.MarshalText(); string(b) != c.want {
			t.Errorf("%#v: MarshalText %q", c.p, b)
		}
	}
}

// TestPathAppendNeverAliases: siblings appended to one parent keep their
// own last element even when the parent has spare capacity.
func TestPathAppendNeverAliases(t *testing.T) {
	parent := make(Path, 2, 8)
	parent[0], parent[1] = "storage", "files"
	a := parent.Append(0)
	b := parent.Append(1)
	if a.String() != "storage.files.0" || b.String() != "storage.files.1" || len(parent) != 2 {
		t.Errorf("a=%s b=%s parent=%s", a, b, parent)
	}
	c := a.Append("path")
	_ = a.Append("mode")
	if c.String() != "storage.files.0.path" {
		t.Errorf("c=%s", c)
	}
}

func TestLevelText(t *testing.T) {
	for _, l := range []Level{Info, Warning, Error} {
		b, err := l.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Level
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("%s: round trip %v %v", l, back, err)
		}
	}
	var l Level
	if err := l.UnmarshalText([]byte("fatal")); err == nil || !strings.Contains(err.Error(), `"fatal"`) {
		t.Errorf("unknown level: %v", err)
	}
	if Level(7).String() != "info" {
		t.Errorf("Level(7) = %s", Level(7))
	}
}

// TestEntryAndReportString: one line per entry, the position only when
// known, entries in the order they were added and merged.
func TestEntryAndReportString(t *testing.T) {
	var r Report
	r.Errorf(Path{"a"}, "first %d", 1)
	var other Report
	other.Warnf(nil, "second")
	other.Add(Info, Path{"b", 0}, "third")
	r.Merge(other)
	r.Entries[0].Line, r.Entries[0].Column = 2, 5
	want := "error: a (2:5): first 1\nwarning: $: second\ninfo: b.0: third\n"
	if got := r.String(); got != want {
		t.Errorf("String:\n%s\nwant:\n%s", got, want)
	}
	for _, e := range r.Entries {
		if e.Offset != -1 {
			t.Errorf("%s: offset %d, want -1 (unknown)", e, e.Offset)
		}
	}
	if got := r.Entries[0].format("c.ign"); got != "error: a (c.ign:2:5): first 1" {
		t.Errorf("with file: %s", got)
	}
	if got := r.Entries[1].format("c.ign"); got != "warning: $ (c.ign): second" {
		t.Errorf("with file, no line: %s", got)
	}
}

func TestLevelsOfAReport(t *testing.T) {
	var r Report
	if r.IsFatal() || r.HasWarnings() || r.FailsStrict() {
		t.Error("an empty report fails")
	}
	r.Add(Info, nil, "fyi")
	if r.IsFatal() || r.HasWarnings() {
		t.Error("info counts as a problem")
	}
	r.Entries = append(r.Entries, Entry{Level: Warning, BeyondReference: true})
	if r.IsFatal() || !r.HasWarnings() || r.FailsStrict() {
		t.Errorf("our own warning: fatal=%v warnings=%v strict=%v", r.IsFatal(), r.HasWarnings(), r.FailsStrict())
	}
	r.Warnf(nil, "the reference's")
	if r.IsFatal() || !r.FailsStrict() {
		t.Error("a reference warning must fail strict only")
	}
	r.Errorf(nil, "bad")
	if !r.IsFatal() {
		t.Error("an error is not fatal")
	}
}

// TestJSONShape: the wire form of an entry: level as a word, path as a
// dotted string, line, column and beyondReference left out when unset,
// the offset never written; a nil report is [] and never null.
func TestJSONShape(t *testing.T) {
	var r Report
	if b, err := json.Marshal(r); err != nil || string(b) != "[]" {
		t.Errorf("nil report: %s %v", b, err)
	}
	r.Errorf(Path{"storage", "files", 1, "path"}, "x <y> & z")
	r.Entries = append(r.Entries, Entry{Level: Warning, Path: Path{"a"}, Line: 4, Column: 2, Message: "m", BeyondReference: true, Offset: 99})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"level":"error","path":"storage.files.1.path","message":"x \u003cy\u003e \u0026 z"},` +
		`{"level":"warning","path":"a","line":4,"column":2,"message":"m","beyondReference":true}]`
	if string(b) != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", b, want)
	}
	doc, err := r.JSON("<stdin>")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte(`{"file":"<stdin>","entries":[{"level":"error","path":"storage.files.1.path","message":"x <y> & z"}`)) || bytes.HasSuffix(doc, []byte("\n")) {
		t.Errorf("document: %s", doc)
	}
}

func TestLineCol(t *testing.T) {
	src := []byte("ab\r\nçé x\n\nlast")
	for _, c := range []struct{ offset, line, col int }{
		{-1, 0, 0},
		{0, 1, 1},
		{2, 1, 3},  // the \r belongs to line 1
		{4, 2, 1},  // after \r\n
		{9, 2, 4},  // x after two 2-byte characters and a space
		{11, 3, 1}, // an empty line
		{12, 4, 1},
		{999, 4, 5}, // past the end clamps to the end
	} {
		if line, col := LineCol(src, c.offset); line != c.line || col != c.col {
			t.Errorf("offset %d: %d:%d, want %d:%d", c.offset, line, col, c.line, c.col)
		}
	}
}

// TestLocate fills positions from offsets, and keeps positions that are
// already known (from a YAML node, say).
func TestLocate(t *testing.T) {
	r := Report{Entries: []Entry{
		{Level: Error, Offset: 4},
		{Level: Error, Offset: -1},
		{Level: Error, Offset: 4, Line: 9, Column: 9},
	}}
	r.Locate([]byte("{\n  \"a\": 1}"))
	got := [3][2]int{{r.Entries[0].Line, r.Entries[0].Column}, {r.Entries[1].Line, r.Entries[1].Column}, {r.Entries[2].Line, r.Entries[2].Column}}
	if got != [3][2]int{{2, 3}, {0, 0}, {9, 9}} {
		t.Errorf("positions %v", got)
	}
}

func TestPretty(t *testing.T) {
	src := []byte("{\n\t\"a\": 1,\r\n  \"b\": true\n}")
	r := Report{Entries: []Entry{
		{Level: Error, Path: Path{"b"}, Line: 3, Column: 3, Message: "bad b"},
		{Level: Warning, Path: Path{"a"}, Line: 2, Column: 2, Message: "tab before a"},
		{Level: Warning, Path: Path{"z"}, Message: "no position"},
		{Level: Warning, Path: Path{"y"}, Line: 40, Column: 1, Message: "line past the end"},
	}}
	var out bytes.Buffer
	if err := r.Pretty(&out, "c.ign", src); err != nil {
		t.Fatal(err)
	}
	want := "error: b (c.ign:3:3): bad b\n" +
		"      \"b\": true\n" +
		"      ^\n" +
		"warning: a (c.ign:2:2): tab before a\n" +
		"     \"a\": 1,\n" + // the tab shown as one space, the \r dropped
		"     ^\n" +
		"warning: z (c.ign): no position\n" +
		"warning: y (c.ign:40:1): line past the end\n"
	if out.String() != want {
		t.Errorf("Pretty:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := r.Pretty(&out, "", nil); err != nil || strings.Count(out.String(), "\n") != 4 {
		t.Errorf("without source: %q %v", out.String(), err)
	}
}

// TestPrettyLongLine: a minified config's one line is cut to a window
// around the column, with the caret still under it.
func TestPrettyLongLine(t *testing.T) {
	line := strings.Repeat("x", 300) + "HERE" + strings.Repeat("y", 300)
	r := Report{Entries: []Entry{{Level: Error, Path: Path{"p"}, Line: 1, Column: 301, Message: "m"}}}
	var out bytes.Buffer
	r.Pretty(&out, "", []byte(line))
	lines := strings.Split(out.String(), "\n")
	text, caret := lines[1], lines[2]
	if !strings.HasPrefix(text, "    ...") || !strings.HasSuffix(text, "...") || len([]rune(text)) > 4+maxExcerpt+6 {
		t.Errorf("excerpt %q", text)
	}
	if i := strings.Index(caret, "^"); i < 0 || text[i:i+4] != "HERE" {
		t.Errorf("caret at %d does not point at HERE:\n%s\n%s", i, text, caret)
	}
	// Near the end the window is the line's last maxExcerpt characters.
	got, col := excerpt(line, len(line))
	if !strings.HasPrefix(got, "...") || strings.HasSuffix(got, "...") || col != maxExcerpt+3 {
		t.Errorf("end window: %q col %d", got, col)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestPrettyWriteError(t *testing.T) {
	r := Report{Entries: []Entry{{Level: Error, Line: 1, Column: 1, Message: "m"}}}
	if err := r.Pretty(failWriter{}, "", []byte("{}")); err == nil {
		t.Error("a write error was lost")
	}
}
