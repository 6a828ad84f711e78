package config

// ignition checks the ignition section.
func (v *validator) ignition(c *Ignition) {}
