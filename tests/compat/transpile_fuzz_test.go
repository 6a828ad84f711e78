package compat

import (
	"path/filepath"
	"testing"
)

// FuzzTranslateDifferential feeds arbitrary bytes to both tools; they must
// agree as in the other differential tests. Seeded with Butane's docs
// examples. Run with: go test -run XXX -fuzz FuzzTranslateDifferential
func FuzzTranslateDifferential(f *testing.F) {
	for _, s := range butaneDocSamples(f) {
		f.Add(s.src)
	}
	f.Add([]byte("variant: fcos\nversion: 1.6.0\nstorage:\n  files:\n    - path: /a\n      mode: 0644\n      contents: {inline: \"x\"}\n"))
	files, _ := filepath.Abs(filepath.Join("testdata", "transpile", "docfiles"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<16 {
			return
		}
		s := sample{name: "fuzz", src: src, filesDir: files}
		if kind, msg := classify(s); kind == dialect {
			if _, ok := intentionalFor(s, msg); !ok {
				t.Errorf("%s\n  input:\n%s", msg, indent(string(src)))
			}
		}
	})
}
