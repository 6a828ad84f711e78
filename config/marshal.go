package config

import "encoding/json"

// Marshal writes the config as compact JSON, leaving out absent fields.
func Marshal(cfg Config) ([]byte, error) { return json.Marshal(cfg) }

// MarshalIndent writes the config as indented JSON.
func MarshalIndent(cfg Config) ([]byte, error) { return json.MarshalIndent(cfg, "", "  ") }
