package config

import (
	"strings"

	"github.com/kindling-dev/kindling/config/report"
)

// kernelArguments checks the kernelArguments section: every argument is
// non-empty, listed once, and not both wanted and unwanted.
func (v *validator) kernelArguments(c *KernelArguments) {
	path := report.Path{"kernelArguments"}
	wanted := v.kargList(c.ShouldExist, path.Append("shouldExist"))
	unwanted := v.kargList(c.ShouldNotExist, path.Append("shouldNotExist"))
	for i, arg := range c.ShouldNotExist {
		if j, both := wanted[arg]; both && unwanted[arg] == i {
			v.errorf(path.Append("shouldNotExist", i), "kernel argument %q is in both shouldExist (entry %d) and shouldNotExist", arg, j)
		}
	}
}

// kargList checks one list and returns its arguments with their indexes.
func (v *validator) kargList(args []string, path report.Path) map[string]int {
	seen := map[string]int{}
	for i, a := range args {
		if strings.TrimSpace(a) == "" {
			v.errorf(path.Append(i), "kernel argument is empty")
			continue
		}
		if j, dup := seen[a]; dup {
			v.errorf(path.Append(i), "duplicate kernel argument %q (also entry %d)", a, j)
			continue
		}
		seen[a] = i
	}
	return seen
}
