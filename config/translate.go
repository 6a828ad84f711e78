package config

import "github.com/kindling-dev/kindling/config/report"

// specialModeBits are setuid, setgid and sticky. Spec versions before 3.6.0
// document the mode as permission bits only, and configs written for them
// have always been applied without these bits, so translating such a config
// drops them (with a warning) rather than changing what an old config does.
const specialModeBits = 0o7000

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
	mask := func(mode *int, path report.Path) {
		if mode != nil && *mode&specialModeBits != 0 {
			rep.Warnf(path, "setuid/setgid/sticky bits (%#o) are not applied by spec %s and are dropped; use spec %s or newer to set them", *mode&specialModeBits, from, V3_6)
			*mode &^= specialModeBits
		}
	}
	for i := range cfg.Storage.Files {
		mask(cfg.Storage.Files[i].Mode, report.Path{"storage", "files", i, "mode"})
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
		mask(cfg.Storage.Directories[i].Mode, report.Path{"storage", "directories", i, "mode"})
	}
	cfg.Ignition.Version = Newest.String()
	return rep
}
