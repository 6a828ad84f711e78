package fleet

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocProgram keeps the program of docs/transpile/fleets.md the same as
// Example_cluster, which go test compiles and runs: its template and the
// body of main are the example's.
func TestDocProgram(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "transpile", "fleets.md"))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no Go program in fleets.md")
	}
	prog := string(m[1])
	body := between(t, prog, "func main() {\n", "\n}\n")
	want := between(t, string(ex), "func Example_cluster() {\n", "\n\n\t// Output:")
	if body != want {
		t.Errorf("main in fleets.md differs from Example_cluster:\n%s\n---\n%s", body, want)
	}
	tmpl := between(t, prog, "const clusterTemplate = `", "`")
	if !strings.Contains(string(ex), "const clusterTemplate = `"+tmpl+"`") {
		t.Error("the template in fleets.md differs from the example's")
	}
	if n := strings.Count(prog, "\n"); n > 50 {
		t.Errorf("the program has %d lines; keep it short", n)
	}
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("no %q", start)
	}
	out, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("no %q after %q", end, start)
	}
	return out
}
