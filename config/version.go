package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a spec version, major.minor.patch with an optional pre-release
// tag ("experimental").
type Version struct {
	Major, Minor, Patch int
	PreRelease          string
}

// The spec versions this package reads. Newest is the canonical model and
// the newest stable version; Experimental is the reference's development
// version, whose fields are Newest's plus those the table in spec.go dates
// to it.
var (
	V3_0    = Version{Major: 3, Minor: 0}
	V3_1    = Version{Major: 3, Minor: 1}
	V3_2    = Version{Major: 3, Minor: 2}
	V3_3    = Version{Major: 3, Minor: 3}
	V3_4    = Version{Major: 3, Minor: 4}
	V3_5    = Version{Major: 3, Minor: 5}
	V3_6    = Version{Major: 3, Minor: 6}
	V3_7Exp = Version{Major: 3, Minor: 7, PreRelease: "experimental"}

	Newest       = V3_6
	Experimental = V3_7Exp
)

// Versions lists every supported spec version, oldest first.
var Versions = []Version{V3_0, V3_1, V3_2, V3_3, V3_4, V3_5, V3_6, V3_7Exp}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.PreRelease != "" {
		s += "-" + v.PreRelease
	}
	return s
}

// Less orders versions the semver way: a pre-release comes before the
// release of the same number.
func (v Version) Less(o Version) bool {
	switch {
	case v.Major != o.Major:
		return v.Major < o.Major
	case v.Minor != o.Minor:
		return v.Minor < o.Minor
	case v.Patch != o.Patch:
		return v.Patch < o.Patch
	case v.PreRelease == o.PreRelease:
		return false
	case v.PreRelease == "":
		return false
	case o.PreRelease == "":
		return true
	}
	return v.PreRelease < o.PreRelease
}

// AtLeast reports whether v is o or newer.
func (v Version) AtLeast(o Version) bool { return !v.Less(o) }

// IsZero reports whether v is unset.
func (v Version) IsZero() bool { return v == Version{} }

// ParseVersion reads "X.Y.Z" or "X.Y.Z-experimental" and checks it is a
// version this package supports, explaining why not otherwise. The numbers
// are read as the reference reads them (leading zeros and a "+" sign
// allowed, an empty "+build" suffix ignored), so that every spelling it
// accepts is accepted here too; ParseVersion's caller warns about unusual
// spellings by comparing with Version.String.
func ParseVersion(s string) (Version, error) {
	if s == "" {
		return Version{}, fmt.Errorf("the spec version is required (ignition.version, e.g. %q)", Newest.String())
	}
	rest, meta, _ := strings.Cut(s, "+")
	core, pre, _ := strings.Cut(rest, "-")
	parts := strings.SplitN(core, ".", 3)
	var nums [3]int
	ok := len(parts) == 3
	for i := 0; ok && i < 3; i++ {
		n, err := strconv.ParseInt(parts[i], 10, 64)
		ok = err == nil && n >= 0 && n <= 1<<20
		nums[i] = int(n)
	}
	if !ok {
		return Version{}, fmt.Errorf("%q is not a spec version: expected MAJOR.MINOR.PATCH such as %q", s, Newest.String())
	}
	v := Version{Major: nums[0], Minor: nums[1], Patch: nums[2], PreRelease: pre}
	switch {
	case meta != "":
		return Version{}, fmt.Errorf("spec version %q carries build metadata (+%s), which no spec version has; use %q", s, meta, Version{v.Major, v.Minor, v.Patch, v.PreRelease})
	case v.Major < 3 && pre == "":
		return Version{}, fmt.Errorf("spec version %s is a legacy 1.x/2.x version; only 3.x configs are supported (translate it to %s first)", s, Newest)
	case pre != "" && v != Experimental:
		return Version{}, fmt.Errorf("spec version %q is not a supported pre-release; the only experimental version is %q", s, Experimental.String())
	case Experimental.Less(v):
		return Version{}, fmt.Errorf("spec version %s is newer than the newest supported version %s", s, Newest)
	}
	for _, known := range Versions {
		if v == known {
			return v, nil
		}
	}
	return Version{}, fmt.Errorf("spec version %s does not exist; supported versions are %s", s, versionList())
}

func versionList() string {
	names := make([]string, len(Versions))
	for i, v := range Versions {
		names[i] = v.String()
	}
	return strings.Join(names, ", ")
}
