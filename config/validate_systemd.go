package config

// systemd checks the systemd section.
func (v *validator) systemd(c *Systemd) {}
