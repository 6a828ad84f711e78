// Package bigconfig writes large valid configs, for the tests and the
// benchmark that measure memory and time on them.
package bigconfig

import (
	"fmt"
	"io"
	"strings"
)

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// ManyFilesJSON writes a valid config of about size bytes: many files
// with small inline contents, the shape a generated config has.
func ManyFilesJSON(size int) func(io.Writer) {
	return func(w io.Writer) {
		c := &counter{w: w}
		io.WriteString(c, `{"ignition":{"version":"3.4.0"},"storage":{"files":[`)
		for i := 0; c.n < size; i++ {
			if i > 0 {
				io.WriteString(c, ",")
			}
			fmt.Fprintf(c, `{"path":"/etc/gen/f%07d","mode":420,"contents":{"source":"data:,%s"}}`, i, strings.Repeat("x", 200))
		}
		io.WriteString(c, "]}}")
	}
}

// OneDataURLJSON writes a valid config of about size bytes: one file with
// a percent-encoded data URL.
func OneDataURLJSON(size int) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/big","contents":{"source":"data:,`)
		for i := 0; i < size/4; i++ {
			io.WriteString(w, "a%20")
		}
		io.WriteString(w, `"}}]}}`)
	}
}

// ManyFilesYAML writes a valid YAML-dialect config of about size bytes:
// many files with inline contents.
func ManyFilesYAML(size int) func(io.Writer) {
	return func(w io.Writer) {
		c := &counter{w: w}
		io.WriteString(c, "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n")
		for i := 0; c.n < size; i++ {
			fmt.Fprintf(c, "    - path: /etc/gen/f%07d\n      mode: 0644\n      contents:\n        inline: %s\n", i, strings.Repeat("x", 200))
		}
	}
}
