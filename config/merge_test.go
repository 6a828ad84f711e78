package config

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// fromJSON decodes a config fragment straight into the model (no version
// rules, no validation), so merge tests state their inputs compactly.
func fromJSON(t testing.TB, s string) Config {
	t.Helper()
	var c Config
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return c
}

func canonicalJSON(t testing.TB, c Config) string {
	t.Helper()
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMergeRules(t *testing.T) {
	cases := []struct {
		name                  string
		parent, child, result string
	}{
		// scalars and structs
		{"child scalar replaces parent",
			`{"ignition":{"version":"3.6.0","timeouts":{"httpTotal":10}}}`,
			`{"ignition":{"version":"3.6.0","timeouts":{"httpTotal":20}}}`,
			`{"ignition":{"version":"3.6.0","timeouts":{"httpTotal":20}}}`},
		{"unset child scalar keeps parent, fields merge one by one",
			`{"ignition":{"version":"3.6.0","timeouts":{"httpTotal":10},"proxy":{"httpProxy":"http://p"}}}`,
			`{"ignition":{"version":"3.6.0","timeouts":{"httpResponseHeaders":5}}}`,
			`{"ignition":{"version":"3.6.0","timeouts":{"httpResponseHeaders":5,"httpTotal":10},"proxy":{"httpProxy":"http://p"}}}`},
		{"set-to-zero child scalar still replaces (false, 0, empty string)",
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","enabled":true,"contents":"x"}]}}`,
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","enabled":false,"contents":""}]}}`,
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","enabled":false,"contents":""}]}}`},
		{"newer declared version wins",
			`{"ignition":{"version":"3.6.0"}}`,
			`{"ignition":{"version":"3.2.0"}}`,
			`{"ignition":{"version":"3.6.0"}}`},
		{"newer declared version wins from the child too",
			`{"ignition":{"version":"3.1.0"}}`,
			`{"ignition":{"version":"3.4.0"}}`,
			`{"ignition":{"version":"3.4.0"}}`},

		{"a child without a version keeps the parent's",
			`{"ignition":{"version":"3.2.0"}}`,
			`{"ignition":{"version":""}}`,
			`{"ignition":{"version":"3.2.0"}}`},
		{"an unreadable child version is kept for Validate to report",
			`{"ignition":{"version":"3.6.0"}}`,
			`{"ignition":{"version":"9.9"}}`,
			`{"ignition":{"version":"9.9"}}`},

		// files, directories, links: one key space
		{"files merge by path, parent order kept, new appended",
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","mode":420},{"path":"/b","mode":420}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/c"},{"path":"/a","mode":384,"overwrite":true}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","overwrite":true,"mode":384},{"path":"/b","mode":420},{"path":"/c"}]}}`},
		{"child directory replaces parent file at the same path",
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/x","mode":420},{"path":"/y"}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"directories":[{"path":"/x","mode":493}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"directories":[{"path":"/x","mode":493}],"files":[{"path":"/y"}]}}`},
		{"child file replaces parent link, child link replaces parent directory",
			`{"ignition":{"version":"3.6.0"},"storage":{"links":[{"path":"/l","target":"/t"}],"directories":[{"path":"/d"}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/l"}],"links":[{"path":"/d","target":"/u"}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/l"}],"links":[{"path":"/d","target":"/u"}]}}`},
		{"file fields merge: contents by field, user/group by field",
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","user":{"name":"core"},"contents":{"source":"http://a","verification":{"hash":"sha512-00"}}}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","group":{"id":7},"contents":{"compression":"gzip"}}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","group":{"id":7},"user":{"name":"core"},"contents":{"compression":"gzip","source":"http://a","verification":{"hash":"sha512-00"}}}]}}`},
		{"file append fragments are concatenated, duplicates kept",
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","append":[{"source":"data:,1"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","append":[{"source":"data:,1"},{"source":"data:,2"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","append":[{"source":"data:,1"},{"source":"data:,1"},{"source":"data:,2"}]}]}}`},

		// systemd
		{"units by name, dropins by name within a unit",
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","contents":"A","dropins":[{"name":"1.conf","contents":"one"},{"name":"2.conf","contents":"two"}]},{"name":"b.service","mask":true}]}}`,
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","enabled":true,"dropins":[{"name":"3.conf","contents":"three"},{"name":"1.conf","contents":"uno"}]},{"name":"c.service"}]}}`,
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"contents":"A","dropins":[{"contents":"uno","name":"1.conf"},{"contents":"two","name":"2.conf"},{"contents":"three","name":"3.conf"}],"enabled":true,"name":"a.service"},{"mask":true,"name":"b.service"},{"name":"c.service"}]}}`},

		// passwd
		{"users by name; ssh keys and groups are sets",
			`{"ignition":{"version":"3.6.0"},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["k1","k2"],"groups":["wheel"],"uid":1000},{"name":"ops"}]}}`,
			`{"ignition":{"version":"3.6.0"},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["k2","k3"],"groups":["docker","wheel"],"shell":"/bin/zsh"},{"name":"new"}]}}`,
			`{"ignition":{"version":"3.6.0"},"passwd":{"users":[{"groups":["wheel","docker"],"name":"core","sshAuthorizedKeys":["k1","k2","k3"],"shell":"/bin/zsh","uid":1000},{"name":"ops"},{"name":"new"}]}}`},
		{"groups by name",
			`{"ignition":{"version":"3.6.0"},"passwd":{"groups":[{"name":"g","gid":5},{"name":"h"}]}}`,
			`{"ignition":{"version":"3.6.0"},"passwd":{"groups":[{"name":"g","system":true},{"name":"i"}]}}`,
			`{"ignition":{"version":"3.6.0"},"passwd":{"groups":[{"gid":5,"name":"g","system":true},{"name":"h"},{"name":"i"}]}}`},

		// disks and partitions
		{"disks by device, partitions by number",
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"number":1,"label":"a","sizeMiB":10},{"number":2,"label":"b"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","wipeTable":true,"partitions":[{"number":2,"sizeMiB":20}]},{"device":"/dev/vdb"}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"a","number":1,"sizeMiB":10},{"label":"b","number":2,"sizeMiB":20}],"wipeTable":true},{"device":"/dev/vdb"}]}}`},
		{"partitions without a number match by label",
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"root","sizeMiB":10},{"label":"var"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"root","resize":true},{"label":"data"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"root","resize":true,"sizeMiB":10},{"label":"var"},{"label":"data"}]}]}}`},
		{"a numbered child partition does not match an unnumbered parent with the same label",
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"root"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"number":4,"label":"root"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"root"},{"label":"root","number":4}]}]}}`},

		// filesystems, raid, luks
		{"filesystems by device; options and mountOptions concatenated",
			`{"ignition":{"version":"3.6.0"},"storage":{"filesystems":[{"device":"/dev/a","format":"ext4","options":["-E","x"],"mountOptions":["ro"]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"filesystems":[{"device":"/dev/a","format":"xfs","options":["-E"],"mountOptions":["ro","noatime"]},{"device":"/dev/b"}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"filesystems":[{"device":"/dev/a","format":"xfs","mountOptions":["ro","ro","noatime"],"options":["-E","x","-E"]},{"device":"/dev/b"}]}}`},
		{"raid by name; devices a set, options concatenated",
			`{"ignition":{"version":"3.6.0"},"storage":{"raid":[{"name":"md0","level":"raid1","devices":["/dev/a","/dev/b"],"options":["--x"]}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"raid":[{"name":"md0","devices":["/dev/b","/dev/c"],"options":["--x"],"spares":1}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"raid":[{"devices":["/dev/a","/dev/b","/dev/c"],"level":"raid1","name":"md0","options":["--x","--x"],"spares":1}]}}`},
		{"luks by name; tang by url; options concatenated; openOptions a set",
			`{"ignition":{"version":"3.6.0"},"storage":{"luks":[{"name":"root","device":"/dev/a","options":["--a"],"openOptions":["--o"],"clevis":{"tang":[{"url":"http://t1","thumbprint":"x"},{"url":"http://t2"}],"threshold":1}}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"luks":[{"name":"root","options":["--a"],"openOptions":["--o","--p"],"clevis":{"tang":[{"url":"http://t2","thumbprint":"y"},{"url":"http://t3"}],"tpm2":true}}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"luks":[{"clevis":{"tang":[{"thumbprint":"x","url":"http://t1"},{"thumbprint":"y","url":"http://t2"},{"url":"http://t3"}],"threshold":1,"tpm2":true},"device":"/dev/a","name":"root","openOptions":["--o","--p"],"options":["--a","--a"]}]}}`},

		// ignition section
		{"merge sources and CAs by source; noProxy a set",
			`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://m1"}]},"security":{"tls":{"certificateAuthorities":[{"source":"http://ca1"}]}},"proxy":{"noProxy":["a","b"]}}}`,
			`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://m2"},{"source":"http://m1","verification":{"hash":"sha512-11"}}]},"security":{"tls":{"certificateAuthorities":[{"source":"http://ca1","compression":"gzip"},{"source":"http://ca2"}]}},"proxy":{"noProxy":["b","c"]}}}`,
			`{"ignition":{"config":{"merge":[{"source":"http://m1","verification":{"hash":"sha512-11"}},{"source":"http://m2"}]},"proxy":{"noProxy":["a","b","c"]},"security":{"tls":{"certificateAuthorities":[{"compression":"gzip","source":"http://ca1"},{"source":"http://ca2"}]}},"version":"3.6.0"}}`},
		{"replace merges field by field",
			`{"ignition":{"version":"3.6.0","config":{"replace":{"source":"http://r","httpHeaders":[{"name":"A","value":"1"}]}}}}`,
			`{"ignition":{"version":"3.6.0","config":{"replace":{"verification":{"hash":"sha256-aa"}}}}}`,
			`{"ignition":{"version":"3.6.0","config":{"replace":{"source":"http://r","httpHeaders":[{"name":"A","value":"1"}],"verification":{"hash":"sha256-aa"}}}}}`},
		{"httpHeaders by name; child value replaces; child without value deletes",
			`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://m","httpHeaders":[{"name":"A","value":"1"},{"name":"B","value":"2"},{"name":"C","value":"3"}]}]}}}`,
			`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://m","httpHeaders":[{"name":"B"},{"name":"A","value":"9"},{"name":"D","value":"4"}]}]}}}`,
			`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://m","httpHeaders":[{"name":"A","value":"9"},{"name":"C","value":"3"},{"name":"D","value":"4"}]}]}}}`},
		{"deleting every header leaves none",
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/f","contents":{"source":"http://f","httpHeaders":[{"name":"A","value":"1"}]}}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/f","contents":{"httpHeaders":[{"name":"A"}]}}]}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/f","contents":{"source":"http://f"}}]}}`},

		// kernel arguments
		{"kernel arguments: sets, parent order kept",
			`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["a","b"],"shouldNotExist":["x"]}}`,
			`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["c","a"],"shouldNotExist":["y"]}}`,
			`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["a","b","c"],"shouldNotExist":["x","y"]}}`},
		{"kernel arguments: child shouldNotExist removes parent shouldExist and vice versa",
			`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["quiet","mitigations=off"],"shouldNotExist":["debug"]}}`,
			`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["debug"],"shouldNotExist":["mitigations=off"]}}`,
			`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["quiet","debug"],"shouldNotExist":["mitigations=off"]}}`},

		// empty sides
		{"empty child is the identity",
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a"}]},"passwd":{"users":[{"name":"u","sshAuthorizedKeys":["k"]}]}}`,
			`{"ignition":{"version":"3.6.0"}}`,
			`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a"}]},"passwd":{"users":[{"name":"u","sshAuthorizedKeys":["k"]}]}}`},
		{"empty parent takes the child",
			`{"ignition":{"version":"3.6.0"}}`,
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","dropins":[{"name":"x.conf"}]}]}}`,
			`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","dropins":[{"name":"x.conf"}]}]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent, child := fromJSON(t, tc.parent), fromJSON(t, tc.child)
			parentBefore, childBefore := canonicalJSON(t, parent), canonicalJSON(t, child)
			got := canonicalJSON(t, Merge(parent, child))
			want := canonicalJSON(t, fromJSON(t, tc.result))
			if got != want {
				t.Errorf("merge result\n got %s\nwant %s", got, want)
			}
			if canonicalJSON(t, parent) != parentBefore || canonicalJSON(t, child) != childBefore {
				t.Errorf("Merge modified its inputs")
			}
		})
	}
}

// TestMergeListsAreFresh checks that appending to a merged list cannot write
// into the backing array of an input's list.
func TestMergeListsAreFresh(t *testing.T) {
	parent := fromJSON(t, `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a"},{"path":"/b"}]}}`)
	parent.Storage.Files = parent.Storage.Files[:1:2] // spare capacity in the parent's array
	merged := Merge(parent, fromJSON(t, `{"ignition":{"version":"3.6.0"}}`))
	merged.Storage.Files = append(merged.Storage.Files, File{Node: Node{Path: "/new"}})
	if spare := parent.Storage.Files[:2][1].Path; spare != "/b" {
		t.Fatalf("appending to the merged list overwrote the parent's array: %q", spare)
	}
}

// TestMergeDepthFirstChain checks the order the renderer relies on: merging
// children one after another, each into the accumulated result, lets a later
// child override an earlier one.
func TestMergeDepthFirstChain(t *testing.T) {
	base := fromJSON(t, `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/motd","mode":420}]}}`)
	first := fromJSON(t, `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/motd","contents":{"source":"data:,one"}}]}}`)
	second := fromJSON(t, `{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/etc/motd","contents":{"source":"data:,two"}}]}}`)
	got := Merge(Merge(base, first), second)
	f := got.Storage.Files
	if len(f) != 1 || *f[0].Contents.Source != "data:,two" || f[0].Mode == nil || *f[0].Mode != 0o644 {
		t.Fatalf("chain result %s", canonicalJSON(t, got))
	}
}

// TestMergeIdempotent checks merge(x, x) == x for configs without
// concatenated lists (append, options), the rule FuzzMerge relies on.
func TestMergeIdempotent(t *testing.T) {
	x := fromJSON(t, `{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://m","httpHeaders":[{"name":"A","value":"1"}]}]},"proxy":{"noProxy":["a"]}},
		"kernelArguments":{"shouldExist":["a"],"shouldNotExist":["b"]},
		"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["k"],"groups":["wheel"]}],"groups":[{"name":"g"}]},
		"storage":{"files":[{"path":"/a","contents":{"source":"data:,x"}}],"directories":[{"path":"/d"}],"links":[{"path":"/l","target":"/a"}],
			"disks":[{"device":"/dev/vda","partitions":[{"number":1},{"label":"x"}]}],"raid":[{"name":"md","devices":["/dev/a"]}],
			"luks":[{"name":"l","openOptions":["--o"],"clevis":{"tang":[{"url":"http://t"}]}}],"filesystems":[{"device":"/dev/a"}]},
		"systemd":{"units":[{"name":"a.service","dropins":[{"name":"d.conf"}]}]}}`)
	if got, want := canonicalJSON(t, Merge(x, x)), canonicalJSON(t, x); got != want {
		t.Fatalf("merge(x, x)\n got %s\nwant %s", got, want)
	}
}

func TestMergeZeroConfigs(t *testing.T) {
	if got := Merge(Config{}, Config{}); !reflect.DeepEqual(got, Config{}) {
		t.Fatalf("Merge of zero configs = %+v", got)
	}
}

// FuzzMerge merges parsed configs: it must never panic, an empty config is
// an identity on either side, and merge(x, x) == x whenever x avoids the
// three things that by design are not idempotent: concatenated lists
// (append, options), repeated keys, and header deletions.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"ignition":{"version":"3.6.0"},"storage":{"files":[{"path":"/a","mode":420}]}}`),
		[]byte(`{"ignition":{"version":"3.6.0"},"storage":{"directories":[{"path":"/a"}]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.3.0"},"kernelArguments":{"shouldExist":["a"],"shouldNotExist":["b"]}}`),
		[]byte(`{"ignition":{"version":"3.6.0"},"kernelArguments":{"shouldExist":["b"]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://x","httpHeaders":[{"name":"A","value":"1"}]}]}},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["k"]}]}}`),
		[]byte(`{"ignition":{"version":"3.6.0","config":{"merge":[{"source":"http://x","httpHeaders":[{"name":"A"}]}]}},"passwd":{"users":[{"name":"core","groups":["g"]}]}}`))
	f.Add([]byte(`{"ignition":{"version":"3.6.0"},"storage":{"disks":[{"device":"/dev/a","partitions":[{"label":"x"},{"number":1}]}],"luks":[{"name":"l","device":"/dev/a","clevis":{"tang":[{"url":"http://t"}]}}]}}`),
		[]byte(`{"ignition":{"version":"3.6.0"},"systemd":{"units":[{"name":"a.service","dropins":[{"name":"d.conf"}]}]}}`))
	empty := Config{Ignition: Ignition{Version: Newest.String()}}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		x, _, errX := Parse(a)
		y, _, errY := Parse(b)
		if errX != nil || errY != nil {
			return
		}
		_ = Merge(x, y)
		_ = Merge(y, x)
		want := normalJSON(t, x)
		if got := normalJSON(t, Merge(x, empty)); got != want {
			t.Fatalf("merge(x, empty)\n got %s\nwant %s", got, want)
		}
		if got := normalJSON(t, Merge(empty, x)); got != want {
			t.Fatalf("merge(empty, x)\n got %s\nwant %s", got, want)
		}
		if mergeIsIdempotentFor(x) {
			if got := normalJSON(t, Merge(x, x)); got != want {
				t.Fatalf("merge(x, x)\n got %s\nwant %s", got, want)
			}
		}
	})
}

// normalJSON is canonicalJSON after a round trip, so an empty list and an
// absent one (which Merge does not keep apart) look the same.
func normalJSON(t testing.TB, c Config) string {
	t.Helper()
	return canonicalJSON(t, fromJSON(t, canonicalJSON(t, c)))
}

// mergeIsIdempotentFor reports whether x has no concatenated list, no
// repeated key in a keyed list and no valueless HTTP header.
func mergeIsIdempotentFor(x Config) bool {
	keys := newKeyCheck()
	headersOK := func(r Resource) bool {
		names := newKeyCheck()
		for _, h := range r.HTTPHeaders {
			if h.Value == nil || !names.add(h.Name) {
				return false
			}
		}
		return true
	}
	ok := true
	checkResources := func(rs []Resource) {
		k := newKeyCheck()
		for _, r := range rs {
			ok = ok && headersOK(r) && k.add(resourceKey(r))
		}
	}
	s := x.Storage
	checkResources(x.Ignition.Config.Merge)
	checkResources(x.Ignition.Security.TLS.CertificateAuthorities)
	ok = ok && headersOK(x.Ignition.Config.Replace)
	for _, f := range s.Files {
		ok = ok && len(f.Append) == 0 && headersOK(f.Contents) && keys.add(f.Path)
	}
	for _, d := range s.Directories {
		ok = ok && keys.add(d.Path)
	}
	for _, l := range s.Links {
		ok = ok && keys.add(l.Path)
	}
	ok = ok && allUnique(s.Disks, diskKey) && allUnique(s.Filesystems, filesystemKey) &&
		allUnique(s.Raid, raidKey) && allUnique(s.Luks, luksKey) &&
		allUnique(x.Passwd.Users, userKey) && allUnique(x.Passwd.Groups, groupKey) &&
		allUnique(x.Systemd.Units, unitKey)
	for _, d := range s.Disks {
		ok = ok && allUnique(d.Partitions, partitionKey)
	}
	for _, fs := range s.Filesystems {
		ok = ok && len(fs.Options) == 0 && len(fs.MountOptions) == 0
	}
	for _, r := range s.Raid {
		ok = ok && len(r.Options) == 0
	}
	for _, l := range s.Luks {
		ok = ok && len(l.Options) == 0 && headersOK(l.KeyFile) && allUnique(l.Clevis.Tang, tangKey)
	}
	for _, u := range x.Systemd.Units {
		ok = ok && allUnique(u.Dropins, dropinKey)
	}
	return ok
}

type keyCheck map[string]bool

func newKeyCheck() keyCheck { return keyCheck{} }

// add records k and reports whether it was new.
func (c keyCheck) add(k string) bool {
	if c[k] {
		return false
	}
	c[k] = true
	return true
}

func allUnique[T any](items []T, key func(T) string) bool {
	seen := newKeyCheck()
	for _, it := range items {
		if !seen.add(key(it)) {
			return false
		}
	}
	return true
}

// TestMergeKeepsEveryField fills every field of the model and merges it with
// an empty config on either side: a field added to types.go but forgotten
// in merge.go would be lost and fail this test.
func TestMergeKeepsEveryField(t *testing.T) {
	var full Config
	fillAll(reflect.ValueOf(&full).Elem())
	empty := Config{}
	want := canonicalJSON(t, full)
	if got := canonicalJSON(t, Merge(full, empty)); got != want {
		t.Errorf("merge(full, empty) lost fields\n got %s\nwant %s", got, want)
	}
	if got := canonicalJSON(t, Merge(empty, full)); got != want {
		t.Errorf("merge(empty, full) lost fields\n got %s\nwant %s", got, want)
	}
}

// fillAll sets every scalar, pointer and list below v to a non-zero value.
func fillAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Int:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("fillAll: unexpected kind " + v.Kind().String())
	}
}
