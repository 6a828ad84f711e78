package config

// storage checks the storage section.
func (v *validator) storage(c *Storage) {}
