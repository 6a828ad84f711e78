package compat

// The YAML that transpile --reverse writes is Butane's dialect: Butane
// v0.29.0 accepts it and translates it to the same config as Kindling.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	butane "github.com/coreos/butane/config"
	butanecommon "github.com/coreos/butane/config/common"
	ignition "github.com/coreos/ignition/v2/config"

	"github.com/kindling-dev/kindling/transpile"
	"github.com/kindling-dev/kindling/transpile/reverse"
)

func fleetCorpus(t *testing.T) []string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "wild-configs", "ign")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no corpus: %v", err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	return names
}

// fleetSame compares two configs as reverse's own check does.
func fleetSame(t *testing.T, a, b []byte) bool {
	same, err := reverse.SameConfig(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return same
}

// fleetValidatorDifferences are configs Ignition accepts and config.Parse
// rejects, so they cannot be reversed: differences of the validator, which
// its own differential test reports. None are left.
var fleetValidatorDifferences = map[string]bool{}

func TestFleetReverseButaneAgrees(t *testing.T) {
	agreed := 0
	for _, name := range fleetCorpus(t) {
		src, _ := os.ReadFile(name)
		res, err := reverse.Reverse(src, reverse.Options{})
		if err != nil {
			// Only configs the reference rejects may fail to reverse.
			if _, rpt, ierr := ignition.Parse(src); ierr == nil && !rpt.IsFatal() && !fleetValidatorDifferences[filepath.Base(name)] {
				t.Errorf("%s: Ignition accepts it, reverse fails: %v\n%s", filepath.Base(name), err, res.Report)
			}
			continue
		}
		ours, _, err := transpile.Translate(res.YAML, transpile.Options{})
		if err != nil {
			t.Errorf("%s: ours: %v", filepath.Base(name), err)
			continue
		}
		theirs, rpt, err := butane.TranslateBytes(res.YAML, butanecommon.TranslateBytesOptions{})
		if err != nil || rpt.IsFatal() {
			t.Errorf("%s: Butane rejects the reversed YAML: %v %v\n%s", filepath.Base(name), err, rpt, res.YAML)
			continue
		}
		if !fleetSame(t, ours, theirs) {
			t.Errorf("%s: Butane translates the reversed YAML differently\nours:   %s\ntheirs: %s", filepath.Base(name), ours, theirs)
			continue
		}
		if fleetValidatorDifferences[filepath.Base(name)] {
			t.Logf("%s reverses now: remove it from fleetValidatorDifferences", filepath.Base(name))
		}
		agreed++
	}
	t.Logf("%d reversed configs translate the same in Butane", agreed)
	if agreed < 80 {
		t.Errorf("only %d configs agreed", agreed)
	}
}

// fleetButaneDocs are the YAML examples of Butane's docs.
func fleetButaneDocs(t *testing.T) [][]byte {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "github.com", "coreos", "butane@v0.29.0", "docs")
	pages := markdownPages(t, dir)
	if len(pages) == 0 {
		t.Skipf("no Butane docs in %s", dir)
	}
	var docs [][]byte
	for _, p := range pages {
		for _, m := range yamlFence.FindAllSubmatch(p.text, -1) {
			if bytes.Contains(m[1], []byte("variant:")) {
				docs = append(docs, m[1])
			}
		}
	}
	return docs
}

// Butane's own doc examples, translated by Butane, reversed by Kindling
// and translated by Butane again, give Butane's first config.
func TestFleetReverseButaneDocs(t *testing.T) {
	files, _ := filepath.Abs(filepath.Join("testdata", "transpile", "docfiles"))
	opts := butanecommon.TranslateBytesOptions{Raw: true}
	opts.FilesDir = files
	n := 0
	for i, doc := range fleetButaneDocs(t) {
		first, rpt, err := butane.TranslateBytes(doc, opts)
		if err != nil || rpt.IsFatal() {
			continue // examples of errors
		}
		res, err := reverse.Reverse(first, reverse.Options{})
		if err != nil {
			t.Errorf("example %d: %v\n%s", i, err, doc)
			continue
		}
		again, rpt, err := butane.TranslateBytes(res.YAML, butanecommon.TranslateBytesOptions{})
		if err != nil || rpt.IsFatal() {
			t.Errorf("example %d: Butane rejects the reversed YAML: %v %v\n%s", i, err, rpt, res.YAML)
			continue
		}
		if !fleetSame(t, first, again) {
			t.Errorf("example %d: round trip through Butane differs\nfirst: %s\nagain: %s", i, first, again)
			continue
		}
		n++
	}
	t.Logf("%d Butane doc examples round-trip through Butane", n)
	if n < 20 {
		t.Errorf("only %d examples", n)
	}
}
