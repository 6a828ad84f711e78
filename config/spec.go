package config

import (
	"reflect"

	"github.com/kindling-dev/kindling/config/report"
)

// fieldSince records the spec version that introduced a field, keyed by its
// pattern: the JSON keys from the root joined by dots, list indexes left out
// (so "storage.files.contents.httpHeaders" covers every file). A field absent
// from this table exists in every version. Everything below a field shares its
// version, so only the topmost new key is listed.
//
// This table is the single source of per-version availability of fields
// (valueSince below is that of values): the decoder reports a field its
// config's version lacks as an unknown key, the docs and JSON schema
// generators leave it out of that version's pages.
var fieldSince = map[string]Version{
	// 3.1.0: custom HTTP headers, proxies, compression of configs and CA
	// bundles, filesystem mount options.
	"ignition.proxy":                                           V3_1,
	"ignition.config.merge.compression":                        V3_1,
	"ignition.config.merge.httpHeaders":                        V3_1,
	"ignition.config.replace.compression":                      V3_1,
	"ignition.config.replace.httpHeaders":                      V3_1,
	"ignition.security.tls.certificateAuthorities.compression": V3_1,
	"ignition.security.tls.certificateAuthorities.httpHeaders": V3_1,
	"storage.files.contents.httpHeaders":                       V3_1,
	"storage.files.append.httpHeaders":                         V3_1,
	"storage.filesystems.mountOptions":                         V3_1,

	// 3.2.0: partition resizing, LUKS, deleting users and groups.
	"storage.disks.partitions.resize": V3_2,
	"storage.luks":                    V3_2,
	"passwd.users.shouldExist":        V3_2,
	"passwd.groups.shouldExist":       V3_2,

	// 3.3.0: kernel arguments.
	"kernelArguments": V3_3,

	// 3.4.0: offline tang provisioning, LUKS discard and open options.
	"storage.luks.clevis.tang.advertisement": V3_4,
	"storage.luks.discard":                   V3_4,
	"storage.luks.openOptions":               V3_4,

	// 3.5.0: IBM Crypto Express.
	"storage.luks.cex": V3_5,
}

// FieldSince returns the version that introduced the field with the given
// pattern (see fieldSince), looking at the pattern and each of its parents.
func FieldSince(pattern string) Version {
	since := V3_0
	for p := pattern; p != ""; {
		if v, ok := fieldSince[p]; ok && since.Less(v) {
			since = v
		}
		i := lastDot(p)
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return since
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// newerFields reports every field set in a config built in Go that its
// declared version does not have. A parsed config cannot have such fields
// (the decoder drops them with a warning), but a Go value would carry them
// into provisioning, so they are errors here. Only the topmost such field of
// a subtree is reported.
func newerFields(cfg *Config, version Version) report.Report {
	var rep report.Report
	if version == Newest {
		return rep
	}
	walkSetFields(reflect.ValueOf(cfg).Elem(), "", nil, func(pattern string, path report.Path) bool {
		since, ok := fieldSince[pattern]
		if ok && version.Less(since) {
			rep.Errorf(path, "field %s is not in spec %s (it was added in %s); set ignition.version to %s or newer, or leave it unset", pattern, version, since, since)
			return false
		}
		return true
	})
	return rep
}

// walkSetFields calls visit for every non-zero field below v, with its
// pattern and path; visit returns whether to descend into the field.
func walkSetFields(v reflect.Value, pattern string, path report.Path, visit func(string, report.Path) bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkSetFields(v.Elem(), pattern, path, visit)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkSetFields(v.Index(i), pattern, path.Append(i), visit)
		}
	case reflect.Struct:
		for _, f := range structFields(v.Type()).list {
			fv := v.FieldByIndex(f.index)
			if fv.IsZero() {
				continue
			}
			child := f.name
			if pattern != "" {
				child = pattern + "." + f.name
			}
			childPath := path.Append(f.name)
			if visit(child, childPath) {
				walkSetFields(fv, child, childPath, visit)
			}
		}
	}
}

// ValueSince is one value of a field and the spec version that first
// accepts it.
type ValueSince struct {
	Value string
	Since Version
}

// FieldValues are the values of one field that not every version accepts,
// in the order messages and docs list them.
type FieldValues struct {
	// What a value is, for messages and docs ("URL schemes").
	Noun   string
	Values []ValueSince
	// AnyFrom is the version from which any value is accepted (the zero
	// Version: none).
	AnyFrom Version
}

// Special mode bits, the values of the mode fields' rule.
const (
	ModeSetuid = "setuid"
	ModeSetgid = "setgid"
	ModeSticky = "sticky"
)

// valueSince is fieldSince's companion for values: per field, the values
// whose availability depends on the version. Keys are patterns as in
// fieldSince, or "Type.jsonKey" for a field of a type used in several
// places (every resource has a source and a hash). It is the single source
// of per-version values: the validator checks against it and the docs
// generator lists each version's values from it. Facts that do not vary by
// version (digest sizes, label lengths) stay with their checks.
var valueSince = map[string]FieldValues{
	// The URL scheme of a source.
	"Resource.source": {Noun: "URL schemes", Values: []ValueSince{
		{"http", V3_0}, {"https", V3_0}, {"tftp", V3_0}, {"s3", V3_0},
		{"gs", V3_2}, {"arn", V3_4}, {"data", V3_0},
	}},
	// The TYPE of a TYPE-HEX hash.
	"Verification.hash": {Noun: "hash types", Values: []ValueSince{
		{"sha512", V3_0}, {"sha256", V3_1},
	}},
	"storage.filesystems.format": {Noun: "formats", Values: []ValueSince{
		{"ext4", V3_0}, {"btrfs", V3_0}, {"xfs", V3_0}, {"vfat", V3_0}, {"swap", V3_0}, {"none", V3_3},
	}},
	// The pins clevis ships; from 3.6.0 any pin is handed to clevis.
	"storage.luks.clevis.custom.pin": {Noun: "pins", Values: []ValueSince{
		{"tang", V3_0}, {"tpm2", V3_0}, {"sss", V3_0},
	}, AnyFrom: V3_6},
	// Older versions document permission bits only; see translate.
	"storage.files.mode":       specialModeValues,
	"storage.directories.mode": specialModeValues,
}

var specialModeValues = FieldValues{Noun: "special bits", Values: []ValueSince{
	{ModeSetuid, V3_6}, {ModeSetgid, V3_6}, {ModeSticky, V3_6},
}}

// Values returns the per-version values of a field, by pattern or by
// "Type.jsonKey" (see valueSince); ok is false for a field without such
// values.
func Values(key string) (FieldValues, bool) {
	fv, ok := valueSince[key]
	return fv, ok
}

// Since returns the version that first accepts value; known is false for a
// value no version accepts.
func (fv FieldValues) Since(value string) (since Version, known bool) {
	for _, vs := range fv.Values {
		if vs.Value == value {
			return vs.Since, true
		}
	}
	return Version{}, false
}

// Accepts reports whether version v accepts value.
func (fv FieldValues) Accepts(value string, v Version) bool {
	if fv.AnyFrom != (Version{}) && v.AtLeast(fv.AnyFrom) {
		return true
	}
	since, known := fv.Since(value)
	return known && v.AtLeast(since)
}

// In returns the values version v accepts, in table order.
func (fv FieldValues) In(v Version) []string {
	var names []string
	for _, vs := range fv.Values {
		if v.AtLeast(vs.Since) {
			names = append(names, vs.Value)
		}
	}
	return names
}

// mustValues is Values for the validator's own keys, which are in the
// table.
func mustValues(key string) FieldValues {
	fv, ok := valueSince[key]
	if !ok {
		panic("config: no per-version values for " + key)
	}
	return fv
}
