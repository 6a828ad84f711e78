package compat

// Differential test of the YAML dialect: Kindling's transpile.Translate and
// Butane's config.TranslateBytes get the same input and must agree on the
// verdict (plain and --strict) and, on success, on the JSON value, list order
// included, with generated data: URL contents compared byte for byte.

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	butane "github.com/coreos/butane/config"
	butanecommon "github.com/coreos/butane/config/common"
	ignition "github.com/coreos/ignition/v2/config"
	ignexp "github.com/coreos/ignition/v2/config/v3_7_experimental"
	ignreport "github.com/coreos/vcontext/report"
	"go.yaml.in/yaml/v3"

	"github.com/kindling-dev/kindling/transpile"
)

// sample is one input of the differential test.
type sample struct {
	name     string
	src      []byte
	filesDir string
}

// answer is what one side said about an input.
type answer struct {
	err       error  // plain translation failed
	strictErr bool   // --strict would fail
	out       []byte // raw JSON config on success
	wrapped   []byte // openshift: MachineConfig YAML (not raw)
	entries   string // the report, for the disagreement message
}

func butaneAnswer(s sample) answer {
	opts := butanecommon.TranslateBytesOptions{Raw: true}
	opts.FilesDir = s.filesDir
	out, rep, err := butane.TranslateBytes(s.src, opts)
	a := answer{err: err, out: out, entries: rep.String()}
	// Butane's --strict fails on any entry, warnings and infos alike.
	a.strictErr = err != nil || len(rep.Entries) > 0
	if err == nil && isOpenshift(s.src) {
		opts.Raw = false
		a.wrapped, _, _ = butane.TranslateBytes(s.src, opts)
	}
	return a
}

func kindlingAnswer(s sample) answer {
	opts := transpile.Options{FilesDir: s.filesDir, Raw: true}
	out, rep, err := transpile.Translate(s.src, opts)
	a := answer{err: err, out: out, entries: rep.String()}
	a.strictErr = err != nil || rep.FailsStrict()
	if err == nil && isOpenshift(s.src) {
		opts.Raw = false
		a.wrapped, _, _ = transpile.Translate(s.src, opts)
	}
	return a
}

var openshiftRE = regexp.MustCompile(`(?m)^variant:\s*["']?openshift`)

func isOpenshift(src []byte) bool { return openshiftRE.Match(src) }

// kindlingWithIgnitionValidator is Kindling's translation with the
// reference validator in place of config.Validate: when it agrees with
// Butane where Kindling does not, the difference is the validator's (the
// config package), not the dialect's.
func kindlingWithIgnitionValidator(s sample) answer {
	opts := transpile.Options{FilesDir: s.filesDir, Raw: true, NoValidate: true}
	out, rep, err := transpile.Translate(s.src, opts)
	a := answer{err: err, out: out, entries: rep.String()}
	a.strictErr = err != nil || rep.FailsStrict()
	if err != nil {
		return a
	}
	var irep ignreport.Report
	if strings.Contains(string(out), "3.7.0-experimental") {
		_, irep, _ = ignexp.Parse(out)
	} else {
		_, irep, _ = ignition.Parse(out)
	}
	a.entries += irep.String()
	if irep.IsFatal() {
		a.err = errors.New("ignition validator rejects the output")
	}
	a.strictErr = a.strictErr || len(irep.Entries) > 0
	return a
}

// Kinds of disagreement.
const (
	agree     = ""
	dialect   = "dialect"   // transpile's own doing
	validator = "validator" // config.Validate differs from Ignition's
)

// classify says whether the tools disagree on s and whose doing it is.
func classify(s sample) (kind, msg string) {
	msg = disagreement(s)
	if msg == "" {
		return agree, ""
	}
	b := butaneAnswer(s)
	b.wrapped = nil // the alternative is compared on the bare config only
	alt := compareAnswers(b, kindlingWithIgnitionValidator(s))
	if _, excused := intentionalFor(s, alt); alt == "" || excused {
		return validator, msg
	}
	return dialect, msg
}

// disagreement compares the two answers; "" when they agree.
func disagreement(s sample) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("panic: %v", r)
		}
	}()
	return compareAnswers(butaneAnswer(s), kindlingAnswer(s))
}

func compareAnswers(b, k answer) string {
	if (b.err != nil) != (k.err != nil) {
		return fmt.Sprintf("verdict: butane err=%v\n  butane report:\n%s  kindling err=%v\n  kindling report:\n%s",
			b.err, indent(b.entries), k.err, indent(k.entries))
	}
	if b.strictErr != k.strictErr {
		return fmt.Sprintf("strict verdict: butane fails=%v kindling fails=%v\n  butane report:\n%s  kindling report:\n%s",
			b.strictErr, k.strictErr, indent(b.entries), indent(k.entries))
	}
	if b.err != nil {
		return ""
	}
	if d := diffJSON(b.out, k.out); d != "" {
		return "output differs:\n" + d
	}
	if b.wrapped != nil || k.wrapped != nil {
		if d := diffYAML(b.wrapped, k.wrapped); d != "" {
			return "MachineConfig differs:\n" + d
		}
		// The MachineConfig is text users keep in git: same bytes (the
		// butane command adds the final newline).
		if want := append(append([]byte(nil), b.wrapped...), '\n'); !bytes.Equal(want, k.wrapped) {
			return fmt.Sprintf("MachineConfig bytes differ:\n  butane   %q\n  kindling %q\n", yamlClip(want), yamlClip(k.wrapped))
		}
	}
	return ""
}

func indent(s string) string {
	if s == "" {
		return "    (empty)\n"
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

func diffJSON(want, got []byte) string {
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return "butane output is not JSON: " + err.Error()
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return "kindling output is not JSON: " + err.Error()
	}
	return diffValues(w, g)
}

func diffYAML(want, got []byte) string {
	var w, g any
	if err := yaml.Unmarshal(want, &w); err != nil {
		return "butane output is not YAML: " + err.Error()
	}
	if err := yaml.Unmarshal(got, &g); err != nil {
		return "kindling output is not YAML: " + err.Error()
	}
	w, g = unwrapConfig(w), unwrapConfig(g)
	return diffValues(w, g)
}

// unwrapConfig parses the JSON config a MachineConfig carries as text
// (spec.config may be a string in some shapes) so both compare as values.
func unwrapConfig(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if spec, ok := m["spec"].(map[string]any); ok {
		if s, ok := spec["config"].(string); ok {
			var c any
			if json.Unmarshal([]byte(s), &c) == nil {
				spec["config"] = c
			}
		}
	}
	return v
}

func diffValues(w, g any) string {
	if reflect.DeepEqual(w, g) {
		return ""
	}
	var lines []string
	walkDiff("$", w, g, &lines)
	if len(lines) > 8 {
		lines = append(lines[:8], fmt.Sprintf("... and %d more", len(lines)-8))
	}
	return "    " + strings.Join(lines, "\n    ") + "\n"
}

// walkDiff lists the paths where the values differ; data URLs are decoded
// so the message says whether the contents or only the encoding differ.
func walkDiff(p string, w, g any, out *[]string) {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range wv {
			keys[k] = true
		}
		for k := range gv {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			_, inW := wv[k]
			_, inG := gv[k]
			switch {
			case inW && !inG:
				*out = append(*out, fmt.Sprintf("%s.%s:\n      butane   %s\n      kindling (absent)", p, k, yamlShort(wv[k])))
			case inG && !inW:
				*out = append(*out, fmt.Sprintf("%s.%s:\n      butane   (absent)\n      kindling %s", p, k, yamlShort(gv[k])))
			default:
				walkDiff(p+"."+k, wv[k], gv[k], out)
			}
		}
		return
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			break
		}
		for i := range wv {
			walkDiff(fmt.Sprintf("%s.%d", p, i), wv[i], gv[i], out)
		}
		return
	}
	if reflect.DeepEqual(w, g) {
		return
	}
	ws, wok := w.(string)
	gs, gok := g.(string)
	if wok && gok && strings.HasPrefix(ws, "data:") && strings.HasPrefix(gs, "data:") {
		wd, gd := decodeDataURL(ws), decodeDataURL(gs)
		if bytes.Equal(wd, gd) {
			*out = append(*out, fmt.Sprintf("%s: same contents, encoded differently:\n      butane   %.200s\n      kindling %.200s", p, ws, gs))
		} else {
			*out = append(*out, fmt.Sprintf("%s: contents differ:\n      butane   %q\n      kindling %q", p, yamlClip(wd), yamlClip(gd)))
		}
		return
	}
	*out = append(*out, fmt.Sprintf("%s:\n      butane   %s\n      kindling %s", p, yamlShort(w), yamlShort(g)))
}

func yamlClip(b []byte) []byte {
	if len(b) > 600 {
		return b[:600]
	}
	return b
}

func yamlShort(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// decodeDataURL returns a data URL's bytes, gunzipped when they are gzip.
func decodeDataURL(s string) []byte {
	head, body, ok := strings.Cut(strings.TrimPrefix(s, "data:"), ",")
	if !ok {
		return nil
	}
	var data []byte
	if strings.HasSuffix(head, ";base64") {
		data, _ = base64.StdEncoding.DecodeString(body)
	} else {
		u, _ := url.PathUnescape(body)
		data = []byte(u)
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				return plain
			}
		}
	}
	return data
}

// repoRoot is two levels up from tests/compat.
func repoRoot(t testing.TB) string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// butaneDir is the Butane module in the module cache.
func butaneDir(t testing.TB) string {
	out, err := goListDir("github.com/coreos/butane")
	if err != nil {
		t.Skipf("butane module not found: %v", err)
	}
	return out
}

var yamlFence = regexp.MustCompile("(?s)```ya?ml\n(.*?)```")

// butaneDocSamples are the YAML blocks of Butane's docs that carry a
// variant, with a files directory holding stand-ins for their local files.
func butaneDocSamples(t testing.TB) []sample {
	dir := filepath.Join(butaneDir(t), "docs")
	files, _ := filepath.Abs(filepath.Join("testdata", "transpile", "docfiles"))
	var out []sample
	for _, page := range markdownPages(t, dir) {
		for i, m := range yamlFence.FindAllSubmatch(page.text, -1) {
			if !bytes.Contains(m[1], []byte("variant:")) {
				continue
			}
			out = append(out, sample{name: fmt.Sprintf("butane-docs/%s#%d", page.name, i), src: m[1], filesDir: files})
		}
	}
	return out
}

// wildSamples are the published configs in ../shared/wild-configs/bu.
func wildSamples(t testing.TB) []sample {
	dir := filepath.Join(repoRoot(t), "..", "shared", "wild-configs")
	names, _ := filepath.Glob(filepath.Join(dir, "bu", "*"))
	if len(names) == 0 {
		t.Skipf("no wild configs in %s", dir)
	}
	var out []sample
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{name: "wild/" + filepath.Base(n), src: src, filesDir: filepath.Join(dir, "files")})
	}
	return out
}

// intentional lists the differences Kindling makes on purpose, each tied
// to its entry in docs/compat.md ("The YAML dialect"); a disagreement is
// excused only when the rule recognises every line of it.
var transpileIntentional = []struct {
	compat string // the heading of the docs/compat.md entry
	only   *regexp.Regexp
}{
	{
		// Spec 3.0's config and CA references print a missing source
		// as "source": null; Kindling leaves the key out. Ignition
		// reads both the same way.
		compat: "Null fields in spec 3.0 output (and link targets before 3.3.0)",
		only:   regexp.MustCompile(`^\$\.[^:]+:\n\s+butane\s+null\n\s+kindling \(absent\)$`),
	},
	{
		// Specs before 3.3 declare a link's target as a plain string:
		// Butane prints "target": "" for target: null; Kindling leaves
		// the key out (and its validator refuses the link).
		compat: "Null fields in spec 3.0 output (and link targets before 3.3.0)",
		only:   regexp.MustCompile(`^\$\.storage\.links\.\d+\.target:\n\s+butane\s+""\n\s+kindling \(absent\)$`),
	},
	{
		// Spec 3.2 has a pointer clevis: Butane writes an empty
		// "clevis": {} for clevis: {}; Kindling's model leaves it out.
		compat: "Empty clevis in spec 3.2 output",
		only:   regexp.MustCompile(`^\$\.storage\.luks\.\d+\.clevis:\n\s+butane\s+\{\}\n\s+kindling \(absent\)$`),
	},
}

// intentionalFor tells whether the disagreement is one of the intentional
// differences, and which.
func intentionalFor(s sample, msg string) (string, bool) {
	if rule, ok := safetyRuleOnly(msg); ok {
		return rule, true
	}
	body, ok := strings.CutPrefix(msg, "output differs:\n")
	if !ok {
		return "", false
	}
	body, _, _ = strings.Cut(body, "  input:\n")
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n    $")
	for _, rule := range transpileIntentional {
		all := true
		for i, l := range lines {
			l = strings.TrimSpace(l)
			if i > 0 {
				l = "$" + l
			}
			if !rule.only.MatchString(l) {
				all = false
				break
			}
		}
		if all {
			return rule.compat, true
		}
	}
	return "", false
}

// safetyRuleRE finds the rule an error of Kindling's safety rules names
// (docs/compat.md, "Safety over parity").
var safetyRuleRE = regexp.MustCompile(`\(safety rule "([^"]+)", see docs/compat\.md\)`)

// safetyRuleOnly excuses a config Butane accepts and Kindling rejects when
// every error Kindling gives is one of its safety rules.
func safetyRuleOnly(msg string) (string, bool) {
	if !strings.HasPrefix(msg, "verdict: butane err=<nil>") {
		return "", false
	}
	_, kreport, ok := strings.Cut(msg, "kindling report:\n")
	if !ok {
		return "", false
	}
	rule := ""
	for _, l := range strings.Split(kreport, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "error:") {
			continue
		}
		m := safetyRuleRE.FindStringSubmatch(l)
		if m == nil {
			return "", false
		}
		rule = "Safety over parity: " + m[1]
	}
	return rule, rule != ""
}

// runDiff feeds every sample to both sides and fails on each disagreement
// not in the intentional table, printing the input name and both answers.
func runDiff(t *testing.T, label string, samples []sample) {
	t.Helper()
	runDiffShowing(t, label, samples, false)
}

// runDiffShowing is runDiff, printing each disagreeing input when showSrc
// (generated inputs exist nowhere else).
func runDiffShowing(t *testing.T, label string, samples []sample, showSrc bool) {
	t.Helper()
	bad, byValidator := 0, 0
	for _, s := range samples {
		kind, msg := classify(s)
		if kind == agree {
			continue
		}
		if why, ok := intentionalFor(s, msg); ok {
			t.Logf("%s: intentional difference (%s)", s.name, why)
			continue
		}
		if showSrc {
			msg += "  input:\n" + indent(string(s.src))
		}
		if kind == validator {
			// The config package's validator differs from Ignition's on
			// the translated config; the dialect agrees. A verdict
			// difference all the same.
			byValidator++
			if byValidator <= maxReported() {
				t.Errorf("%s: validator difference: %s", s.name, msg)
			}
			continue
		}
		bad++
		if bad <= maxReported() {
			t.Errorf("%s: %s", s.name, msg)
		}
	}
	t.Logf("%s: %d of %d inputs disagree in the dialect, %d more only in validation", label, bad, len(samples), byValidator)
	if bad > maxReported() {
		t.Errorf("%s: %d disagreements (first %d shown)", label, bad, maxReported())
	}
}

func maxReported() int {
	if os.Getenv("TRANSPILE_DIFF_ALL") != "" {
		return 1 << 30
	}
	return 40
}

func TestTranspileDiffButaneDocs(t *testing.T) {
	samples := butaneDocSamples(t)
	if len(samples) < 50 {
		t.Fatalf("found only %d examples in Butane's docs", len(samples))
	}
	runDiff(t, "butane docs", samples)
}

// TestTranspileDiffOwnDocs: the examples of docs/transpile give what
// Butane gives too.
func TestTranspileDiffOwnDocs(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "docs", "transpile")
	var samples []sample
	for _, page := range markdownPages(t, dir) {
		for i, m := range yamlFence.FindAllSubmatch(page.text, -1) {
			if bytes.Contains(m[1], []byte("variant:")) {
				samples = append(samples, sample{name: fmt.Sprintf("docs/transpile/%s#%d", page.name, i), src: m[1], filesDir: filepath.Join(dir, "files")})
			}
		}
	}
	if len(samples) < 20 {
		t.Fatalf("found only %d examples in docs/transpile", len(samples))
	}
	runDiff(t, "docs/transpile", samples)
}

func TestTranspileDiffWild(t *testing.T) {
	runDiff(t, "wild-configs/bu", wildSamples(t))
}
