package jsontree

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config/report"
)

func mustParse(t *testing.T, src string) *Node {
	t.Helper()
	n, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return n
}

// TestOffsetsToLineColumn: offsets are bytes, and report.LineCol turns them
// into lines and columns counted in characters, across multibyte text and
// CRLF line ends.
func TestOffsetsToLineColumn(t *testing.T) {
	src := "{\r\n  \"ünï\": \"日本\",\r\n\t\"b\": [1, {\"c\": null}]\r\n}"
	root := mustParse(t, src)
	cases := []struct {
		what       string
		offset     int
		line, col  int
		wantPrefix string
	}{
		{"root", root.Offset, 1, 1, "{"},
		{"key with multibyte", root.Members[0].KeyOffset, 2, 3, `"ünï"`},
		{"value after multibyte key", root.Members[0].Value.Offset, 2, 10, `"日本"`},
		{"key after a tab", root.Members[1].KeyOffset, 3, 2, `"b"`},
		{"list", root.Lookup("b").Offset, 3, 7, "[1"},
		{"number in list", root.Lookup("b").Items[0].Offset, 3, 8, "1,"},
		{"nested null", root.Lookup("b").Items[1].Lookup("c").Offset, 3, 17, "null"},
	}
	for _, c := range cases {
		if !strings.HasPrefix(src[c.offset:], c.wantPrefix) {
			t.Errorf("%s: offset %d points at %.8q, want %q", c.what, c.offset, src[c.offset:], c.wantPrefix)
		}
		if line, col := report.LineCol([]byte(src), c.offset); line != c.line || col != c.col {
			t.Errorf("%s: %d:%d, want %d:%d", c.what, line, col, c.line, c.col)
		}
	}
}

// TestSyntaxErrorOffsets: a failure names the byte where it was found.
func TestSyntaxErrorOffsets(t *testing.T) {
	cases := []struct {
		src    string
		offset int
		msg    string
	}{
		{`{"a":1,}`, 7, "expected a quoted object key"},
		{`{"a" 1}`, 5, "expected ':'"},
		{`{"a":1 "b":2}`, 7, "expected ',' or '}'"},
		{`[1 2]`, 3, "expected ',' or ']'"},
		{`{"é":tru}`, 6, "expected a value"},
		{`{} {}`, 3, "after the top-level value"},
		{`{"a":"x`, 7, "unterminated string"},
		{"\"a\tb\"", 2, "control character"},
		{`"\x"`, 2, `invalid escape '\x'`},
		{`"\u12G4"`, 3, `\u escape`},
		{`"\u12"`, 3, `\u escape`},
		{``, 0, "unexpected end of input"},
		{`[`, 1, "end of input"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.src))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v, want a SyntaxError", c.src, err)
			continue
		}
		if se.Offset != c.offset || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("%q: offset %d %q, want offset %d and %q", c.src, se.Offset, se.Msg, c.offset, c.msg)
		}
		if !strings.HasPrefix(se.Error(), "offset ") {
			t.Errorf("%q: Error() = %q", c.src, se.Error())
		}
	}
}

// TestStrictAsEncodingJSON: jsontree accepts exactly what Go's
// encoding/json (the reference's decoder) accepts.
func TestStrictAsEncodingJSON(t *testing.T) {
	for _, src := range []string{
		`{}`, `[]`, ` {"a" : [ 1 , 2 ] } `, `null`, `true`, `false`, `"s"`, `0`, `-0`, `1.5e+10`, `-2E-3`, `1e5`,
		`01`, `1.`, `.5`, `+1`, `-`, `1e`, `1e+`, `0x10`, `NaN`, `Infinity`, `nul`, `True`,
		`{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a"}`, `{a:1}`, `{'a':1}`, `// c` + "\n{}", `{} x`, `{}}`, `[]]`,
		"\"\x01\"", `"\/\b\f\n\r\t\\\""`, `"\u00e9"`, `"\uD83D\uDE00"`, `"\uD83D"`, `"\uDE00\uD83D"`, `"\uD83Dx"`,
		"\ufeff{}", "{}\x00", "\u00a0{}", "{\"a\":1}\n\r\t ",
	} {
		_, err := Parse([]byte(src))
		if got, want := err == nil, json.Valid([]byte(src)); got != want {
			t.Errorf("%q: jsontree accepts = %v, encoding/json = %v (%v)", src, got, want, err)
		}
	}
}

// TestStringsDecodeAsEncodingJSON: escapes, surrogate pairs, lone
// surrogates and invalid UTF-8 decode to the bytes encoding/json gives.
func TestStringsDecodeAsEncodingJSON(t *testing.T) {
	for _, src := range []string{
		`"plain"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u00e9\u65e5"`, `"\uD83D\uDE00"`,
		`"\uD83D"`, `"\uD83D\u0041"`, `"\uDE00"`, `"\uD83D\uD83D\uDE00"`, "\"\xff\xfe ok\"", "\"caf\xc3\"", `""`,
	} {
		var want string
		if err := json.Unmarshal([]byte(src), &want); err != nil {
			t.Fatalf("%q: encoding/json: %v", src, err)
		}
		if n := mustParse(t, src); n.Kind != String || n.Text != want {
			t.Errorf("%q: %v %q, want %q", src, n.Kind, n.Text, want)
		}
	}
}

// TestDuplicateKeysKept: every member is kept in input order (the decoder
// warns about repeats); Lookup gives the last, as encoding/json does.
func TestDuplicateKeysKept(t *testing.T) {
	root := mustParse(t, `{"a":1,"b":2,"a":3}`)
	if len(root.Members) != 3 || root.Members[0].Key != "a" || root.Members[2].Key != "a" {
		t.Fatalf("members %+v", root.Members)
	}
	if root.Members[2].KeyOffset != 13 {
		t.Errorf("second a at %d, want 13", root.Members[2].KeyOffset)
	}
	if got := root.Lookup("a"); got == nil || got.Text != "3" {
		t.Errorf("Lookup(a) = %+v, want the last", got)
	}
	if root.Lookup("zz") != nil {
		t.Error("Lookup of a missing key")
	}
	var nilNode *Node
	if nilNode.Lookup("a") != nil || mustParse(t, `[1]`).Lookup("a") != nil {
		t.Error("Lookup on nil or on a list found something")
	}
}

// TestDepthLimit: MaxDepth levels of nesting parse, as in encoding/json,
// and one more is refused before it is descended into, for lists and
// objects alike.
func TestDepthLimit(t *testing.T) {
	lists := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	objects := func(n int) string { return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1) }
	for name, nest := range map[string]func(int) string{"lists": lists, "objects": objects} {
		deepest := []byte(nest(MaxDepth))
		if _, err := Parse(deepest); err != nil || !json.Valid(deepest) {
			t.Errorf("%s: %d levels: %v (encoding/json valid: %v)", name, MaxDepth, err, json.Valid(deepest))
		}
		_, err := Parse([]byte(nest(MaxDepth + 1)))
		if err == nil || !strings.Contains(err.Error(), "nesting deeper than") {
			t.Errorf("%s: %d levels: err = %v", name, MaxDepth+1, err)
		}
	}
}

// TestNumbersKeepTheirText: numbers are not converted, so range errors
// are the target type's to report.
func TestNumbersKeepTheirText(t *testing.T) {
	for _, src := range []string{"0", "-0", "420", "1.50", "1e400", "-12345678901234567890123", "2E-3"} {
		if n := mustParse(t, src); n.Kind != Number || n.Text != src {
			t.Errorf("%s: %v %q", src, n.Kind, n.Text)
		}
	}
	// A leading zero ends the number: 0644 (a mode written in octal) is
	// not JSON, and the error points after the 0.
	var se *SyntaxError
	if _, err := Parse([]byte(`{"mode": 0644}`)); !errors.As(err, &se) || se.Offset != 10 {
		t.Errorf("0644: %v, want a syntax error at offset 10", err)
	}
}

// TestKinds: every JSON type maps to its Kind and the Kind's name is the
// word messages use.
func TestKinds(t *testing.T) {
	root := mustParse(t, `[null, true, false, 1, "s", [], {}]`)
	want := []struct {
		kind Kind
		name string
	}{{Null, "null"}, {Bool, "boolean"}, {Bool, "boolean"}, {Number, "number"}, {String, "string"}, {Array, "list"}, {Object, "object"}}
	for i, w := range want {
		if n := root.Items[i]; n.Kind != w.kind || n.Kind.String() != w.name {
			t.Errorf("item %d: %v (%s), want %v (%s)", i, n.Kind, n.Kind, w.kind, w.name)
		}
	}
	if !root.Items[1].Bool || root.Items[2].Bool {
		t.Error("booleans decoded wrong")
	}
	if Kind(99).String() != "unknown" {
		t.Errorf("Kind(99) = %s", Kind(99))
	}
}

// benchDoc is a config-shaped document of about 1 MB.
func benchDoc() []byte {
	var b strings.Builder
	b.WriteString(`{"ignition":{"version":"3.6.0"},"storage":{"files":[`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"path":"/etc/app/conf` + strings.Repeat("x", i%7) + `.txt","mode":420,"overwrite":true,"contents":{"source":"data:,` + strings.Repeat("abcdefghij", 15) + `"}}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// BenchmarkParse and BenchmarkEncodingJSON compare the tree with decoding
// the same document into generic values with encoding/json, which keeps
// no positions.
func BenchmarkParse(b *testing.B) {
	doc := benchDoc()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodingJSON(b *testing.B) {
	doc := benchDoc()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
	}
}
