package config

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config/report"
)

// newFieldCases lists, for every field added after 3.0.0 (and a few that
// exist since 3.0.0 in contexts where siblings are newer), a config fragment
// using it and the report path of its key. Each is tried under every
// version: older versions must warn that the key is unused, newer ones must
// accept it.
var newFieldCases = []struct {
	pattern   string
	ignition  string // members of the ignition object
	rest      string // top-level members
	keyPath   string
	wantSince Version
}{
	{"ignition.proxy", `"proxy":{}`, "", "ignition.proxy", V3_1},
	{"ignition.config.merge.compression", `"config":{"merge":[{"source":"https://e.com/a","compression":"gzip"}]}`, "", "ignition.config.merge.0.compression", V3_1},
	{"ignition.config.merge.httpHeaders", `"config":{"merge":[{"source":"https://e.com/a","httpHeaders":[]}]}`, "", "ignition.config.merge.0.httpHeaders", V3_1},
	{"ignition.config.replace.compression", `"config":{"replace":{"source":"https://e.com/a","compression":"gzip"}}`, "", "ignition.config.replace.compression", V3_1},
	{"ignition.config.replace.httpHeaders", `"config":{"replace":{"source":"https://e.com/a","httpHeaders":[]}}`, "", "ignition.config.replace.httpHeaders", V3_1},
	{"ignition.security.tls.certificateAuthorities.compression", `"security":{"tls":{"certificateAuthorities":[{"source":"https://e.com/a","compression":"gzip"}]}}`, "", "ignition.security.tls.certificateAuthorities.0.compression", V3_1},
	{"ignition.security.tls.certificateAuthorities.httpHeaders", `"security":{"tls":{"certificateAuthorities":[{"source":"https://e.com/a","httpHeaders":[]}]}}`, "", "ignition.security.tls.certificateAuthorities.0.httpHeaders", V3_1},
	{"storage.files.contents.compression", "", `"storage":{"files":[{"path":"/a","contents":{"source":"data:,a","compression":""}}]}`, "storage.files.0.contents.compression", V3_0},
	{"storage.files.contents.httpHeaders", "", `"storage":{"files":[{"path":"/a","contents":{"source":"https://e.com/a","httpHeaders":[]}}]}`, "storage.files.0.contents.httpHeaders", V3_1},
	{"storage.files.append.compression", "", `"storage":{"files":[{"path":"/a","append":[{"source":"data:,a","compression":""}]}]}`, "storage.files.0.append.0.compression", V3_0},
	{"storage.files.append.httpHeaders", "", `"storage":{"files":[{"path":"/a","append":[{"source":"https://e.com/a","httpHeaders":[]}]}]}`, "storage.files.0.append.0.httpHeaders", V3_1},
	{"storage.filesystems.mountOptions", "", `"storage":{"filesystems":[{"device":"/dev/vdb","format":"ext4","mountOptions":["ro"]}]}`, "storage.filesystems.0.mountOptions", V3_1},
	{"storage.disks.partitions.resize", "", `"storage":{"disks":[{"device":"/dev/vdb","partitions":[{"number":1,"resize":true}]}]}`, "storage.disks.0.partitions.0.resize", V3_2},
	{"storage.luks", "", `"storage":{"luks":[]}`, "storage.luks", V3_2},
	{"passwd.users.shouldExist", "", `"passwd":{"users":[{"name":"a","shouldExist":true}]}`, "passwd.users.0.shouldExist", V3_2},
	{"passwd.groups.shouldExist", "", `"passwd":{"groups":[{"name":"a","shouldExist":true}]}`, "passwd.groups.0.shouldExist", V3_2},
	{"kernelArguments", "", `"kernelArguments":{}`, "kernelArguments", V3_3},
	{"storage.luks.clevis.tang.advertisement", "", `"storage":{"luks":[{"name":"l","device":"/dev/vdb","clevis":{"tang":[{"url":"http://t","thumbprint":"x","advertisement":"{}"}]}}]}`, "storage.luks.0.clevis.tang.0.advertisement", V3_4},
	{"storage.luks.discard", "", `"storage":{"luks":[{"name":"l","device":"/dev/vdb","discard":true}]}`, "storage.luks.0.discard", V3_4},
	{"storage.luks.openOptions", "", `"storage":{"luks":[{"name":"l","device":"/dev/vdb","openOptions":["--allow-discards"]}]}`, "storage.luks.0.openOptions", V3_4},
	{"storage.luks.cex", "", `"storage":{"luks":[{"name":"l","device":"/dev/vdb","cex":{"enabled":true}}]}`, "storage.luks.0.cex", V3_5},
}

func TestNewFieldsPerVersion(t *testing.T) {
	for _, c := range newFieldCases {
		if got := FieldSince(c.pattern); got != c.wantSince {
			t.Errorf("FieldSince(%q) = %s, want %s", c.pattern, got, c.wantSince)
		}
		for _, v := range Versions {
			_, rep, _ := Parse([]byte(withIgnition(v, c.ignition, c.rest)))
			warned := false
			for _, e := range rep.Entries {
				// A key whose parent is also new is reported once, at the
				// parent, since nothing below it is decoded.
				if isPathPrefix(e.Path.String(), c.keyPath) && strings.Contains(e.Message, "unused key") {
					warned = true
					if e.Line != 1 {
						t.Errorf("%s in %s: unused-key warning has no position: %s", c.pattern, v, e)
					}
				}
			}
			if wantWarn := v.Less(c.wantSince); warned != wantWarn {
				t.Errorf("%s in %s: unused-key warning = %v, want %v\n%s", c.pattern, v, warned, wantWarn, rep)
			}
		}
	}
}

// TestFieldSinceNamesRealFields guards against typos in the table: every
// pattern must walk the model's JSON field names.
func TestFieldSinceNamesRealFields(t *testing.T) {
	for pattern, since := range fieldSince {
		typ := reflect.TypeOf(Config{})
		for _, key := range strings.Split(pattern, ".") {
			for typ.Kind() == reflect.Slice || typ.Kind() == reflect.Pointer {
				typ = typ.Elem()
			}
			f := structFields(typ).byName[key]
			if f == nil {
				t.Errorf("fieldSince pattern %q: %s has no field %q", pattern, typ.Name(), key)
				break
			}
			typ = typ.FieldByIndex(f.index).Type
		}
		if !V3_0.Less(since) || Newest.Less(since) {
			t.Errorf("fieldSince[%q] = %s, want a version after 3.0.0 and at most %s", pattern, since, Newest)
		}
	}
}

// TestFieldSinceCoversEveryNewPattern checks the table against the cases
// above, so adding a field to one without the other fails.
func TestFieldSinceCoversEveryNewPattern(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range newFieldCases {
		tested[c.pattern] = true
	}
	for pattern := range fieldSince {
		if !tested[pattern] {
			t.Errorf("fieldSince[%q] has no case in newFieldCases", pattern)
		}
	}
}

func TestFieldSinceInheritsFromParents(t *testing.T) {
	cases := map[string]Version{
		"storage.luks.keyFile.httpHeaders.name": V3_2,
		"storage.luks.cex.enabled":              V3_5,
		"kernelArguments.shouldExist":           V3_3,
		"ignition.proxy.noProxy":                V3_1,
		"storage.files.contents.source":         V3_0,
		"systemd.units.dropins.contents":        V3_0,
	}
	for pattern, want := range cases {
		if got := FieldSince(pattern); got != want {
			t.Errorf("FieldSince(%q) = %s, want %s", pattern, got, want)
		}
	}
}

// isPathPrefix reports whether dotted path p is q or one of its ancestors.
func isPathPrefix(p, q string) bool {
	return p == q || strings.HasPrefix(q, p+".")
}

// TestValidateGoConfigWithNewerFields checks that a config built in Go
// cannot use fields its declared version lacks.
func TestValidateGoConfigWithNewerFields(t *testing.T) {
	cfg := Config{
		Ignition:        Ignition{Version: "3.2.0", Proxy: Proxy{HTTPProxy: vStr("http://p")}},
		KernelArguments: KernelArguments{ShouldExist: []string{"quiet"}},
		Storage:         Storage{Luks: []Luks{{Name: "l", Discard: vBool(true)}}},
	}
	rep := Validate(cfg)
	checkFinding(t, "kargs", rep, wantErr("kernelArguments", "added in 3.3.0"))
	checkFinding(t, "discard", rep, wantErr("storage.luks.0.discard", "added in 3.4.0"))
	for _, e := range rep.Entries {
		if strings.HasPrefix(e.Path.String(), "ignition.proxy") || e.Path.String() == "kernelArguments.shouldExist" {
			t.Errorf("field of the declared version or below a reported field was reported: %s", e)
		}
	}
	cfg.Ignition.Version = "3.4.0"
	for _, e := range Validate(cfg).Entries {
		if strings.Contains(e.Message, "added in") {
			t.Errorf("3.4.0 has these fields, got %s", e)
		}
	}
}

// valueCases gives, for every per-version value in valueSince, a config
// using it and the path of the finding an older version gives.
func valueCases() []struct{ key, value, rest, at string } {
	hex := func(n int) string { return strings.Repeat("a", n) }
	file := func(contents string) string {
		return `"storage":{"files":[{"path":"/a","contents":` + contents + `}]}`
	}
	src := map[string]string{
		"http": "http://e.com/a", "https": "https://e.com/a", "tftp": "tftp://h/a", "s3": "s3://b/k",
		"gs": "gs://b/o", "arn": "arn:aws:s3:::b/k", "data": "data:,a",
	}
	var cases []struct{ key, value, rest, at string }
	add := func(key, value, rest, at string) {
		cases = append(cases, struct{ key, value, rest, at string }{key, value, rest, at})
	}
	for _, vs := range valueSince["Resource.source"].Values {
		add("Resource.source", vs.Value, file(`{"source":"`+src[vs.Value]+`"}`), "storage.files.0.contents.source")
	}
	add("Verification.hash", "sha512", file(`{"source":"data:,a","verification":{"hash":"sha512-`+hex(128)+`"}}`), "storage.files.0.contents.verification.hash")
	add("Verification.hash", "sha256", file(`{"source":"data:,a","verification":{"hash":"sha256-`+hex(64)+`"}}`), "storage.files.0.contents.verification.hash")
	for _, vs := range valueSince["storage.filesystems.format"].Values {
		add("storage.filesystems.format", vs.Value, `"storage":{"filesystems":[{"device":"/dev/vdb","format":"`+vs.Value+`"}]}`, "storage.filesystems.0.format")
	}
	for _, vs := range valueSince["storage.luks.clevis.custom.pin"].Values {
		add("storage.luks.clevis.custom.pin", vs.Value, clevisPin(vs.Value), "storage.luks.0.clevis.custom.pin")
	}
	for bit, name := range map[int]string{0o4644: ModeSetuid, 0o2644: ModeSetgid, 0o1644: ModeSticky} {
		add("storage.files.mode", name, `"storage":{"files":[{"path":"/a","mode":`+strconv.Itoa(bit)+`}]}`, "storage.files.0.mode")
		add("storage.directories.mode", name, `"storage":{"directories":[{"path":"/a","mode":`+strconv.Itoa(bit)+`}]}`, "storage.directories.0.mode")
	}
	return cases
}

// TestValueSinceDecidesVerdicts: each per-version value is refused (or,
// for mode bits, dropped with a warning) exactly by the versions before the
// one the table names, so the table, not a copy of it, decides.
func TestValueSinceDecidesVerdicts(t *testing.T) {
	covered := map[string]int{}
	for _, c := range valueCases() {
		covered[c.key]++
		since, ok := mustValues(c.key).Since(c.value)
		if !ok {
			t.Fatalf("%s: value %q not in the table", c.key, c.value)
		}
		modeBit := strings.HasSuffix(c.key, ".mode")
		for _, v := range Versions {
			_, rep, err := Parse([]byte(`{"ignition":{"version":"` + v.String() + `"},` + c.rest + `}`))
			if err != nil && !rep.IsFatal() {
				t.Fatalf("%s %s in %s: %v", c.key, c.value, v, err)
			}
			var found bool
			for _, e := range rep.Entries {
				found = found || (e.Path.String() == c.at && (modeBit || e.Level == report.Error))
			}
			if found != v.Less(since) || (modeBit && rep.IsFatal()) {
				t.Errorf("%s %s in %s: finding at %s = %v, want %v\n%s", c.key, c.value, v, c.at, found, v.Less(since), rep)
			}
		}
	}
	for key, fv := range valueSince {
		if covered[key] < len(fv.Values) {
			t.Errorf("valueSince[%q] has %d values, %d tested", key, len(fv.Values), covered[key])
		}
	}
}

func clevisPin(pin string) string {
	return `"storage":{"luks":[{"name":"l","device":"/dev/vdb","clevis":{"custom":{"pin":"` + pin + `","config":"{}"}}}]}`
}

// TestAnyPinFrom36: a pin clevis does not ship is refused by the versions
// that have custom pins (3.2.0 on) until the table's AnyFrom.
func TestAnyPinFrom36(t *testing.T) {
	for _, v := range Versions {
		_, rep, _ := Parse([]byte(`{"ignition":{"version":"` + v.String() + `"},` + clevisPin("yubikey") + `}`))
		refused := false
		for _, e := range rep.Entries {
			refused = refused || e.Level == report.Error && e.Path.String() == "storage.luks.0.clevis.custom.pin"
		}
		if want := v.AtLeast(V3_2) && v.Less(V3_6); refused != want {
			t.Errorf("%s: refused = %v, want %v\n%s", v, refused, want, rep)
		}
	}
	if pins := mustValues("storage.luks.clevis.custom.pin"); !pins.Accepts("tang", V3_2) || pins.Accepts("x", V3_5) || !pins.Accepts("x", V3_6) {
		t.Error("Accepts disagrees with the table")
	}
}

// TestValuesLookup: the table's accessors answer by key, value and version.
func TestValuesLookup(t *testing.T) {
	fv, ok := Values("storage.filesystems.format")
	if !ok || fv.Noun != "formats" {
		t.Fatalf("formats: %+v, %v", fv, ok)
	}
	if got := strings.Join(fv.In(V3_2), " "); got != "ext4 btrfs xfs vfat swap" {
		t.Errorf("3.2.0 formats = %s", got)
	}
	if got := strings.Join(fv.In(V3_3), " "); got != "ext4 btrfs xfs vfat swap none" {
		t.Errorf("3.3.0 formats = %s", got)
	}
	if _, known := fv.Since("zfs"); known {
		t.Error("zfs is known")
	}
	if _, ok := Values("storage.files.path"); ok {
		t.Error("storage.files.path has per-version values")
	}
	if bits, since := unappliedModeBits(0o6755, "storage.files.mode", V3_5); bits != 0o6000 || since != V3_6 {
		t.Errorf("unapplied bits of 06755 in 3.5.0 = %#o since %s", bits, since)
	}
	if bits, _ := unappliedModeBits(0o6755, "storage.files.mode", V3_6); bits != 0 {
		t.Errorf("unapplied bits of 06755 in 3.6.0 = %#o", bits)
	}
}
