package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Structural mutants of the corpus: each takes a config both validators
// accept and changes one to three things in it, the kinds of change real
// configs get wrong (a dropped or duplicated entry, a value of the wrong
// type, an out-of-range or negative number, an empty string, a field of a
// newer version, an odd URL, path, name or mode). The seed is fixed, so a
// disagreement found once is found again.

const (
	mutantSeed        = 20261129
	mutantsPerConfig  = 16
	maxMutationsInOne = 3
)

// jsonPath is a location in a decoded JSON value.
type jsonPath []any

func (p jsonPath) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		parts[i] = fmt.Sprint(e)
	}
	return strings.Join(parts, ".")
}

// nodeAt is one value of a decoded config, its path and the key it is
// under (the nearest object key, for picking odd values by field).
type nodeAt struct {
	path jsonPath
	key  string
	val  any
}

func collectNodes(v any, path jsonPath, key string, out *[]nodeAt) {
	*out = append(*out, nodeAt{path: path, key: key, val: v})
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			collectNodes(x[k], append(append(jsonPath(nil), path...), k), k, out)
		}
	case []any:
		for i, item := range x {
			collectNodes(item, append(append(jsonPath(nil), path...), i), key, out)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// setAt replaces the value at path (not the root) by f(old); f returning
// deleteMarker removes it.
func setAt(root any, path jsonPath, f func(any) any) any {
	if len(path) == 0 {
		return f(root)
	}
	switch x := root.(type) {
	case map[string]any:
		k := path[0].(string)
		nv := setAt(x[k], path[1:], f)
		if nv == deleteMarker {
			delete(x, k)
		} else {
			x[k] = nv
		}
	case []any:
		i := path[0].(int)
		nv := setAt(x[i], path[1:], f)
		if nv == deleteMarker {
			return append(x[:i:i], x[i+1:]...)
		}
		x[i] = nv
	}
	return root
}

type deleteT struct{}

var deleteMarker any = deleteT{}

// Odd values by the field they go into. Keys not listed get the generic
// pools; every key also gets values other configs of the corpus use for it.
var (
	oddURLs = []string{"", "http:host/path", "http:192.168.1.1/x", "s3://bucket", "s3://bucket/key", "s3://", "gs://b/o", "gs://b",
		"arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket", "arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/k",
		"tftp://h/f", "tftp://h", "data:,x", "data:;base64,!!", "data:text/plain;charset=utf-8,hi", "https://", "https://[::1",
		"ftp://x/y", "file:///etc/passwd", "/relative", "http://h/p?q#f", "HTTP://h/p", "https://h:99999/", "http://user:pw@h/",
		"oem://x", "https://h/%zz", "https://h/a b", "http://[::1]:80/x", "https://h?x", "//h/p", "http://", "http:",
		"https://example.com/c.ign", "data:,", "DATA:,x", "http://h:abc/"}
	oddPaths = []string{"", "/", "relative", "/a/../b", "/a//b", "/a/", "/./a", "/etc/passwd", "/a b", "/a\nb", "/" + strings.Repeat("x", 256),
		"/" + strings.Repeat("x", 255), "/etc/systemd/system/foo.service", "//a", "/a\x00b", "/a\tb", "/dev/sda", "/dev/disk/by-label/x", "/..", "/a/.",
		"/usr/local/bin/x", "/etc/systemd/system/foo.service.d/a.conf", "/etc/crypttab"}
	oddNames = []string{"", "a", "a b", "a\nb", "../x", "x/y", "root", "foo.service", "foo@.service", "foo@bar.service", "foo.mount",
		"-foo.service", "foo", ".service", "a:b", "UPPER", strings.Repeat("n", 300), "foo.conf", "a.conf", "x\ty", "core",
		"foo.socket", "foo@bar@baz.service", "@.service", "foo\\x2d.service", "foo-bar_baz.timer", "sshd", "0", "-", "a,b", "a\x00b", "é"}
	oddModes = []any{0, 420, 493, 4095, 4096, 511, -1, 0o7777, 2147483648, 1.5, "0644", 0o1755, 0o4755}
	oddNums  = []any{-1, 0, 1, -4096, 4096, 2147483647, 2147483648, 9007199254740993, json.Number("18446744073709551616"), json.Number("1e3"), 1.5, json.Number("-0"), -9007199254740993, 1 << 40,
		json.Number("1.0"), json.Number("4E2"), json.Number("1e400"), 8796093022207, 8796093022208, 4294967294, 4294967296, 256, 257, 9223372036, 9223372037}
	oddText = []string{"", " ", "x", "\n", "a\nb", "Keep-Alive", "X Bad", "Host", "a:b", "sha512-abc", "sha256-" + strings.Repeat("a", 64),
		"sha512-" + strings.Repeat("0", 128), "sha256-XYZ", "md5-0", "gzip", "xz", "none", "GZIP", "ext4", "xfs", "btrfs", "vfat", "swap", "ntfs",
		"raid0", "raid1", "linear", "raid5", "raid7", "raid10", "00000000-0000-0000-0000-000000000000", "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
		"{0fc63daf-8483-4772-8e79-3d69d8477de4}", "0fc63daf84834772", "--allow-discards", "defaults", "ro,noatime", "ro\nx", "a=b",
		"[Unit]\nDescription=x\n", "[Unit]\nDescription\n", "no section", "[Install]\nWantedBy=multi-user.target\n",
		"[Install]\nAlias=../../../etc/passwd\n", "[Install]\nWantedBy=foo/bar.target\n", "[Unit\n", "Key=Value\n",
		"[Service]\nExecStart=/bin/true \\\n  continued\n", "# comment\n[X]\n", "[Unit]\n\n[Install]\nAlias=x.service\n",
		"[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n", "10.0.0.0/8", ".example.com", "*", "http://proxy:3128",
		"https://proxy", "socks5://p", "$6$salt$hash", "ssh-ed25519 AAAA", "console=ttyS0", "vol\nhome UUID=deadbeef none luks,discard",
		"{}", "not json", "tpm2", "tang", "sss", "custom"}
	oddByKey = map[string][]any{}
)

func init() {
	for _, k := range []string{"source", "url", "httpProxy", "httpsProxy"} {
		oddByKey[k] = strs(oddURLs)
	}
	for _, k := range []string{"path", "device", "homeDir", "shell", "target", "devices"} {
		oddByKey[k] = strs(oddPaths)
	}
	for _, k := range []string{"name", "label", "primaryGroup", "groups"} {
		oddByKey[k] = strs(oddNames)
	}
	oddByKey["mode"] = oddModes
	for _, k := range []string{"number", "sizeMiB", "startMiB", "uid", "gid", "id", "spares", "threshold", "httpTotal", "httpResponseHeaders"} {
		oddByKey[k] = oddNums
	}
	oddByKey["version"] = strs([]string{"3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0", "3.6.0", "3.7.0-experimental", "3.7.0", "2.3.0",
		"3.6.0-experimental", "03.6.0", "3.6", "3.6.0+x", "3.6.0-", "", "v3.6.0"})
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// mutator makes mutants of configs, drawing replacement values also from a
// pool of what the corpus itself uses under each key.
type mutator struct {
	rng    *rand.Rand
	byKey  map[string][]any
	keys   []string // every object key seen, for adding fields
	values map[string]bool
}

func newMutator(bases []any) *mutator {
	m := &mutator{rng: rand.New(rand.NewSource(mutantSeed)), byKey: map[string][]any{}, values: map[string]bool{}}
	seenKey := map[string]bool{}
	for _, b := range bases {
		var nodes []nodeAt
		collectNodes(b, nil, "", &nodes)
		for _, n := range nodes {
			if n.key == "" {
				continue
			}
			if !seenKey[n.key] {
				seenKey[n.key] = true
				m.keys = append(m.keys, n.key)
			}
			enc, _ := json.Marshal(n.val)
			sig := n.key + "\x00" + string(enc)
			if len(enc) < 2000 && !m.values[sig] {
				m.values[sig] = true
				m.byKey[n.key] = append(m.byKey[n.key], n.val)
			}
		}
	}
	sort.Strings(m.keys)
	return m
}

func (m *mutator) pick(xs []any) any { return xs[m.rng.Intn(len(xs))] }

// value is a replacement for a value under key.
func (m *mutator) value(key string) any {
	switch r := m.rng.Intn(10); {
	case r < 4 && len(oddByKey[key]) > 0:
		return m.pick(oddByKey[key])
	case r < 7 && len(m.byKey[key]) > 0:
		return deepCopy(m.pick(m.byKey[key]))
	case r < 8:
		return m.pick(oddNums)
	default:
		return m.pick(strs(oddText))
	}
}

// retype is a value of another JSON type than v.
func (m *mutator) retype(v any) any {
	choices := []any{"1", 1, true, nil, []any{}, map[string]any{}, []any{"x"}, map[string]any{"x": 1}}
	for {
		c := m.pick(choices)
		if fmt.Sprintf("%T", c) != fmt.Sprintf("%T", v) {
			return c
		}
	}
}

// mutate applies one mutation to cfg (modified in place, returned since
// the root may change) and describes it.
func (m *mutator) mutate(cfg any) (any, string) {
	var nodes []nodeAt
	collectNodes(cfg, nil, "", &nodes)
	n := nodes[m.rng.Intn(len(nodes))]
	switch op := m.rng.Intn(10); {
	case op == 0 && len(n.path) > 0:
		return setAt(cfg, n.path, func(any) any { return deleteMarker }), "drop " + n.path.String()
	case op == 1:
		if list, ok := n.val.([]any); ok && len(list) > 0 {
			i := m.rng.Intn(len(list))
			dup := append(append([]any{}, list...), deepCopy(list[i]))
			return setAt(cfg, n.path, func(any) any { return dup }), fmt.Sprintf("duplicate %s.%d", n.path, i)
		}
		fallthrough
	case op == 2:
		nv := m.retype(n.val)
		return setAt(cfg, n.path, func(any) any { return nv }), "retype " + n.path.String() + "=" + short(nv)
	case op == 3:
		if obj, ok := n.val.(map[string]any); ok {
			k := m.keys[m.rng.Intn(len(m.keys))]
			nv := m.value(k)
			obj[k] = nv
			return cfg, "add " + append(n.path, k).String() + "=" + short(nv)
		}
		fallthrough
	case op == 4:
		if _, ok := n.val.(string); ok {
			return setAt(cfg, n.path, func(any) any { return "" }), "empty " + n.path.String()
		}
		fallthrough
	case op == 5:
		if v, ok := versionOf(cfg); ok {
			nv := m.pick(oddByKey["version"])
			setAt(cfg, jsonPath{"ignition", "version"}, func(any) any { return nv })
			return cfg, "version " + v + "->" + short(nv)
		}
		fallthrough
	case op == 8:
		if obj, ok := n.val.(map[string]any); ok && len(obj) > 0 {
			keys := sortedKeys(obj)
			k := keys[m.rng.Intn(len(keys))]
			nk := recase(k, m.rng)
			if _, taken := obj[nk]; !taken {
				obj[nk] = obj[k]
				delete(obj, k)
				return cfg, "recase " + append(n.path, k).String() + "->" + nk
			}
		}
		fallthrough
	case op == 9:
		if obj, ok := n.val.(map[string]any); ok && len(obj) > 0 {
			keys := sortedKeys(obj)
			k := keys[m.rng.Intn(len(keys))]
			second := m.value(k)
			if m.rng.Intn(3) == 0 {
				second = nil
			}
			obj[k] = dupMember{first: obj[k], second: second}
			return cfg, "twice " + append(n.path, k).String() + "=" + short(second)
		}
		fallthrough
	default:
		if len(n.path) == 0 {
			return cfg, "none"
		}
		if list, ok := n.val.([]any); ok && n.key != "" {
			nv := append(append([]any{}, list...), m.value(n.key))
			return setAt(cfg, n.path, func(any) any { return nv }), "append " + n.path.String() + "+=" + short(nv[len(nv)-1])
		}
		nv := m.value(n.key)
		return setAt(cfg, n.path, func(any) any { return nv }), "set " + n.path.String() + "=" + short(nv)
	}
}

// dupMember is an object member written twice, first then second, to try
// how each decoder handles a repeated key.
type dupMember struct{ first, second any }

// encodeMutant writes a mutant as JSON, keys sorted, with dupMember values
// written as two members of the same key.
func encodeMutant(v any) ([]byte, error) {
	var b bytes.Buffer
	err := encodeValue(&b, v)
	return b.Bytes(), err
}

func encodeValue(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			vals := []any{x[k]}
			if d, ok := x[k].(dupMember); ok {
				vals = []any{d.first, d.second}
			}
			for j, val := range vals {
				if j > 0 {
					b.WriteByte(',')
				}
				key, _ := json.Marshal(k)
				b.Write(key)
				b.WriteByte(':')
				if err := encodeValue(b, val); err != nil {
					return err
				}
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeValue(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case dupMember:
		return encodeValue(b, x.second)
	default:
		enc, err := json.Marshal(x)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	return nil
}

// recase spells a key differently for a case-insensitive match: all upper,
// first letter upper, or with a letter replaced by one that folds to it
// (the Kelvin sign for k, the long s for s).
func recase(k string, rng *rand.Rand) string {
	switch rng.Intn(3) {
	case 0:
		return strings.ToUpper(k)
	case 1:
		if strings.ContainsAny(k, "ks") {
			return strings.NewReplacer("k", "\u212a", "s", "\u017f").Replace(k)
		}
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

func versionOf(cfg any) (string, bool) {
	obj, _ := cfg.(map[string]any)
	ign, _ := obj["ignition"].(map[string]any)
	v, ok := ign["version"].(string)
	return v, ok
}

func short(v any) string {
	b, _ := json.Marshal(v)
	return clip(string(b), 60)
}

func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	decodeJSON(b, &out)
	return out
}

func decodeJSON(b []byte, out *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(out)
}

// mutants returns n mutants of every base, named after the base and what
// changed.
func (m *mutator) mutants(bases []validateInput, decoded []any, n int) []validateInput {
	var out []validateInput
	for i, base := range bases {
		for j := 0; j < n; j++ {
			cfg := deepCopy(decoded[i])
			var what []string
			for k := 1 + m.rng.Intn(maxMutationsInOne); k > 0; k-- {
				var d string
				cfg, d = m.mutate(cfg)
				what = append(what, d)
			}
			data, err := encodeMutant(cfg)
			if err != nil {
				continue
			}
			out = append(out, validateInput{base.name + " ~ " + strings.Join(what, ", ") + " #" + strconv.Itoa(j), data})
		}
	}
	return out
}

// validBases are the corpus inputs both validators accept, decoded.
func validBases(t testing.TB) ([]validateInput, []any) {
	seen := map[[32]byte]bool{}
	var bases []validateInput
	var decoded []any
	for _, src := range validateSources {
		if (src.name == "wild-bu" || src.name == "wild-ign") && !haveWildConfigs() {
			continue
		}
		for _, in := range dedupe(src.load(t), seen) {
			theirs, panicked := ignitionVerdict(in.data)
			if panicked || !theirs.valid {
				continue
			}
			var v any
			if decodeJSON(in.data, &v) != nil {
				continue
			}
			bases = append(bases, in)
			decoded = append(decoded, v)
		}
	}
	return bases, decoded
}

// TestValidateMutants compares the verdicts on structural mutants of every
// valid corpus config.
func TestValidateMutants(t *testing.T) {
	bases, decoded := validBases(t)
	m := newMutator(decoded)
	inputs := m.mutants(bases, decoded, mutantsPerConfig)
	compareInputs(inputs).check(t, "mutants")
}
