package config

import (
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
}

func (v *validator) errorf(path report.Path, format string, args ...any) {
	v.rep.Errorf(path, format, args...)
}

func (v *validator) warnf(path report.Path, format string, args ...any) {
	v.rep.Warnf(path, format, args...)
}

func validate(cfg *Config, version Version) report.Report {
	v := &validator{version: version}
	v.ignition(&cfg.Ignition)
	v.storage(&cfg.Storage)
	v.systemd(&cfg.Systemd)
	v.passwd(&cfg.Passwd)
	v.kernelArguments(&cfg.KernelArguments)
	v.crossChecks(cfg)
	return v.rep
}
