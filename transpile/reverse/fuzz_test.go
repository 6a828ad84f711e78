package reverse

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kindling-dev/kindling/transpile"
)

// Reverse never panics, and whatever it returns translates back without
// errors (the equality itself Reverse checks on every call).
func FuzzReverse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "config", "testdata", "spec-examples", "3.4.0", "*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,%FF%00x"}}]}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := Reverse(src, Options{})
		if err != nil {
			return
		}
		if _, rep, err := transpile.Translate(res.YAML, transpile.Options{}); err != nil {
			t.Fatalf("reversed YAML does not translate: %v\n%s\n%s", err, rep, res.YAML)
		}
	})
}
