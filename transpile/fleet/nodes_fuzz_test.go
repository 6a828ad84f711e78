package fleet

import (
	"os"
	"path/filepath"
	"testing"
)

// Whatever a nodes file holds, every name ParseNodes accepts is one plain
// file name in the output directory.
func FuzzParseNodes(f *testing.F) {
	for _, s := range []string{"- name: a\n  ip: 1\n", "a: {x: 1}\n", "- name: ..\n", "- {name: \"a/b\"}\n", "b: &x {y: *x}\n"} {
		f.Add("n.yaml", []byte(s))
	}
	f.Add("n.csv", []byte("name,ip\na,1\n"))
	f.Fuzz(func(t *testing.T, file string, data []byte) {
		nodes, err := ParseNodes(file, data)
		if err != nil {
			return
		}
		for _, n := range nodes {
			if n.Name == "" || filepath.Base(n.Name) != n.Name || n.Name == "." || n.Name == ".." || filepath.Clean(n.Name) != n.Name {
				t.Fatalf("unsafe name %q accepted", n.Name)
			}
		}
	})
}

// A symlink planted at a node's file name is replaced, never written
// through.
func TestWriteDirReplacesSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	if err := os.Symlink(victim, filepath.Join(dir, "n1.ign")); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(dir, []File{{Name: "n1.ign", Data: []byte("{}")}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatalf("written through the symlink: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "n1.ign")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("not a regular file: %v", err)
	}
	if err := WriteDir(dir, []File{{Name: "../x", Data: nil}}); err == nil {
		t.Fatal("escaping name written")
	}
}
