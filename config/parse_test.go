package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config/internal/jsontree"
	"github.com/kindling-dev/kindling/config/report"
)

// findEntry returns the first entry whose path string is path and whose
// message contains substr.
func findEntry(rep report.Report, path, substr string) *report.Entry {
	for i, e := range rep.Entries {
		if e.Path.String() == path && strings.Contains(e.Message, substr) {
			return &rep.Entries[i]
		}
	}
	return nil
}

func TestParseMinimalEveryVersion(t *testing.T) {
	for _, v := range Versions {
		cfg, rep, err := Parse([]byte(`{"ignition":{"version":"` + v.String() + `"}}`))
		if err != nil {
			t.Fatalf("%s: %v\n%s", v, err, rep)
		}
		want := Newest
		if Newest.Less(v) {
			want = v // the experimental version keeps its name
		}
		if cfg.Ignition.Version != want.String() {
			t.Errorf("%s: translated version = %q, want %q", v, cfg.Ignition.Version, want)
		}
	}
}

func TestParseVersionErrors(t *testing.T) {
	cases := map[string]string{
		`{"ignition":{"version":"2.3.0"}}`:              "legacy",
		`{"ignition":{"version":"3.7.0"}}`:              "newer than",
		`{"ignition":{"version":"3.8.0-experimental"}}`: "pre-release",
		`{"ignition":{"version":"3.6.0-experimental"}}`: "pre-release",
		`{"ignition":{"version":"3.6.0+build"}}`:        "build metadata",
		`{"ignition":{"version":"3.2.1"}}`:              "does not exist",
		`{"ignition":{"version":"three"}}`:              "not a spec version",
		`{"ignition":{"version":3}}`:                    "expected a string",
		`{"ignition":{}}`:                               "required",
		`{}`:                                            "required",
	}
	for in, want := range cases {
		_, rep, err := Parse([]byte(in))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", in, err)
			continue
		}
		if e := findEntry(rep, "ignition.version", want); e == nil || e.Line != 1 {
			t.Errorf("%s: want a positioned ignition.version error containing %q, got\n%s", in, want, rep)
		}
	}
}

func TestParsePositions(t *testing.T) {
	src := "{\n  \"ignition\": {\"version\": \"3.0.0\"},\n  \"storage\": {\n    \"files\": [\n      {\"path\": \"/a\", \"mode\": \"420\"}\n    ]\n  }\n}\n"
	_, rep, err := Parse([]byte(src))
	if err == nil {
		t.Fatal("want an error for a string mode")
	}
	e := findEntry(rep, "storage.files.0.mode", "expected an integer")
	if e == nil {
		t.Fatalf("no mode error in\n%s", rep)
	}
	if e.Line != 5 || e.Column != 30 {
		t.Errorf("mode error at %d:%d, want 5:30", e.Line, e.Column)
	}
}

func TestParseSyntaxErrorsArePositioned(t *testing.T) {
	cases := map[string][2]int{
		"{\n  \"ignition\": {\"version\": \"3.0.0\"},\n}": {3, 1},
		"[1, 2":             {1, 6},
		"":                  {1, 1},
		"{\"a\": tru}":      {1, 7},
		"{\"a\": \"\x01\"}": {1, 8},
	}
	for in, want := range cases {
		_, rep, err := Parse([]byte(in))
		if err == nil || len(rep.Entries) != 1 {
			t.Errorf("%q: want one error, got %v\n%s", in, err, rep)
			continue
		}
		if got := [2]int{rep.Entries[0].Line, rep.Entries[0].Column}; got != want {
			t.Errorf("%q: error at %v, want %v: %s", in, got, want, rep.Entries[0].Message)
		}
	}
}

func TestParseRejectsHostileInput(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if _, rep, err := Parse([]byte(deep)); err == nil || !strings.Contains(rep.String(), "nesting") {
		t.Errorf("deep nesting: err=%v\n%s", err, rep)
	}
	huge := `{"ignition":{"version":"3.6.0"},"passwd":{"users":[{"name":"a","uid":123456789012345678901234567890}]}}`
	if _, rep, err := Parse([]byte(huge)); err == nil || findEntry(rep, "passwd.users.0.uid", "out of range") == nil {
		t.Errorf("huge number: err=%v\n%s", err, rep)
	}
	float := `{"ignition":{"version":"3.6.0"},"passwd":{"users":[{"name":"a","uid":1.5}]}}`
	if _, rep, err := Parse([]byte(float)); err == nil || findEntry(rep, "passwd.users.0.uid", "expected an integer") == nil {
		t.Errorf("fractional number: err=%v\n%s", err, rep)
	}
}

func TestUnknownAndTooNewKeysWarn(t *testing.T) {
	src := `{"ignition":{"version":"3.2.0"},"kernelArguments":{"shouldExist":["a"]},"bogus":1,
"storage":{"luks":[{"name":"x","device":"/dev/vda","discard":true}]}}`
	cfg, rep, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("warnings must not invalidate: %v\n%s", err, rep)
	}
	for _, p := range []string{"kernelArguments", "bogus", "storage.luks.0.discard"} {
		e := findEntry(rep, p, "unused key")
		if e == nil || e.Level != report.Warning {
			t.Errorf("no unused-key warning for %s in\n%s", p, rep)
		}
	}
	if len(cfg.KernelArguments.ShouldExist) != 0 || cfg.Storage.Luks[0].Discard != nil {
		t.Errorf("fields unknown to 3.2.0 must not be decoded: %+v", cfg)
	}
	// The same keys are fine in the newest version.
	src36 := strings.Replace(strings.Replace(src, "3.2.0", "3.6.0", 1), `"bogus":1,`, "", 1)
	if _, rep, err := Parse([]byte(src36)); err != nil || findEntry(rep, "", "unused") != nil || rep.HasWarnings() {
		t.Errorf("3.6.0 should accept the keys: %v\n%s", err, rep)
	}
}

func TestSpecialModeBitsDroppedBefore36(t *testing.T) {
	for _, v := range Versions {
		src := `{"ignition":{"version":"` + v.String() + `"},"storage":{"files":[{"path":"/usr/bin/x","mode":2541}],"directories":[{"path":"/tmp/x","mode":1023}]}}`
		cfg, rep, err := Parse([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v\n%s", v, err, rep)
		}
		fileMode, dirMode := *cfg.Storage.Files[0].Mode, *cfg.Storage.Directories[0].Mode
		if v.AtLeast(V3_6) {
			if fileMode != 0o4755 || dirMode != 0o1777 {
				t.Errorf("%s: modes %o %o, want 4755 1777", v, fileMode, dirMode)
			}
			continue
		}
		if fileMode != 0o755 || dirMode != 0o777 {
			t.Errorf("%s: modes %o %o, want 755 777", v, fileMode, dirMode)
		}
		if e := findEntry(rep, "storage.files.0.mode", "setuid"); e == nil || e.Line != 1 {
			t.Errorf("%s: want a positioned warning about special bits\n%s", v, rep)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	src := `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","mode":420,"contents":{"source":"data:,hi"}}]},"systemd":{"units":[{"name":"a.service","enabled":true,"contents":"[Unit]\n"}]}}`
	cfg, rep, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	out, err := Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(src), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %s\nwant %s", out, src)
	}
}

// laterRules are rules that start at a later version than some configs
// are written for; the canonical (newest) form of such a config can break
// them without the config having changed, so the round trip allows them.
var laterRules = []struct {
	since Version
	msg   string
}{
	{V3_3, "link target is required"},
	{V3_1, "needs a source URL"},
	{V3_1, "no source to verify"},
}

func onlyLaterRules(from Version, rep report.Report) bool {
	for _, e := range rep.Entries {
		if e.Level != report.Error {
			continue
		}
		ok := false
		for _, r := range laterRules {
			ok = ok || (from.Less(r.since) && strings.Contains(e.Message, r.msg))
		}
		if !ok {
			return false
		}
	}
	return true
}

// cfg0Version is the version a valid config declared.
func cfg0Version(data []byte) Version {
	_, node := versionNode(mustTree(data))
	v, _ := ParseVersion(node.Text)
	return v
}

func mustTree(data []byte) *jsontree.Node {
	tree, err := jsontree.Parse(data)
	if err != nil {
		panic(err)
	}
	return tree
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"ignition":{"version":"3.0.0","config":{"merge":[{}]}},"storage":{"links":[{"path":"/a"}]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.2.0"},"storage":{"luks":[{"name":"a","device":"/dev/a","clevis":{"custom":{"needsNetwork":true}}}]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.6.0"}}`))
	f.Add([]byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","mode":420}]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.4.0"},"storage":{"luks":[{"name":"x","device":"/dev/a","clevis":{"tang":[{"url":"http://t"}]}}]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","contents":"[Install]\nWantedBy=x"}]}}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, rep, err := Parse(data)
		if err != nil {
			if !rep.IsFatal() {
				t.Fatalf("error without an error entry: %v", err)
			}
			return
		}
		// A valid config must serialize and parse again as valid.
		out, merr := Marshal(cfg)
		if merr != nil {
			t.Fatalf("marshal: %v", merr)
		}
		if _, rep2, err := Parse(out); err != nil && !onlyLaterRules(cfg0Version(data), rep2) {
			t.Fatalf("re-parse of %s failed: %v\n%s", out, err, rep2)
		}
	})
}

// The reference reads version numbers with strconv.ParseInt after cutting
// off "-pre" and "+meta", so these spellings are valid there and here, with
// a warning naming the canonical spelling.
func TestParseVersionSpellings(t *testing.T) {
	cases := map[string]Version{
		"3.7.0-experimental": V3_7Exp,
		"03.6.0":             V3_6,
		"3.6.0-":             V3_6,
		"3.6.0+":             V3_6,
	}
	for in, want := range cases {
		cfg, rep, err := Parse([]byte(`{"ignition":{"version":"` + in + `"}}`))
		if err != nil {
			t.Errorf("%s: %v\n%s", in, err, rep)
			continue
		}
		if cfg.Ignition.Version != want.String() {
			t.Errorf("%s: version %q, want %q", in, cfg.Ignition.Version, want)
		}
		if warned := findEntry(rep, "ignition.version", "write it that way") != nil; warned != (in != want.String()) {
			t.Errorf("%s: spelling warning = %v\n%s", in, warned, rep)
		}
	}
}

// Invalid UTF-8 in a string is read as U+FFFD per bad byte, as the
// reference's decoder (encoding/json) reads it, not rejected.
func TestParseInvalidUTF8(t *testing.T) {
	cfg, rep, err := Parse([]byte("{\"ignition\":{\"version\":\"3.6.0\"},\"storage\":{\"files\":[{\"path\":\"/a\xff\xfeb\"}]}}"))
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	if got := cfg.Storage.Files[0].Path; got != "/a\uFFFD\uFFFDb" {
		t.Errorf("path = %q", got)
	}
}

// Keys match fields case-insensitively with Unicode simple folding, the
// version included, as encoding/json matches them; the last match wins.
func TestParseFoldedKeys(t *testing.T) {
	for _, src := range []string{
		`{"ignition":{"veRsion":"3.0.0"}}`,
		`{"IGNITION":{"verſion":"3.0.0"}}`,
		`{"ignition":{"version":"9.9.9","Version":"3.0.0"}}`,
	} {
		cfg, rep, err := Parse([]byte(src))
		if err != nil {
			t.Errorf("%s: %v\n%s", src, err, rep)
			continue
		}
		if cfg.Ignition.Version != Newest.String() {
			t.Errorf("%s: version %q", src, cfg.Ignition.Version)
		}
	}
}

// A key given twice decodes into what the first one set, as encoding/json
// does: objects merge, lists merge element by element, null changes
// nothing.
func TestParseDuplicateKeysMerge(t *testing.T) {
	src := `{"ignition":{"version":"3.1.0","timeouts":{"httpTotal":5}},"ignition":{"version":null,"config":{}},
		"storage":{"files":[{"path":"/a","mode":420},{"path":"/b"}]},"storage":{"files":[{"path":"/c"}]}}`
	cfg, rep, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	if cfg.Ignition.Timeouts.HTTPTotal == nil || *cfg.Ignition.Timeouts.HTTPTotal != 5 {
		t.Errorf("timeouts of the first ignition object lost: %+v", cfg.Ignition.Timeouts)
	}
	if f := cfg.Storage.Files; len(f) != 1 || f[0].Path != "/c" || f[0].Mode == nil || *f[0].Mode != 420 {
		t.Errorf("files = %+v, want one /c keeping mode 420", f)
	}
}

// Nesting is limited where encoding/json limits it: 10000 arrays and
// objects.
func TestParseNestingLimit(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(`{"ignition":{"version":"3.6.0"},"x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`)
	}
	if _, rep, err := Parse(nest(10000)); err != nil {
		t.Errorf("10000 levels: %v\n%s", err, rep)
	}
	if _, _, err := Parse(nest(10001)); err == nil {
		t.Error("10001 levels accepted")
	}
}

// null unsets an optional field given earlier in the same object, and
// leaves a field alone that the config's version declares as a plain
// value, as encoding/json does with each version's types.
func TestParseNullAfterValue(t *testing.T) {
	src := func(v string) []byte {
		return []byte(`{"ignition":{"version":"` + v + `"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,x"},"overwrite":true,"contents":{"source":null}}],
			"links":[{"path":"/l","target":"/t","target":null}]}}`)
	}
	// The file's source is gone, so overwrite without a source is refused.
	_, rep, err := Parse(src("3.2.0"))
	if err == nil || findEntry(rep, "storage.files.0.overwrite", "contents.source") == nil {
		t.Errorf("3.2.0: want the overwrite error, got %v\n%s", err, rep)
	}
	// In 3.6.0 the link target is optional too, so it is gone as well.
	_, rep, _ = Parse(src("3.6.0"))
	if findEntry(rep, "storage.links.0.target", "required") == nil {
		t.Errorf("3.6.0: want the target error, got\n%s", rep)
	}
	// In 3.2.0 it is a plain string: null leaves "/t".
	if findEntry(rep2(t, src("3.2.0")), "storage.links.0.target", "no target") != nil {
		t.Errorf("3.2.0: the link target was unset by null")
	}
}

func rep2(t *testing.T, src []byte) report.Report {
	t.Helper()
	_, rep, _ := Parse(src)
	return rep
}
