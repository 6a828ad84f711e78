package config

import "github.com/kindling-dev/kindling/config/report"

// modeBits names each special mode bit as valueSince lists it. Spec
// versions before 3.6.0 document the mode as permission bits only, and
// configs written for them have always been applied without these bits, so
// translating such a config drops them (with a warning) rather than
// changing what an old config does.
var modeBits = []struct {
	bit  int
	name string
}{{0o4000, ModeSetuid}, {0o2000, ModeSetgid}, {0o1000, ModeSticky}}

// unappliedModeBits returns the special bits of mode that spec v does not
// apply to the field with the given pattern, and the version that applies
// them all.
func unappliedModeBits(mode int, pattern string, v Version) (bits int, since Version) {
	rule := mustValues(pattern)
	for _, b := range modeBits {
		s, _ := rule.Since(b.name)
		if mode&b.bit != 0 && v.Less(s) {
			bits |= b.bit
			since = maxVersion(since, s)
		}
	}
	return bits, since
}

// maxVersion is the newer of a and b.
func maxVersion(a, b Version) Version {
	if a.Less(b) {
		return b
	}
	return a
}

// translate brings a config decoded under an older version's rules to the
// canonical model's meaning, reporting anything it had to change. Fields are
// shared by all versions, so everything else carries over unchanged.
func translate(cfg *Config, from Version) report.Report {
	var rep report.Report
	if from.AtLeast(V3_6) {
		// The experimental version keeps its name: its fields are a
		// superset of Newest's, and calling it stable would hide that.
		cfg.Ignition.Version = Newest.String()
		if Newest.Less(from) {
			cfg.Ignition.Version = from.String()
		}
		return rep
	}
	mask := func(mode *int, pattern string, path report.Path) {
		if mode == nil {
			return
		}
		if bits, since := unappliedModeBits(*mode, pattern, from); bits != 0 {
			rep.Warnf(path, "setuid/setgid/sticky bits (%#o) are not applied by spec %s and are dropped; use spec %s or newer to set them", bits, from, since)
			*mode &^= bits
		}
	}
	for i := range cfg.Storage.Files {
		mask(cfg.Storage.Files[i].Mode, "storage.files.mode", report.Path{"storage", "files", i, "mode"})
	}
	if from.Less(V3_3) {
		// Before 3.3.0 needsNetwork alone does not ask for a custom clevis
		// pin, and with no pin nothing is bound; from 3.3.0 it would ask
		// for one, so it is dropped to keep the meaning.
		for i := range cfg.Storage.Luks {
			c := &cfg.Storage.Luks[i].Clevis.Custom
			if c.NeedsNetwork != nil && !nonEmpty(c.Pin) && !nonEmpty(c.Config) {
				c.NeedsNetwork = nil
			}
		}
	}
	for i := range cfg.Storage.Directories {
		mask(cfg.Storage.Directories[i].Mode, "storage.directories.mode", report.Path{"storage", "directories", i, "mode"})
	}
	cfg.Ignition.Version = Newest.String()
	return rep
}
