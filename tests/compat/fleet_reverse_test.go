package compat

// The YAML that transpile --reverse writes is Butane's dialect: Butane
// v0.29.0 accepts it and translates it to the same config as Kindling.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	butane "github.com/coreos/butane/config"
	butanecommon "github.com/coreos/butane/config/common"

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

// fleetJSON decodes a config into a value to compare, an empty
// compression being no compression.
func fleetJSON(t *testing.T, data []byte) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["compression"] == "" {
				delete(x, "compression")
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return v
}

func TestFleetReverseButaneAgrees(t *testing.T) {
	agreed := 0
	for _, name := range fleetCorpus(t) {
		src, _ := os.ReadFile(name)
		res, err := reverse.Reverse(src, reverse.Options{})
		if err != nil {
			continue // invalid configs; the reverse package's tests cover the rest
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
		if !reflect.DeepEqual(fleetJSON(t, ours), fleetJSON(t, theirs)) {
			t.Errorf("%s: Butane translates the reversed YAML differently\nours:   %s\ntheirs: %s", filepath.Base(name), ours, theirs)
			continue
		}
		agreed++
	}
	t.Logf("%d reversed configs translate the same in Butane", agreed)
	if agreed < 80 {
		t.Errorf("only %d configs agreed", agreed)
	}
}
