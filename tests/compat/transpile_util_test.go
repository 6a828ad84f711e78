package compat

import (
	"os/exec"
	"strings"
)

// goListDir asks the go command where a module of the build list lives.
func goListDir(module string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	return strings.TrimSpace(string(out)), err
}
