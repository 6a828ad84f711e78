package config

import (
	"strings"
	"testing"
)

func TestNodeRules(t *testing.T) {
	runStorageCases(t, []storageCase{
		{"ok", V3_0, `{"files":[{"path":"/etc/motd","mode":420,"contents":{"source":"data:,hi"},"overwrite":true,"user":{"id":0},"group":{"name":"root"}}],
			"directories":[{"path":"/srv/data","mode":493}],"links":[{"path":"/etc/localtime","target":"../usr/share/zoneinfo/UTC"}]}`, noFindings},
		{"path required", V3_0, `{"files":[{"mode":420}]}`, wantErr("storage.files.0.path", "file path is required")},
		{"path relative", V3_0, `{"directories":[{"path":"srv"}]}`, wantErr("storage.directories.0.path", "not absolute")},
		{"path double slash", V3_0, `{"files":[{"path":"/etc//motd"}]}`, wantErr("storage.files.0.path", "not clean")},
		{"path dot", V3_0, `{"files":[{"path":"/etc/./motd"}]}`, wantErr("storage.files.0.path", "not clean")},
		{"path dotdot", V3_0, `{"links":[{"path":"/etc/../x","target":"/y"}]}`, wantErr("storage.links.0.path", "not clean")},
		{"path trailing slash", V3_0, `{"directories":[{"path":"/srv/"}]}`, wantErr("storage.directories.0.path", `did you mean "/srv"`)},
		{"same path file and dir", V3_0, `{"files":[{"path":"/a"}],"directories":[{"path":"/a"}]}`, wantErr("storage.directories.0.path", "already used by file storage.files.0")},
		{"same path two links", V3_0, `{"links":[{"path":"/a","target":"/b"},{"path":"/a","target":"/c"}]}`, wantErr("storage.links.1.path", "already used by link")},
		{"mode above 07777", V3_0, `{"directories":[{"path":"/a","mode":8191}]}`, wantErr("storage.directories.0.mode", "out of range")},
		{"mode negative", V3_0, `{"directories":[{"path":"/a","mode":-1}]}`, wantErr("storage.directories.0.mode", "out of range")},
		{"mode max", V3_6, `{"files":[{"path":"/a","mode":4095}]}`, noFindings},
		{"user id and name", V3_0, `{"files":[{"path":"/a","user":{"id":1,"name":"core"}}]}`, wantErr("storage.files.0.user", "not both")},
		{"user id and empty name", V3_0, `{"files":[{"path":"/a","user":{"id":1,"name":""},"group":{"id":0,"name":""}}]}`, noFindings},
		{"group id and name", V3_0, `{"directories":[{"path":"/a","group":{"id":1,"name":"core"}}]}`, wantErr("storage.directories.0.group", "not both")},
		{"user id negative", V3_0, `{"files":[{"path":"/a","user":{"id":-1}}]}`, wantErr("storage.files.0.user.id", "out of range")},
		{"overwrite without source", V3_0, `{"files":[{"path":"/a","overwrite":true}]}`, wantErr("storage.files.0.overwrite", "contents.source")},
		{"overwrite false without source", V3_0, `{"files":[{"path":"/a","overwrite":false}]}`, noFindings},
		{"append ok", V3_0, `{"files":[{"path":"/a","append":[{"source":"data:,x"},{"source":"data:,y"}]}]}`, noFindings},
		{"append resource rule", V3_0, `{"files":[{"path":"/a","append":[{"source":"data:,x"},{"verification":{"hash":"sha512-` + sha512Hex + `"}}]}]}`, wantErr("storage.files.0.append.1.verification.hash", "append fragment")},
		{"contents resource rule", V3_0, `{"files":[{"path":"/a","contents":{"verification":{"hash":"sha512-` + sha512Hex + `"}}}]}`, wantErr("storage.files.0.contents.verification.hash", "file contents")},
		{"link target required", V3_3, `{"links":[{"path":"/a"}]}`, wantErr("storage.links.0.target", "required")},
		{"hard link relative", V3_0, `{"links":[{"path":"/a","target":"b","hard":true}]}`, wantWarn("storage.links.0.target", "resolved against the root")},
		{"hard link to directory", V3_0, `{"links":[{"path":"/a","target":"/d","hard":true}],"directories":[{"path":"/d"}]}`, wantErr("storage.links.0", "is a directory")},
		{"hard link relative to directory", V3_0, `{"links":[{"path":"/a","target":"d","hard":true}],"directories":[{"path":"/a/d"}]}`, wantErr("storage.links.0", "is a directory")},
		{"root path", V3_0, `{"directories":[{"path":"/"}]}`, wantErr("storage.directories.0.path", `the root itself, which cannot be replaced by a directory (safety rule "node paths that can exist"`)},
		{"long component", V3_0, `{"files":[{"path":"/a/` + strings.Repeat("x", 256) + `"}]}`, wantErr("storage.files.0.path", "component of 256 bytes; the limit is 255")},
		{"long component ok", V3_0, `{"files":[{"path":"/a/` + strings.Repeat("x", 255) + `"}]}`, noFindings},
		{"nul in path", V3_0, `{"files":[{"path":"/a\u0000b"}]}`, wantErr("storage.files.0.path", "contains NUL")},
		{"user id huge", V3_0, `{"files":[{"path":"/a","user":{"id":4294967296}}]}`, wantErr("storage.files.0.user.id", `the limit is 0 to 4294967294 (safety rule "sizes and ids in range"`)},
		{"hard link ok", V3_0, `{"links":[{"path":"/a","target":"/b","hard":true}]}`, noFindings},
		{"hard link owner", V3_0, `{"links":[{"path":"/a","target":"/b","hard":true,"user":{"name":"core"}}]}`, wantWarn("storage.links.0", "ignored")},
		{"below link", V3_0, `{"links":[{"path":"/etc/conf","target":"/var/conf"}],"files":[{"path":"/etc/conf/a"}]}`, wantErr("storage.files.0.path", `below the link "/etc/conf"`)},
		{"beside link", V3_0, `{"links":[{"path":"/etc/conf","target":"/var/conf"}],"files":[{"path":"/etc/conf2/a"}]}`, noFindings},
		{"below file", V3_0, `{"files":[{"path":"/etc/x"}],"directories":[{"path":"/etc/x/y"}]}`, wantWarn("storage.directories.0.path", `below the file "/etc/x"`)},
		{"below root link", V3_0, `{"links":[{"path":"/","target":"/x"}],"files":[{"path":"/a"}]}`, wantErr("storage.links.0.path", "the root itself")},
	})
}

// TestLinkTargetByVersion: specs before 3.3.0 declare the target a plain
// string, which their validator does not check.
func TestLinkTargetByVersion(t *testing.T) {
	for _, v := range Versions {
		want := wantErr("storage.links.0.target", "required")
		if v.Less(V3_3) {
			want = wantWarn("storage.links.0.target", "no target; creating it will fail")
		}
		checkFinding(t, v.String(), parseRep(t, withIgnition(v, "", `"storage":{"links":[{"path":"/a","target":""}]}`)), want)
	}
}

// TestModeRange: 07777 is the largest mode (4095 decimal); anything above is
// an error in every version.
func TestModeRange(t *testing.T) {
	for _, v := range Versions {
		src := withIgnition(v, "", `"storage":{"files":[{"path":"/a","mode":4096}]}`)
		checkFinding(t, "4096 "+v.String(), parseRep(t, src), wantErr("storage.files.0.mode", "out of range"))
	}
}

// TestSpecialBitsWarningNotDuplicated: translation of pre-3.6 configs warns
// once about special bits; validation must not add a second warning. In 3.6
// they are simply valid.
func TestSpecialBitsWarningNotDuplicated(t *testing.T) {
	for _, v := range Versions {
		src := withIgnition(v, "", `"storage":{"files":[{"path":"/usr/bin/x","mode":2541}]}`) // 04755
		rep := parseRep(t, src)
		want := 1
		if v.AtLeast(V3_6) {
			want = 0
		}
		if len(rep.Entries) != want {
			t.Errorf("%s: want %d finding(s), got\n%s", v, want, rep)
		}
	}
}

func TestNodesValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{Version: "3.5.0"}, Storage: Storage{
		Files:       []File{{Node: Node{Path: "/x"}, Mode: vInt(0o4755)}},
		Directories: []Directory{{Node: Node{Path: "/x"}}},
		Links:       []Link{{Node: Node{Path: "/l"}, Target: vStr("/t")}},
	}}
	checkFinding(t, "duplicate", Validate(cfg), wantErr("storage.directories.0.path", "already used"))
	cfg.Storage.Directories[0].Path = "/d"
	checkFinding(t, "special bits 3.5", Validate(cfg), wantWarn("storage.files.0.mode", "not applied by spec 3.5.0"))
	cfg.Ignition.Version = "3.6.0"
	checkFinding(t, "fixed", Validate(cfg), noFindings)
}
