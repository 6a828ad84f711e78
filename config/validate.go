package config

import (
	"fmt"

	"github.com/kindling-dev/kindling/config/report"
)

// Validate checks a config built in Go (by a tool that generates configs)
// against the rules of the spec version it declares. Entries carry paths but
// no positions, since there is no source text.
func Validate(cfg Config) report.Report {
	var rep report.Report
	version, err := ParseVersion(cfg.Ignition.Version)
	if err != nil {
		rep.Errorf(report.Path{"ignition", "version"}, "%s", err)
		return rep
	}
	rep = newerFields(&cfg, version)
	rep.Merge(validate(&cfg, version))
	return rep
}

// validator collects the findings of one validation run. version is the
// version the config declared, since some values (hash types, URL schemes,
// filesystem formats) are only valid from a given version on.
type validator struct {
	version Version
	rep     report.Report
	// customGiven tells, for spec 3.2.0, which LUKS volumes' configs
	// have a clevis.custom object at all (see customPresent); nil for a
	// config built in Go.
	customGiven map[int]bool
}

func (v *validator) errorf(path report.Path, format string, args ...any) {
	v.rep.Errorf(path, format, args...)
}

func (v *validator) warnf(path report.Path, format string, args ...any) {
	v.rep.Warnf(path, format, args...)
}

func validate(cfg *Config, version Version) report.Report {
	return validateWith(&validator{version: version}, cfg)
}

func validateWith(v *validator, cfg *Config) report.Report {
	v.ignition(&cfg.Ignition)
	v.storage(&cfg.Storage)
	v.systemd(&cfg.Systemd)
	v.passwd(&cfg.Passwd)
	v.kernelArguments(&cfg.KernelArguments)
	v.crossChecks(cfg)
	return v.rep
}

// A safetyRule is one of the places where Kindling rejects a config the
// reference validator accepts, because applying it would escape the root,
// forge a line of a system file, overflow a size or always fail half way.
// Each rule is a bullet of docs/compat.md, "Safety over parity"; its name is
// part of every message it produces, so a user finds the reason there.
type safetyRule string

const (
	// Names in a unit's [Install] section and unit or drop-in names become
	// file names in the unit directories: no '/', no "..".
	ruleUnitNames safetyRule = "unit names stay in the unit directory"
	// Values written into line-based system files (crypttab, passwd,
	// group, shadow, mount units, presets) hold no line breaks, control
	// characters or field separators.
	ruleLineFields safetyRule = "no line or field breaks in system files"
	// Sizes, offsets, counts and ids fit the types they are converted to.
	ruleRanges safetyRule = "sizes and ids in range"
	// Node paths the files stage could never create.
	ruleNodePaths safetyRule = "node paths that can exist"
)

// SafetyRules lists every safety rule by name, for documentation and for
// the differential tests that tell intended differences from bugs.
var SafetyRules = []string{string(ruleUnitNames), string(ruleLineFields), string(ruleRanges), string(ruleNodePaths)}

// safetyf reports an error under a safety rule.
func (v *validator) safetyf(path report.Path, rule safetyRule, format string, args ...any) {
	v.rep.Errorf(path, "%s (safety rule %q, see docs/compat.md)", fmt.Sprintf(format, args...), rule)
}
