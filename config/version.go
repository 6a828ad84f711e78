package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a spec version, major.minor.patch.
type Version struct {
	Major, Minor, Patch int
}

// The spec versions this package reads. Newest is the canonical model.
var (
	V3_0 = Version{3, 0, 0}
	V3_1 = Version{3, 1, 0}
	V3_2 = Version{3, 2, 0}
	V3_3 = Version{3, 3, 0}
	V3_4 = Version{3, 4, 0}
	V3_5 = Version{3, 5, 0}
	V3_6 = Version{3, 6, 0}

	Newest = V3_6
)

// Versions lists every supported spec version, oldest first.
var Versions = []Version{V3_0, V3_1, V3_2, V3_3, V3_4, V3_5, V3_6}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less orders versions.
func (v Version) Less(o Version) bool {
	if v.Major != o.Major {
		return v.Major < o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor < o.Minor
	}
	return v.Patch < o.Patch
}

// AtLeast reports whether v is o or newer.
func (v Version) AtLeast(o Version) bool { return !v.Less(o) }

// IsZero reports whether v is unset.
func (v Version) IsZero() bool { return v == Version{} }

// ParseVersion reads "X.Y.Z" and checks it is a version this package
// supports, explaining why not otherwise.
func ParseVersion(s string) (Version, error) {
	if s == "" {
		return Version{}, fmt.Errorf("the spec version is required (ignition.version, e.g. %q)", Newest.String())
	}
	core, pre, _ := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	var nums [3]int
	ok := len(parts) == 3
	for i := 0; ok && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		ok = err == nil && n >= 0 && (parts[i] == "0" || parts[i][0] != '0')
		nums[i] = n
	}
	if !ok {
		return Version{}, fmt.Errorf("%q is not a spec version: expected MAJOR.MINOR.PATCH such as %q", s, Newest.String())
	}
	v := Version{nums[0], nums[1], nums[2]}
	switch {
	case pre != "":
		return Version{}, fmt.Errorf("spec version %q is an experimental version, which is not accepted; use a stable version such as %q", s, Newest.String())
	case v.Major < 3:
		return Version{}, fmt.Errorf("spec version %s is a legacy 1.x/2.x version; only 3.x configs are supported (translate it to %s first)", s, Newest)
	case Newest.Less(v):
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
