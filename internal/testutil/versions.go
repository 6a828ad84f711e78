package testutil

import (
	"fmt"

	"github.com/kindling-dev/kindling/config"
)

// StableVersions are the spec versions a test runs a feature on, oldest
// first: config.Versions without the experimental one.
func StableVersions() []string {
	var vs []string
	for _, v := range config.Versions {
		if v.PreRelease == "" {
			vs = append(vs, v.String())
		}
	}
	return vs
}

// VersionsSince lists the stable versions from v on: those that can
// express a feature v introduced. An unknown v is a mistake in the test.
func VersionsSince(v string) []string {
	all := StableVersions()
	for i, x := range all {
		if x == v {
			return all[i:]
		}
	}
	panic(fmt.Sprintf("testutil.VersionsSince: %q is no stable spec version (%v)", v, all))
}
