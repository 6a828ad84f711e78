package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	ignition "github.com/coreos/ignition/v2/config"

	kconfig "github.com/kindling-dev/kindling/config"
	kreport "github.com/kindling-dev/kindling/config/report"
)

// A verdict is one validator's answer for one input: valid or not, and the
// errors that decided it.
type verdict struct {
	valid  bool
	errors []string
}

func (v verdict) String() string {
	if v.valid {
		return "valid"
	}
	return "invalid: " + strings.Join(v.errors, "; ")
}

// kindlingVerdict is provision validate's answer: valid when the report has
// no error-level entry.
func kindlingVerdict(data []byte) verdict {
	_, rep, err := kconfig.Parse(data)
	v := verdict{valid: err == nil && !rep.IsFatal()}
	for _, e := range rep.Entries {
		if e.Level == kreport.Error {
			v.errors = append(v.errors, e.Path.String()+": "+e.Message)
		}
	}
	if !v.valid && len(v.errors) == 0 && err != nil {
		v.errors = []string{err.Error()}
	}
	return v
}

// ignitionVerdict is the reference's answer: invalid when Parse fails or
// its report is fatal. A panic of the reference is reported as such, so a
// crash there is not mistaken for a verdict.
func ignitionVerdict(data []byte) (v verdict, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			v = verdict{errors: []string{fmt.Sprint("panic: ", r)}}
			panicked = true
		}
	}()
	_, rpt, err := ignition.Parse(data)
	v.valid = err == nil && !rpt.IsFatal()
	for _, e := range rpt.Entries {
		if e.Kind.IsFatal() {
			v.errors = append(v.errors, e.String())
		}
	}
	if err != nil && len(v.errors) == 0 {
		v.errors = []string{err.Error()}
	}
	return v, false
}

// intentionalDifferences are the safety rules of docs/compat.md ("Safety
// over parity"): Kindling rejects a config the reference accepts when every
// error it reports is one of these. Each names the rule's heading in
// docs/compat.md; TestIntentionalDifferencesDocumented keeps the two in
// step.
var intentionalDifferences = []struct {
	rule    string
	message *regexp.Regexp
}{
	{"unit names stay in the unit directory", safetyMessage("unit names stay in the unit directory")},
	{"no line or field breaks in system files", safetyMessage("no line or field breaks in system files")},
	{"sizes and ids in range", safetyMessage("sizes and ids in range")},
	{"node paths that can exist", safetyMessage("node paths that can exist")},
}

// safetyMessage matches an error Kindling gives under the named rule.
func safetyMessage(rule string) *regexp.Regexp {
	return regexp.MustCompile(`\(safety rule "` + regexp.QuoteMeta(rule) + `", see docs/compat.md\)$`)
}

// intentional reports which safety rule explains a disagreement, or "" when
// none does: only a rejection by Kindling of a config the reference accepts,
// with every Kindling error matching a rule, is intentional.
func intentional(ours, theirs verdict) string {
	if ours.valid || !theirs.valid {
		return ""
	}
	rule := ""
	for _, e := range ours.errors {
		matched := ""
		for _, d := range intentionalDifferences {
			if d.message.MatchString(e) {
				matched = d.rule
				break
			}
		}
		if matched == "" {
			return ""
		}
		rule = matched
	}
	return rule
}

// comparison is the outcome of running both validators over a set of inputs.
type comparison struct {
	total, agreed int
	intentional   map[string]int
	disagreements []string
	panics        []string
}

func compareInputs(inputs []validateInput) *comparison {
	c := &comparison{intentional: map[string]int{}}
	for _, in := range inputs {
		c.add(in)
	}
	return c
}

func (c *comparison) add(in validateInput) {
	c.total++
	theirs, panicked := ignitionVerdict(in.data)
	if panicked {
		c.panics = append(c.panics, in.name+": "+theirs.String())
		return
	}
	ours := kindlingVerdict(in.data)
	switch {
	case ours.valid == theirs.valid:
		c.agreed++
	case intentional(ours, theirs) != "":
		c.intentional[intentional(ours, theirs)]++
	default:
		c.disagreements = append(c.disagreements, describeDisagreement(in, ours, theirs))
	}
}

func describeDisagreement(in validateInput, ours, theirs verdict) string {
	data := string(in.data)
	if len(data) > 600 {
		data = data[:600] + "…"
	}
	return fmt.Sprintf("%s\n    kindling: %s\n    ignition: %s\n    input: %s", in.name, clip(ours.String(), 400), clip(theirs.String(), 400), strings.ReplaceAll(data, "\n", " "))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// check fails the test for every disagreement, printing each one; the
// summary line goes to the log either way so a run shows the counts.
func (c *comparison) check(t *testing.T, source string) {
	t.Helper()
	var rules []string
	for r, n := range c.intentional {
		rules = append(rules, fmt.Sprintf("%s: %d", r, n))
	}
	sort.Strings(rules)
	t.Logf("%s: %d inputs, %d agree, %d disagree, %d intentional (%s), %d reference panics",
		source, c.total, c.agreed, len(c.disagreements), c.total-c.agreed-len(c.disagreements)-len(c.panics), strings.Join(rules, ", "), len(c.panics))
	for _, p := range c.panics {
		t.Logf("reference panicked (not compared): %s", p)
	}
	for _, d := range c.disagreements {
		t.Errorf("disagreement: %s", d)
	}
	if c.total == 0 {
		t.Errorf("%s: no inputs", source)
	}
}

// TestValidateDifferential runs both validators over every corpus input:
// the reference's docs, test literals and blackbox configs, Butane's docs,
// and the wild configs (JSON, and the reference transpiler's output of the
// YAML ones).
func TestValidateDifferential(t *testing.T) {
	seen := map[[32]byte]bool{}
	for _, src := range validateSources {
		t.Run(src.name, func(t *testing.T) {
			inputs := dedupe(src.load(t), seen)
			compareInputs(inputs).check(t, src.name)
		})
	}
}

// TestIntentionalDifferencesDocumented checks that every rule of the table
// is a bullet of docs/compat.md's "Safety over parity" section.
func TestIntentionalDifferencesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "compat.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Safety over parity")
	if !ok {
		t.Fatal(`docs/compat.md has no "Safety over parity" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	known := map[string]bool{}
	for _, r := range kconfig.SafetyRules {
		known[r] = true
	}
	for _, d := range intentionalDifferences {
		if !known[d.rule] {
			t.Errorf("rule %q is not one of config.SafetyRules", d.rule)
		}
		if !strings.Contains(section, "**"+d.rule+"**") {
			t.Errorf("rule %q is not listed (in bold) under Safety over parity in docs/compat.md", d.rule)
		}
	}
}
