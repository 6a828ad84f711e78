package transpile

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestDocExamples transpiles every YAML example of docs/transpile with
// strict checking and parses the JSON result with config.Parse.
func TestDocExamples(t *testing.T) {
	docs := filepath.Join("..", "docs", "transpile")
	pages, err := filepath.Glob(filepath.Join(docs, "*.md"))
	if err != nil || len(pages) < 5 {
		t.Fatalf("expected the variant pages in %s, found %v (%v)", docs, pages, err)
	}
	total := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range yamlBlock.FindAllSubmatch(text, -1) {
			total++
			name := filepath.Base(page) + "#" + string(rune('0'+i/10)) + string(rune('0'+i%10))
			t.Run(name, func(t *testing.T) {
				src := m[1]
				files := filepath.Join(docs, "files")
				// Strict on the output users get (a MachineConfig for
				// openshift, where raw mode warns about its fields), then
				// the bare config for parsing.
				if _, rep, err := Translate(src, Options{FilesDir: files, Strict: true}); err != nil {
					t.Fatalf("%v\n%s\n%s", err, rep, src)
				}
				out, rep, err := Translate(src, Options{FilesDir: files, Raw: true})
				if err != nil {
					t.Fatalf("%v\n%s\n%s", err, rep, src)
				}
				cfg, prep, err := config.Parse(out)
				if err != nil || prep.IsFatal() || prep.HasWarnings() {
					t.Fatalf("result does not parse cleanly: %v\n%s\n%s", err, prep, out)
				}
				if !strings.Contains(string(src), "variant:") || cfg.Ignition.Version == "" {
					t.Errorf("example lacks a header or version")
				}
			})
		}
	}
	if total < 20 {
		t.Errorf("only %d examples found; the pages should carry many", total)
	}
}
