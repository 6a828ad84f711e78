package blackbox

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kindling-dev/kindling/internal/testutil"
)

func gzipBase64(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return "data:;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestApplyWritesUsersNodesUnits(t *testing.T) {
	needRoot(t)
	for _, v := range allVersions {
		t.Run(v, func(t *testing.T) {
			root := newRoot(t)
			os.WriteFile(filepath.Join(root, "etc/kept"), []byte("kept\n"), 0o640)
			body := `,
			"passwd":{
				"groups":[{"name":"team","gid":3001}],
				"users":[{"name":"alice","uid":2001,"passwordHash":"$6$salt$hashvalue","groups":["sudo","team"],
				          "sshAuthorizedKeys":["ssh-ed25519 AAAAkey1 a@x","ssh-ed25519 AAAAkey2 b@y"]}]},
			"storage":{
				"files":[
					{"path":"/etc/empty","mode":384,"user":{"name":"svc"},"group":{"name":"svcgrp"}},
					{"path":"/etc/kept","mode":416},
					{"path":"/home/alice/notes","user":{"name":"alice"},"group":{"name":"team"}}],
				"directories":[{"path":"/srv/data","mode":488,"user":{"id":2001},"group":{"name":"svcgrp"}}],
				"links":[{"path":"/srv/current","target":"/srv/data"},
				         {"path":"/etc/empty.hard","target":"/etc/empty","hard":true}]},
			"systemd":{"units":[
				{"name":"new.service","enabled":true,"contents":"[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
				 "dropins":[{"name":"10-env.conf","contents":"[Service]\nEnvironment=A=1\n"}]},
				{"name":"stock.service","enabled":true},
				{"name":"getty@.service","enabled":true},
				{"name":"masked.service","mask":true}]}`
			apply(t, root, writeConfig(t, v, body))

			// Files without a source: created empty, or kept.
			checkContents(t, filepath.Join(root, "etc/empty"), "")
			checkNode(t, filepath.Join(root, "etc/empty"), 0o600, 900, 901)
			checkContents(t, filepath.Join(root, "etc/kept"), "kept\n")
			checkNode(t, filepath.Join(root, "etc/kept"), 0o640, 0, 0)
			checkNode(t, filepath.Join(root, "home/alice/notes"), 0o644, 2001, 3001)

			// Directories and links.
			checkNode(t, filepath.Join(root, "srv/data"), fs.ModeDir|0o750, 2001, 901)
			if got, _ := os.Readlink(filepath.Join(root, "srv/current")); got != "/srv/data" {
				t.Errorf("symlink target %q", got)
			}
			a, _ := os.Stat(filepath.Join(root, "etc/empty"))
			b, _ := os.Stat(filepath.Join(root, "etc/empty.hard"))
			if a == nil || b == nil || !os.SameFile(a, b) {
				t.Error("hard link is not the same file")
			}

			// Accounts.
			if l := line(t, filepath.Join(root, "etc/passwd"), "alice"); !strings.HasPrefix(l, "alice:x:2001:") || !strings.Contains(l, ":/home/alice:") {
				t.Errorf("passwd line %q", l)
			}
			if l := line(t, filepath.Join(root, "etc/shadow"), "alice"); !strings.HasPrefix(l, "alice:$6$salt$hashvalue:") {
				t.Errorf("shadow line %q", l)
			}
			if l := line(t, filepath.Join(root, "etc/group"), "team"); !strings.HasPrefix(l, "team:x:3001:") || !strings.HasSuffix(l, "alice") {
				t.Errorf("group line %q", l)
			}
			if l := line(t, filepath.Join(root, "etc/group"), "sudo"); !strings.HasSuffix(l, ":alice") {
				t.Errorf("sudo line %q", l)
			}
			keys := filepath.Join(root, "home/alice/.ssh/authorized_keys.d/kindling")
			checkContents(t, keys, "ssh-ed25519 AAAAkey1 a@x\nssh-ed25519 AAAAkey2 b@y\n")
			alice := line(t, filepath.Join(root, "etc/passwd"), "alice")
			var gid int
			fmt.Sscanf(strings.Split(alice, ":")[3], "%d", &gid)
			checkNode(t, keys, 0o600, 2001, gid)
			checkNode(t, filepath.Join(root, "home/alice/.ssh"), fs.ModeDir|0o700, 2001, gid)
			checkNode(t, filepath.Join(root, "home/alice/.ssh/authorized_keys.d"), fs.ModeDir|0o700, 2001, gid)

			// Units: written, enabled through real symlinks, masked, preset.
			sys := filepath.Join(root, "etc/systemd/system")
			checkContents(t, filepath.Join(sys, "new.service.d/10-env.conf"), "[Service]\nEnvironment=A=1\n")
			links := map[string]string{
				"multi-user.target.wants/new.service":     "/etc/systemd/system/new.service",
				"multi-user.target.wants/stock.service":   "/usr/lib/systemd/system/stock.service",
				"important.target.requires/stock.service": "/usr/lib/systemd/system/stock.service",
				"stock-alias.service":                     "/usr/lib/systemd/system/stock.service",
				"getty.target.wants/getty@tty1.service":   "/usr/lib/systemd/system/getty@.service",
				"masked.service":                          "/dev/null",
			}
			for l, want := range links {
				if got, err := os.Readlink(filepath.Join(sys, l)); got != want {
					t.Errorf("%s -> %q (%v), want %q", l, got, err, want)
				}
			}
			preset, _ := os.ReadFile(filepath.Join(root, "etc/systemd/system-preset/20-kindling.preset"))
			for _, want := range []string{"enable new.service\n", "enable stock.service\n", "enable getty@.service\n"} {
				if !strings.Contains(string(preset), want) {
					t.Errorf("preset lacks %q:\n%s", want, preset)
				}
			}
			// The result file records the run.
			res, err := os.ReadFile(filepath.Join(root, "etc/.kindling-result.json"))
			if err != nil || !strings.Contains(string(res), `"provisioningDate"`) || !strings.Contains(string(res), `"files"`) {
				t.Errorf("result file: %s %v", res, err)
			}
		})
	}
}

// File contents through the fetcher: data: URLs, verification, gzip,
// append, overwrite.
func TestApplyFileContents(t *testing.T) {
	needRoot(t)
	for _, v := range allVersions {
		t.Run(v, func(t *testing.T) {
			root := newRoot(t)
			os.WriteFile(filepath.Join(root, "etc/app.conf"), []byte("line1\n"), 0o640)
			os.WriteFile(filepath.Join(root, "etc/replaced"), []byte("old"), 0o600)
			os.WriteFile(filepath.Join(root, "etc/refused"), []byte("old"), 0o600)
			body := fmt.Sprintf(`,"storage":{"files":[
				{"path":"/etc/motd","mode":384,"user":{"name":"svc"},"group":{"name":"svcgrp"},
				 "contents":{"source":%q,"verification":{"hash":%q}}},
				{"path":"/etc/gz","contents":{"source":%q,"compression":"gzip"}},
				{"path":"/etc/app.conf","append":[{"source":%q},{"source":%q}]},
				{"path":"/etc/replaced","overwrite":true,"contents":{"source":%q}}]}`,
				dataURL("hello\n"), sha512Of("hello\n"), gzipBase64(t, "unzipped\n"), dataURL("line2\n"), dataURL("line3\n"), dataURL("new"))
			apply(t, root, writeConfig(t, v, body))
			checkContents(t, filepath.Join(root, "etc/motd"), "hello\n")
			checkNode(t, filepath.Join(root, "etc/motd"), 0o600, 900, 901)
			checkContents(t, filepath.Join(root, "etc/gz"), "unzipped\n")
			checkNode(t, filepath.Join(root, "etc/gz"), 0o644, 0, 0)
			checkContents(t, filepath.Join(root, "etc/app.conf"), "line1\nline2\nline3\n")
			checkNode(t, filepath.Join(root, "etc/app.conf"), 0o640, 0, 0)
			checkContents(t, filepath.Join(root, "etc/replaced"), "new")
			checkNode(t, filepath.Join(root, "etc/replaced"), 0o644, 0, 0)

			// New contents for an existing file need overwrite.
			refuse := writeConfig(t, v, fmt.Sprintf(`,"storage":{"files":[{"path":"/etc/refused","contents":{"source":%q}}]}`, dataURL("new")))
			r := run(t, "apply", "--root", root, refuse)
			if r.code != 1 || !strings.Contains(r.output, "storage.files.0.overwrite (/etc/refused)") {
				t.Errorf("exit %d:\n%s", r.code, r.output)
			}
			checkContents(t, filepath.Join(root, "etc/refused"), "old")
		})
	}
}

func TestApplyDisablesAndDeletes(t *testing.T) {
	needRoot(t)
	for _, v := range versionsSince("3.2.0") { // shouldExist arrived in 3.2.0
		t.Run(v, func(t *testing.T) {
			root := newRoot(t)
			sys := filepath.Join(root, "etc/systemd/system")
			os.MkdirAll(filepath.Join(sys, "multi-user.target.wants"), 0o755)
			os.Symlink("/usr/lib/systemd/system/stock.service", filepath.Join(sys, "multi-user.target.wants/stock.service"))
			os.Symlink("/dev/null", filepath.Join(sys, "was-masked.service"))
			body := `,"passwd":{"users":[{"name":"svc","shouldExist":false}],"groups":[{"name":"svcgrp","shouldExist":false}]},
			"systemd":{"units":[{"name":"stock.service","enabled":false},{"name":"was-masked.service","mask":false}]}`
			apply(t, root, writeConfig(t, v, body))
			for _, db := range []string{"passwd", "shadow"} {
				if l := line(t, filepath.Join(root, "etc", db), "svc"); l != "" {
					t.Errorf("svc still in %s: %q", db, l)
				}
			}
			if l := line(t, filepath.Join(root, "etc/group"), "svcgrp"); l != "" {
				t.Errorf("svcgrp still in group: %q", l)
			}
			for _, gone := range []string{"multi-user.target.wants/stock.service", "was-masked.service"} {
				if _, err := os.Lstat(filepath.Join(sys, gone)); err == nil {
					t.Errorf("%s still exists", gone)
				}
			}
			preset, _ := os.ReadFile(filepath.Join(root, "etc/systemd/system-preset/20-kindling.preset"))
			if !strings.Contains(string(preset), "disable stock.service\n") {
				t.Errorf("preset:\n%s", preset)
			}
		})
	}
}

func TestApplyHTTPSources(t *testing.T) {
	needRoot(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/plain":
			fmt.Fprint(w, "from http\n")
		case "/needs-header":
			if r.Header.Get("X-Token") != "secret" {
				http.Error(w, "no token", http.StatusForbidden)
				return
			}
			fmt.Fprint(w, "with header\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, v := range allVersions {
		t.Run(v, func(t *testing.T) {
			root := newRoot(t)
			files := fmt.Sprintf(`{"path":"/etc/plain","contents":{"source":"%s/plain","verification":{"hash":%q}}}`, srv.URL, sha512Of("from http\n"))
			if v != "3.0.0" { // httpHeaders arrived in 3.1.0
				files += fmt.Sprintf(`,{"path":"/etc/header","contents":{"source":"%s/needs-header","httpHeaders":[{"name":"X-Token","value":"secret"}]}}`, srv.URL)
			}
			apply(t, root, writeConfig(t, v, `,"storage":{"files":[`+files+`]}`))
			checkContents(t, filepath.Join(root, "etc/plain"), "from http\n")
			if v != "3.0.0" {
				checkContents(t, filepath.Join(root, "etc/header"), "with header\n")
			}
		})
	}
	if hits.Load() == 0 {
		t.Error("the server was never asked")
	}
}

// A fetch or hash failure anywhere must leave the target exactly as it
// was: no users, no directories, no files, even those listed before.
func TestFetchFailureChangesNothing(t *testing.T) {
	needRoot(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	cases := []struct {
		name, badFile, wantMsg string
	}{
		{"hash mismatch", fmt.Sprintf(`{"path":"/etc/bad","contents":{"source":%q,"verification":{"hash":%q}}}`, dataURL("real"), sha512Of("other")), "storage.files.1.contents"},
		{"append hash mismatch", fmt.Sprintf(`{"path":"/etc/bad","append":[{"source":%q,"verification":{"hash":%q}}]}`, dataURL("real"), sha512Of("other")), "storage.files.1.append.0"},
		{"http 404", fmt.Sprintf(`{"path":"/etc/bad","contents":{"source":"%s/missing"}}`, srv.URL), "storage.files.1.contents"},
	}
	for _, tc := range cases {
		for _, v := range allVersions {
			t.Run(tc.name+"/"+v, func(t *testing.T) {
				root := newRoot(t)
				before := testutil.Snapshot(t, root)
				body := `,"passwd":{"users":[{"name":"bob"}]},
				"storage":{"directories":[{"path":"/srv/x"}],
				"files":[{"path":"/etc/good","contents":{"source":"data:,fine"}},` + tc.badFile + `],
				"links":[{"path":"/l","target":"/etc/good"}]},
				"systemd":{"units":[{"name":"a.service","contents":"[Service]\n"}]}`
				r := run(t, "apply", "--log-to-stdout", "--root", root, writeConfig(t, v, body))
				if r.code != 1 {
					t.Fatalf("exit %d, want 1:\n%s", r.code, r.output)
				}
				if !strings.Contains(r.output, tc.wantMsg+" (/etc/bad)") {
					t.Errorf("error does not name %s (/etc/bad):\n%s", tc.wantMsg, r.output)
				}
				if after := testutil.Snapshot(t, root); after != before {
					t.Errorf("target changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		}
	}
}

// Symlinks planted in the image, absolute or climbing with "..", must not
// let any write land outside the root.
func TestSymlinkEscapesStayInside(t *testing.T) {
	needRoot(t)
	for _, fallback := range []string{"0", "1"} {
		// 1: the resolver for kernels without openat2.
		t.Setenv("KINDLING_RESOLVE_FALLBACK", fallback)
		for _, v := range allVersions {
			t.Run("fallback="+fallback+"/"+v, func(t *testing.T) {
				symlinkEscapes(t, v)
			})
		}
	}
}

func symlinkEscapes(t *testing.T, v string) {
	root := newRoot(t)
	outside := filepath.Join(t.TempDir(), "outside")
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "sentinel"), []byte("untouched"), 0o644)
	before := testutil.Snapshot(t, outside)

	// Plants: an absolute directory link, a relative one climbing
	// out, and a final-component link to the outside file. The
	// absolute one's target also exists inside the root, as it
	// would in a real image.
	os.MkdirAll(filepath.Join(root, outside), 0o755)
	os.Symlink(outside, filepath.Join(root, "abs"))
	os.Symlink("../../../../../../../../"+strings.TrimPrefix(outside, "/"), filepath.Join(root, "rel"))
	os.MkdirAll(filepath.Join(root, strings.TrimPrefix(outside, "/")), 0o755)
	os.Symlink(filepath.Join(outside, "sentinel"), filepath.Join(root, "etc/to-sentinel"))

	body := `,"storage":{
		"files":[{"path":"/abs/sentinel","overwrite":true,"mode":384,"contents":{"source":"data:,"}},
		         {"path":"/rel/new-file","mode":384},
		         {"path":"/etc/to-sentinel","overwrite":true,"mode":384,"contents":{"source":"data:,"}},
		         {"path":"/abs/sub/deeper","mode":384}],
		"directories":[{"path":"/rel/newdir"}],
		"links":[{"path":"/abs/link","target":"/etc/passwd"},{"path":"/rel/hard","target":"/etc/passwd","hard":true}]}`
	apply(t, root, writeConfig(t, v, body))

	if after := testutil.Snapshot(t, outside); after != before {
		t.Fatalf("outside changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The writes happened, inside the root.
	inside := filepath.Join(root, outside)
	for _, p := range []string{filepath.Join(inside, "sentinel"), filepath.Join(inside, "new-file"),
		filepath.Join(inside, "sub/deeper"), filepath.Join(root, "etc/to-sentinel")} {
		checkContents(t, p, "")
		checkNode(t, p, 0o600, 0, 0)
	}
	if fi, err := os.Lstat(filepath.Join(root, "etc/to-sentinel")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("the planted link was not replaced by a file: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(inside, "newdir")); err != nil || !fi.IsDir() {
		t.Errorf("directory not made inside: %v", err)
	}
}

// TestApplyYAMLAndInvalid: the YAML dialect is applied directly (local
// contents read below --files-dir), its errors point at YAML lines, and an
// invalid JSON config changes nothing.
func TestApplyYAMLAndInvalid(t *testing.T) {
	dir := t.TempDir()
	root := newRoot(t)
	files := t.TempDir()
	os.WriteFile(filepath.Join(files, "motd"), []byte("from a local file\n"), 0o644)
	yaml := filepath.Join(dir, "c.bu")
	os.WriteFile(yaml, []byte(`variant: fcos
version: 1.5.0
storage:
  files:
    - path: /etc/motd
      contents:
        local: motd
    - path: /etc/inline
      mode: 0600
      contents:
        inline: hello
`), 0o644)
	r := run(t, "apply", "--root", root, "--files-dir", files, yaml)
	if r.code != 0 {
		t.Fatalf("YAML: exit %d:\n%s", r.code, r.output)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "etc/motd")); string(got) != "from a local file\n" {
		t.Errorf("/etc/motd = %q", got)
	}
	if fi, err := os.Stat(filepath.Join(root, "etc/inline")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("/etc/inline: %v %v", fi, err)
	}
	badYAML := filepath.Join(dir, "bad.bu")
	os.WriteFile(badYAML, []byte("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: relative/path\n"), 0o644)
	r = run(t, "apply", "--root", root, badYAML)
	if r.code != 1 || !strings.Contains(r.output, "bad.bu:5:") {
		t.Errorf("bad YAML: want exit 1 and a bad.bu:5: position, got exit %d:\n%s", r.code, r.output)
	}
	if _, err := os.Stat(filepath.Join(root, "relative")); err == nil {
		t.Error("an invalid YAML config changed the root")
	}
	bad := writeConfig(t, "3.4.0", `,"storage":{"files":[{"path":"/x","mode":"oops"}]}`)
	r = run(t, "apply", "--root", dir, bad)
	if r.code != 1 || !strings.Contains(r.output, "storage.files.0.mode") {
		t.Errorf("invalid: exit %d:\n%s", r.code, r.output)
	}
	if r := run(t, "apply"); r.code != 2 {
		t.Errorf("no config: exit %d", r.code)
	}
}

// TestManyDirectoriesUnderLowFileLimit: the stage keeps a bounded number
// of directories open, so 1,500 directories (each with a file) fit under
// the usual soft limit of 1,024 descriptors.
func TestManyDirectoriesUnderLowFileLimit(t *testing.T) {
	root := newRoot(t)
	var dirs, files []string
	for i := range 1500 {
		dirs = append(dirs, fmt.Sprintf(`{"path":"/many/d%04d","mode":448}`, i))
		files = append(files, fmt.Sprintf(`{"path":"/many/d%04d/f","contents":{"source":"data:,%d"}}`, i, i))
	}
	cfg := writeConfig(t, "3.4.0", `,"storage":{"directories":[`+strings.Join(dirs, ",")+`],"files":[`+strings.Join(files, ",")+`]}`)
	cmd := exec.Command("sh", "-c", `ulimit -n 1024 && exec "$0" apply --root "$1" "$2"`, provision, root, cfg)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("provision apply under ulimit -n 1024: %v\n%s", err, out)
	}
	checkNode(t, filepath.Join(root, "many/d1499"), fs.ModeDir|0o700, 0, 0)
	checkContents(t, filepath.Join(root, "many/d1499/f"), "1499")
}

// TestRootFlag: an empty --root is refused (it would provision the
// current directory), and a root given through a symlink is provisioned
// where the symlink leads.
func TestRootFlag(t *testing.T) {
	cfg := writeConfig(t, "3.4.0", `,"storage":{"files":[{"path":"/etc/x","contents":{"source":"data:,x"}}]}`)
	r := run(t, "apply", "--root", "", cfg)
	if r.code != 2 || !strings.Contains(r.output, "--root must not be empty") {
		t.Errorf("empty --root: exit %d:\n%s", r.code, r.output)
	}
	root := newRoot(t)
	link := filepath.Join(t.TempDir(), "via-link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	apply(t, link, cfg)
	checkContents(t, filepath.Join(root, "etc/x"), "x")
}

// TestStaleTempFileRemoved: a run killed with SIGKILL in the middle of a
// large write leaves its hidden temp file beside the destination (named
// as below); the next successful run that writes into that directory
// removes it.
func TestStaleTempFileRemoved(t *testing.T) {
	root := newRoot(t)
	if err := os.MkdirAll(filepath.Join(root, "var/big"), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, "var/big/.img.kindling-99999-1")
	if err := os.WriteFile(stale, bytes.Repeat([]byte("k"), 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "3.4.0", `,"storage":{"files":[{"path":"/var/big/img","contents":{"source":"data:,done"}}]}`)
	apply(t, root, cfg)
	checkContents(t, filepath.Join(root, "var/big/img"), "done")
	names, _ := os.ReadDir(filepath.Join(root, "var/big"))
	for _, n := range names {
		if n.Name() != "img" {
			t.Errorf("left in var/big: %s", n.Name())
		}
	}
}

// TestStageRootFlag: every stage command refuses an empty --root, and the
// files stage follows a symlinked one.
func TestStageRootFlag(t *testing.T) {
	for _, stage := range []string{"kargs", "disks", "mount", "files", "umount"} {
		r := run(t, stage, "--root", "", "--config-cache", filepath.Join(t.TempDir(), "none.json"))
		if r.code != 2 || !strings.Contains(r.output, "--root must not be empty") {
			t.Errorf("%s with an empty --root: exit %d:\n%s", stage, r.code, r.output)
		}
	}
	root := newRoot(t)
	link := filepath.Join(t.TempDir(), "sysroot")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cache, []byte(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/y","contents":{"source":"data:,y"}}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "files", "--root", link, "--config-cache", cache); r.code != 0 {
		t.Fatalf("files through a symlinked root: exit %d:\n%s", r.code, r.output)
	}
	checkContents(t, filepath.Join(root, "etc/y"), "y")
}
