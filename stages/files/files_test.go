package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/internal/testutil"
	"github.com/kindling-dev/kindling/stages"
)

// allVersions are the stable spec versions; versionsSince those that can
// express a feature.
var (
	allVersions   = testutil.StableVersions()
	versionsSince = testutil.VersionsSince
)

// newRoot makes a minimal target root: the account databases useradd
// needs, with root, a "svc" user (uid 900) and group "svcgrp" (gid 901).
func newRoot(t testing.TB) string {
	t.Helper()
	return fillRoot(t, t.TempDir())
}

// fillRoot gives dir the few files of a target root the stage reads.
func fillRoot(t testing.TB, dir string) string {
	t.Helper()
	return testutil.FillRoot(t, dir, nil)
}

// apply parses a config body (everything but the version) for version and
// runs the files stage on root.
func apply(t testing.TB, root, version, body string) error {
	t.Helper()
	data := fmt.Sprintf(`{"ignition":{"version":%q}%s}`, version, body)
	cfg, rep, err := config.Parse([]byte(data))
	if err != nil {
		t.Fatalf("config does not parse: %v\n%v", err, rep)
	}
	env := &stages.Env{Root: root, RunDir: t.TempDir(), Fetcher: resource.New(resource.Options{})}
	return stage{}.Run(context.Background(), env, &cfg)
}

type wantNode struct {
	path     string
	mode     os.FileMode // type and permission bits, as os.Lstat gives them
	uid, gid int
	contents *string // for files
	target   string  // for symlinks
}

func ptr(s string) *string { return &s }

func checkNode(t *testing.T, root string, w wantNode) {
	t.Helper()
	p := filepath.Join(root, w.path)
	fi, err := os.Lstat(p)
	if err != nil {
		t.Errorf("%s: %v", w.path, err)
		return
	}
	if fi.Mode() != w.mode {
		t.Errorf("%s: mode %v, want %v", w.path, fi.Mode(), w.mode)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if int(st.Uid) != w.uid || int(st.Gid) != w.gid {
		t.Errorf("%s: owner %d:%d, want %d:%d", w.path, st.Uid, st.Gid, w.uid, w.gid)
	}
	if w.contents != nil {
		data, _ := os.ReadFile(p)
		if string(data) != *w.contents {
			t.Errorf("%s: contents %q, want %q", w.path, data, *w.contents)
		}
	}
	if w.target != "" {
		if got, _ := os.Readlink(p); got != w.target {
			t.Errorf("%s: target %q, want %q", w.path, got, w.target)
		}
	}
}

func TestNodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		since   string
		prepare func(root string) error
		body    string
		want    []wantNode
		wantErr string // substring of the error, e.g. the config path
	}{
		{
			name: "new empty file, directory, symlink with defaults",
			body: `,"storage":{"files":[{"path":"/a/b/empty"}],"directories":[{"path":"/d/e"}],"links":[{"path":"/l","target":"/a/b/empty"}]}`,
			want: []wantNode{
				{path: "a/b/empty", mode: 0o644, contents: ptr("")},
				{path: "a/b", mode: os.ModeDir | 0o755},
				{path: "d/e", mode: os.ModeDir | 0o755},
				{path: "l", mode: os.ModeSymlink | 0o777, target: "/a/b/empty"},
			},
		},
		{
			name: "owners by id and by name from the target's databases",
			body: `,"storage":{"files":[{"path":"/f","mode":384,"user":{"name":"svc"},"group":{"name":"svcgrp"}}],"directories":[{"path":"/d","mode":448,"user":{"id":1234},"group":{"id":4321}}],"links":[{"path":"/l","target":"x","user":{"name":"svc"}}]}`,
			want: []wantNode{
				{path: "f", mode: 0o600, uid: 900, gid: 901},
				{path: "d", mode: os.ModeDir | 0o700, uid: 1234, gid: 4321},
				{path: "l", mode: os.ModeSymlink | 0o777, uid: 900, target: "x"},
			},
		},
		{
			name:    "existing file without source is kept, mode applied",
			prepare: writeFile("keep", "old contents", 0o600),
			body:    `,"storage":{"files":[{"path":"/keep","mode":416}]}`,
			want:    []wantNode{{path: "keep", mode: 0o640, contents: ptr("old contents")}},
		},
		{
			name:    "existing file without source or mode keeps its mode",
			prepare: writeFile("keep", "old", 0o600),
			body:    `,"storage":{"files":[{"path":"/keep"}]}`,
			want:    []wantNode{{path: "keep", mode: 0o600, contents: ptr("old")}},
		},
		{
			name:    "existing directory kept, mode applied",
			prepare: mkdir("srv/www", 0o700),
			body:    `,"storage":{"directories":[{"path":"/srv/www","mode":493}]}`,
			want:    []wantNode{{path: "srv/www", mode: os.ModeDir | 0o755}},
		},
		{
			name:    "a file where a directory is wanted fails without overwrite",
			prepare: writeFile("srv", "x", 0o644),
			body:    `,"storage":{"directories":[{"path":"/srv"}]}`,
			wantErr: "storage.directories.0 (/srv): a regular file is in the way and overwrite is false",
		},
		{
			name:    "a file where a directory is wanted is replaced with overwrite",
			prepare: writeFile("srv", "x", 0o644),
			body:    `,"storage":{"directories":[{"path":"/srv","overwrite":true}]}`,
			want:    []wantNode{{path: "srv", mode: os.ModeDir | 0o755}},
		},
		{
			name:    "a directory where a file is wanted is replaced with overwrite",
			prepare: mkdir("etc/thing/sub", 0o755),
			body:    `,"storage":{"files":[{"path":"/etc/thing","overwrite":true,"contents":{"source":"data:,"}}]}`,
			want:    []wantNode{{path: "etc/thing", mode: 0o644, contents: ptr("")}},
		},
		{
			name:    "matching symlink kept without overwrite",
			prepare: symlink("/target", "l"),
			body:    `,"storage":{"links":[{"path":"/l","target":"/target"}]}`,
			want:    []wantNode{{path: "l", mode: os.ModeSymlink | 0o777, target: "/target"}},
		},
		{
			name:    "different symlink fails without overwrite",
			prepare: symlink("/other", "l"),
			body:    `,"storage":{"links":[{"path":"/l","target":"/target"}]}`,
			wantErr: "storage.links.0 (/l): a symlink is in the way",
		},
		{
			name:    "different symlink replaced with overwrite",
			prepare: symlink("/other", "l"),
			body:    `,"storage":{"links":[{"path":"/l","target":"/target","overwrite":true}]}`,
			want:    []wantNode{{path: "l", mode: os.ModeSymlink | 0o777, target: "/target"}},
		},
		{
			name: "hard link to a file of the same config",
			body: `,"storage":{"files":[{"path":"/z/deep/file","mode":420}],"links":[{"path":"/a","target":"/z/deep/file","hard":true}]}`,
			want: []wantNode{{path: "a", mode: 0o644, contents: ptr("")}},
		},
		{
			name:    "unknown owner fails before anything is written",
			body:    `,"storage":{"directories":[{"path":"/first"}],"files":[{"path":"/f","user":{"name":"nobody-here"}}]}`,
			wantErr: `storage.files.0.user.name (/f): user "nobody-here" does not exist`,
		},
		{
			name:  "users created by the config can own nodes",
			since: "3.0.0",
			body:  `,"passwd":{"users":[{"name":"alice","uid":2001}],"groups":[{"name":"team","gid":3001}]},"storage":{"directories":[{"path":"/home/alice/work","user":{"name":"alice"},"group":{"name":"team"}}]}`,
			want:  []wantNode{{path: "home/alice/work", mode: os.ModeDir | 0o755, uid: 2001, gid: 3001}},
		},
	}
	for _, tc := range cases {
		since := tc.since
		if since == "" {
			since = "3.0.0"
		}
		for _, v := range versionsSince(since) {
			t.Run(tc.name+"/"+v, func(t *testing.T) {
				root := newRoot(t)
				if tc.prepare != nil {
					if err := tc.prepare(root); err != nil {
						t.Fatal(err)
					}
				}
				err := apply(t, root, v, tc.body)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
					}
					if _, err := os.Lstat(filepath.Join(root, "first")); err == nil {
						t.Error("a node was written before the failing check")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range tc.want {
					checkNode(t, root, w)
				}
			})
		}
	}
}

func writeFile(rel, body string, mode os.FileMode) func(string) error {
	return func(root string) error {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			return err
		}
		return os.Chmod(p, mode)
	}
}

func mkdir(rel string, mode os.FileMode) func(string) error {
	return func(root string) error {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		return os.Chmod(p, mode)
	}
}

func symlink(target, rel string) func(string) error {
	return func(root string) error { return os.Symlink(target, filepath.Join(root, rel)) }
}

func TestOrderNodes(t *testing.T) {
	t.Parallel()
	s := config.Storage{
		Files:       []config.File{{Node: config.Node{Path: "/a/b/c"}}, {Node: config.Node{Path: "/x"}}},
		Directories: []config.Directory{{Node: config.Node{Path: "/a/b"}}, {Node: config.Node{Path: "/a"}}},
		Links: []config.Link{
			{Node: config.Node{Path: "/h"}, Hard: new(true)},
			{Node: config.Node{Path: "/a/s"}},
		},
	}
	var got []string
	for _, n := range orderNodes(s) {
		switch n.kind {
		case kindDir:
			got = append(got, s.Directories[n.index].Path)
		case kindFile:
			got = append(got, s.Files[n.index].Path)
		default:
			got = append(got, s.Links[n.index].Path)
		}
	}
	want := "/a /x /a/b /a/s /a/b/c /h"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestTemplateNames(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"getty@tty1.service": "getty@.service",
		"getty@.service":     "",
		"plain.service":      "",
		"a@b.c@d.socket":     "a@.socket",
	}
	for in, want := range cases {
		if got := templateOf(in); got != want {
			t.Errorf("templateOf(%q) = %q, want %q", in, got, want)
		}
	}
	if !isBareTemplate("getty@.service") || isBareTemplate("getty@tty1.service") {
		t.Error("isBareTemplate is wrong")
	}
}

// errorsIs is a tiny guard that the error type chain works as callers
// expect: stage errors unwrap to the underlying cause.
func TestConfigErrorUnwraps(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	if err := writeFile("srv", "x", 0o644)(root); err != nil {
		t.Fatal(err)
	}
	err := apply(t, root, "3.6.0", `,"storage":{"directories":[{"path":"/srv"}]}`)
	var ce *stages.ConfigError
	if !errors.As(err, &ce) || ce.Path.String() != "storage.directories.0" {
		t.Fatalf("got %v", err)
	}
}

func TestCrypttab(t *testing.T) {
	t.Parallel()
	for _, v := range versionsSince("3.2.0") { // luks arrived in 3.2.0
		t.Run(v, func(t *testing.T) {
			root := newRoot(t)
			os.WriteFile(filepath.Join(root, "etc/crypttab"), []byte("# keep me\nold /dev/sdz none luks\ndata /dev/old none luks\n"), 0o644)
			discard := ""
			if v >= "3.4.0" { // discard arrived in 3.4.0
				discard = `,"discard":true`
			}
			body := `,"storage":{"luks":[
				{"name":"data","device":"/dev/vdb","uuid":"11111111-2222-3333-4444-555555555555"` + discard + `},
				{"name":"tang","device":"/dev/vdc","uuid":"aaaaaaaa-2222-3333-4444-555555555555",
				 "clevis":{"tang":[{"url":"http://127.0.0.1:1","thumbprint":"x"}]}}]}`
			data := fmt.Sprintf(`{"ignition":{"version":%q}%s}`, v, body)
			cfg, rep, err := config.Parse([]byte(data))
			if err != nil {
				t.Fatalf("%v\n%v", err, rep)
			}
			runDir := t.TempDir()
			keyDir := filepath.Join(runDir, DisksKeyFileDir)
			os.MkdirAll(keyDir, 0o700)
			os.WriteFile(filepath.Join(keyDir, "data"), []byte("key material"), 0o400)
			env := &stages.Env{Root: root, RunDir: runDir, Fetcher: resource.New(resource.Options{})}
			if err := (stage{}).Run(context.Background(), env, &cfg); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(root, "etc/crypttab"))
			opts := "luks"
			if discard != "" {
				opts = "luks,discard"
			}
			want := "# keep me\nold /dev/sdz none luks\n" +
				"data UUID=11111111-2222-3333-4444-555555555555 /etc/luks/data " + opts + "\n" +
				"tang UUID=aaaaaaaa-2222-3333-4444-555555555555 none luks,_netdev\n"
			if string(got) != want {
				t.Errorf("crypttab:\n%s\nwant:\n%s", got, want)
			}
			checkNode(t, root, wantNode{path: "etc/luks/data", mode: 0o400, contents: ptr("key material")})
		})
	}
}

func TestBlobSpillsToDisk(t *testing.T) {
	t.Parallel()
	b := &blob{limit: 8}
	defer b.close()
	for _, chunk := range []string{"hello", " big", " world"} {
		if _, err := b.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if b.file == nil || b.mem != nil {
		t.Fatal("content past the threshold stayed in memory")
	}
	for range 2 { // readable more than once (a file and its hard link share it)
		r, err := b.reader()
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		if _, err := io.Copy(&got, r); err != nil {
			t.Fatal(err)
		}
		if got.String() != "hello big world" {
			t.Errorf("got %q", got.String())
		}
	}
	// A retried fetch starts over.
	b.Reset()
	b.Write([]byte("again"))
	r, _ := b.reader()
	if data, _ := io.ReadAll(r); string(data) != "again" {
		t.Errorf("after Reset: %q", data)
	}
}
