package config

// passwd checks the passwd section.
func (v *validator) passwd(c *Passwd) {}
