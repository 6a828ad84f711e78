package config

// crossChecks holds rules that span sections (nodes against units, nodes
// below links, filesystems against disks).
func (v *validator) crossChecks(cfg *Config) {}
