package providers

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestPlatformsDocMatchesRegistry: docs/platforms.md has a row for every
// registered platform, and that row shows, in backquotes, exactly what the
// registry says the platform reads and which headers it sends.
func TestPlatformsDocMatchesRegistry(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/platforms.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `"); ok {
			id, _, _ := strings.Cut(rest, "`")
			rows[id] = line
		}
	}
	for _, name := range Names() {
		row, ok := rows[name]
		if !ok {
			t.Errorf("docs/platforms.md has no row for platform %s", name)
			continue
		}
		src, _ := Describe(name)
		for _, s := range append(append([]string{}, src.Reads...), src.Headers...) {
			if !strings.Contains(row, "`"+s+"`") {
				t.Errorf("docs/platforms.md row %s does not show `%s`", name, s)
			}
		}
	}
	for id := range rows {
		if _, ok := Describe(id); !ok {
			t.Errorf("docs/platforms.md has a row for %s, which is not a platform", id)
		}
	}
}

// TestSourcesAreWellFormed: every header a platform declares is "Name" or
// "Name: value" with a valid header name, and reads are not blank. With
// -v it prints the cells of docs/platforms.md's second column.
func TestSourcesAreWellFormed(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		src, _ := Describe(name)
		var cells []string
		for _, s := range src.Reads {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: blank read", name)
			}
			cells = append(cells, "`"+s+"`")
		}
		for _, h := range src.Headers {
			k, _, _ := strings.Cut(h, ": ")
			if k == "" || strings.ContainsAny(k, " :\t") || http.CanonicalHeaderKey(k) == "" {
				t.Errorf("%s: malformed header %q", name, h)
			}
			cells = append(cells, "header `"+h+"`")
		}
		t.Logf("%s\t%s", name, strings.Join(cells, "; "))
	}
}
