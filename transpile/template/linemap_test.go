package template

import "testing"

func TestLineMap(t *testing.T) {
	src := "a: 1\nkeys:\n{{ range .keys }}  - {{ . }}\n{{ end }}multi: |\n  {{ indent 2 .text }}\nlast: {{ .x }}\n"
	tpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	v := Values{"keys": []any{"k1", "k2", "k3"}, "text": "l1\nl2", "x": "y"}
	out, _ := tpl.Render("", v)
	// rendered: a: 1 / keys: / - k1 / - k2 / - k3 / multi: | / l1 / l2 / last: y
	m := tpl.LineMap(v)
	if m == nil {
		t.Fatalf("no map for\n%s", out)
	}
	want := []int{0, 1, 2, 3, 3, 3, 4, 5, 5, 6, 7}
	for l := 1; l < len(want) && l < len(m); l++ {
		if m[l] != want[l] {
			t.Errorf("rendered line %d -> %d, want %d (map %v)\n%s", l, m[l], want[l], m, out)
		}
	}
	// Trim markers: "b: 2" is still line 3, or there is no map at all.
	trim, _ := Parse("t.yaml", []byte("a: 1\n  {{- .x -}}\n  \nb: 2\n"))
	if m := trim.LineMap(Values{"x": "z"}); m != nil && (len(m) < 3 || m[1] != 1) {
		t.Errorf("trimmed map %v", m)
	}
}
