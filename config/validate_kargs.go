package config

import (
	"strings"

	"github.com/kindling-dev/kindling/config/report"
)

// kernelArguments checks the kernelArguments section. The spec keys both
// lists together: an argument appears once across shouldExist and
// shouldNotExist.
func (v *validator) kernelArguments(c *KernelArguments) {
	path := report.Path{"kernelArguments"}
	seen := map[string]report.Path{}
	for _, list := range []struct {
		key  string
		args []string
	}{{"shouldExist", c.ShouldExist}, {"shouldNotExist", c.ShouldNotExist}} {
		for i, a := range list.args {
			p := path.Append(list.key, i)
			if first, dup := seen[a]; dup {
				v.errorf(p, "duplicate kernel argument %q (also %s); an argument is listed once across shouldExist and shouldNotExist", a, first)
				continue
			}
			seen[a] = p
			if strings.TrimSpace(a) == "" {
				v.warnf(p, "kernel argument is empty; it is ignored")
			}
		}
	}
}
