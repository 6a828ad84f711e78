// Package kcmdline reads kernel command lines: the one on /proc/cmdline
// that selects the platform, the config URL and the root device, and the
// options lines of boot entries that the kargs stage edits. Every reader of
// that format in Kindling splits it here, so all of them agree on quoting.
package kcmdline

import (
	"os"
	"path/filepath"
	"strings"
)

// Split splits a command line into arguments at white space outside double
// quotes, as the kernel does. The quotes stay in the arguments, so that
// joining them with spaces gives back an equivalent command line.
func Split(s string) []string {
	var args []string
	var cur strings.Builder
	inQuote, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
			started = true
		case !inQuote && isSpace(r):
			if started {
				args = append(args, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		args = append(args, cur.String())
	}
	return args
}

// isSpace is the kernel's white space (its isspace, ASCII only).
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// Arg is one argument: its key and its value with the quotes the kernel
// strips removed. A bare word has an empty value.
type Arg struct {
	Key, Value string
}

// Parse splits a command line into its arguments, in order.
func Parse(s string) []Arg {
	words := Split(s)
	args := make([]Arg, 0, len(words))
	for _, w := range words {
		k, v, _ := strings.Cut(w, "=")
		args = append(args, Arg{Key: strings.Trim(k, `"`), Value: strings.Trim(v, `"`)})
	}
	return args
}

// Value returns the value of the first of keys present on the command
// line. When a key repeats, its last occurrence counts, as the kernel does
// for its own parameters.
func Value(s string, keys ...string) (string, bool) {
	args := Parse(s)
	for _, key := range keys {
		val, found := "", false
		for _, a := range args {
			if a.Key == key {
				val, found = a.Value, true
			}
		}
		if found {
			return val, true
		}
	}
	return "", false
}

// Read reads root/proc/cmdline, without its trailing newline.
func Read(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "/proc/cmdline"))
	return strings.TrimSpace(string(b)), err
}
