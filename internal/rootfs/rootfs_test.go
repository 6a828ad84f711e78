package rootfs

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withResolvers runs fn once with openat2 and once with the fallback
// resolver old kernels get; fn passes fallback on to setup.
func withResolvers(t *testing.T, fn func(t *testing.T, fallback bool)) {
	for _, fallback := range []bool{false, true} {
		name := "openat2"
		if fallback {
			name = "fallback"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, fallback)
		})
	}
}

// setup makes a root and an "outside" directory next to it holding a
// sentinel file whose contents must never change; the root resolves with
// the fallback resolver when fallback is set.
func setup(t *testing.T, fallback bool) (rootDir, outside string, root *Root) {
	t.Helper()
	base := t.TempDir()
	rootDir = filepath.Join(base, "root")
	outside = filepath.Join(base, "outside")
	for _, d := range []string{rootDir, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "sentinel"), []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := Open(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	root.fallback = fallback
	t.Cleanup(func() { root.Close() })
	return rootDir, outside, root
}

func assertOutsideUntouched(t *testing.T, outside string) {
	t.Helper()
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "sentinel" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("outside directory changed: %v", names)
	}
	data, err := os.ReadFile(filepath.Join(outside, "sentinel"))
	if err != nil || string(data) != "untouched" {
		t.Errorf("sentinel changed: %q, %v", data, err)
	}
}

func TestSymlinkEscapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plant func(rootDir, outside string) error
		write string // path written through the planted link
		// where it must land, relative to the root; "" when the link
		// dangles inside the root and the write must fail instead
		want string
	}{
		{
			name:  "absolute directory link, dangling inside",
			plant: func(r, o string) error { return os.Symlink(o, filepath.Join(r, "etc")) },
			write: "/etc/sentinel",
		},
		{
			name: "absolute directory link, target inside",
			plant: func(r, o string) error {
				if err := os.MkdirAll(filepath.Join(r, o), 0o755); err != nil {
					return err
				}
				return os.Symlink(o, filepath.Join(r, "etc"))
			},
			write: "/etc/sentinel",
			want:  "OUTSIDE/sentinel",
		},
		{
			name:  "relative link climbing out, dangling inside",
			plant: func(r, o string) error { return os.Symlink("../../../../../../outside", filepath.Join(r, "etc")) },
			write: "/etc/sentinel",
		},
		{
			name: "relative link climbing out, target inside",
			plant: func(r, o string) error {
				if err := os.Mkdir(filepath.Join(r, "outside"), 0o755); err != nil {
					return err
				}
				return os.Symlink("../../../../../../outside", filepath.Join(r, "etc"))
			},
			write: "/etc/sentinel",
			want:  "outside/sentinel",
		},
		{
			name: "final component links outside",
			plant: func(r, o string) error {
				return os.Symlink(filepath.Join(o, "sentinel"), filepath.Join(r, "sentinel"))
			},
			write: "/sentinel",
			want:  "sentinel",
		},
		{
			name: "dot-dot in config path",
			plant: func(r, o string) error {
				return os.MkdirAll(filepath.Join(r, "a"), 0o755)
			},
			write: "/a/../../../outside/sentinel",
			want:  "outside/sentinel",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withResolvers(t, func(t *testing.T, fallback bool) {
				rootDir, outside, root := setup(t, fallback)
				if err := tc.plant(rootDir, outside); err != nil {
					t.Fatal(err)
				}
				want := strings.Replace(tc.want, "OUTSIDE", outside, 1)
				err := root.WriteFile(tc.write, strings.NewReader("written"), WriteOptions{Mode: 0o644})
				assertOutsideUntouched(t, outside)
				if tc.want == "" {
					if err == nil {
						t.Fatal("write through a dangling link succeeded")
					}
					return
				}
				if err != nil {
					t.Fatalf("WriteFile: %v", err)
				}
				got, err := os.ReadFile(filepath.Join(rootDir, want))
				if err != nil || string(got) != "written" {
					t.Errorf("expected the write inside the root at %s: %q, %v", want, got, err)
				}
			})
		})
	}
}

func TestResolveStaysInside(t *testing.T) {
	t.Parallel()
	withResolvers(t, func(t *testing.T, fallback bool) {
		rootDir, outside, root := setup(t, fallback)
		if err := os.Symlink(outside, filepath.Join(rootDir, "mnt")); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(rootDir, outside), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := root.MkdirAll("/mnt/data"); err != nil {
			t.Fatal(err)
		}
		got, err := root.Resolve("/mnt/data")
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(rootDir, outside, "data")
		if got != want {
			t.Errorf("Resolve = %s, want %s", got, want)
		}
		assertOutsideUntouched(t, outside)
	})
}

func TestWriteFileModeOwnerAppend(t *testing.T) {
	t.Parallel()
	withResolvers(t, func(t *testing.T, fallback bool) {
		rootDir, _, root := setup(t, fallback)
		opts := WriteOptions{Mode: 0o4750, Owner: Owner{UID: 1234, GID: 5678}}
		if err := root.WriteFile("/a/b/c/file", strings.NewReader("one\n"), opts); err != nil {
			t.Fatal(err)
		}
		opts.Append = true
		parts := []io.Reader{strings.NewReader("two\n"), strings.NewReader("three\n")}
		if err := root.WriteFileParts("/a/b/c/file", parts, opts); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(filepath.Join(rootDir, "a/b/c/file"))
		if string(data) != "one\ntwo\nthree\n" {
			t.Errorf("contents %q", data)
		}
		st, ok, err := root.Lstat("/a/b/c/file")
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if st.Perm() != 0o4750 || st.UID != 1234 || st.GID != 5678 {
			t.Errorf("got mode %o owner %d:%d", st.Perm(), st.UID, st.GID)
		}
		parent, _, _ := root.Lstat("/a/b")
		if !parent.IsDir() || parent.Perm() != 0o755 || parent.UID != 0 {
			t.Errorf("parent mode %o uid %d", parent.Perm(), parent.UID)
		}
		// No temporary files are left beside it.
		entries, _ := os.ReadDir(filepath.Join(rootDir, "a/b/c"))
		if len(entries) != 1 {
			t.Errorf("leftovers in directory: %d entries", len(entries))
		}
	})
}

func TestReplaceDirectoryAndLinks(t *testing.T) {
	t.Parallel()
	withResolvers(t, func(t *testing.T, fallback bool) {
		rootDir, outside, root := setup(t, fallback)
		if err := os.MkdirAll(filepath.Join(rootDir, "x/y"), 0o755); err != nil {
			t.Fatal(err)
		}
		// A link inside the doomed directory must not make removal recurse
		// outside.
		if err := os.Symlink(outside, filepath.Join(rootDir, "x/y/out")); err != nil {
			t.Fatal(err)
		}
		if err := root.WriteFile("/x", strings.NewReader("file now"), WriteOptions{Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		assertOutsideUntouched(t, outside)
		if st, _, _ := root.Lstat("/x"); !st.IsRegular() {
			t.Errorf("/x is not a regular file: %o", st.Mode)
		}
		if err := root.Symlink("/x", "/l", Owner{UID: 7, GID: 8}); err != nil {
			t.Fatal(err)
		}
		if got, _ := root.Readlink("/l"); got != "/x" {
			t.Errorf("link target %q", got)
		}
		if err := root.HardLink("/x", "/h"); err != nil {
			t.Fatal(err)
		}
		a, _ := os.Stat(filepath.Join(rootDir, "x"))
		b, _ := os.Stat(filepath.Join(rootDir, "h"))
		if !os.SameFile(a, b) {
			t.Error("hard link is not the same file")
		}
		if err := root.RemoveAll("/x"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := root.Lstat("/x"); ok {
			t.Error("/x still exists")
		}
	})
}

func BenchmarkWriteFile(b *testing.B) {
	root, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	for i := 0; b.Loop(); i++ {
		p := "/d" + string(rune('a'+i%20)) + "/f" + strings.Repeat("x", i%7)
		if err := root.WriteFile(p, strings.NewReader("hello"), WriteOptions{Mode: 0o644}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestResolveParents(t *testing.T) {
	t.Parallel()
	withResolvers(t, func(t *testing.T, fallback bool) {
		rootDir, outside, root := setup(t, fallback)
		for _, l := range []struct{ target, at string }{
			{"../var/usrlocal", "usr/local"}, // relative, FCOS
			{"/var/opt", "opt"},              // absolute, FCOS
			{"../../../..", "up"},            // climbs: clamped at the root
			{"/", "top"},
			{"loop2", "loop1"},
			{"loop1", "loop2"},
			{"usr/local", "chain"}, // a link through a link
		} {
			p := filepath.Join(rootDir, l.at)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(l.target, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Join(rootDir, "var"), 0o755); err != nil {
			t.Fatal(err)
		}
		for in, want := range map[string]string{
			"/usr/local/bin/x":  "/var/usrlocal/bin/x",
			"/opt/app/x":        "/var/opt/app/x",
			"/up/etc/x":         "/etc/x",
			"/top/top/bar/baz":  "/bar/baz",
			"/chain/bin/x":      "/var/usrlocal/bin/x",
			"/usr/local":        "/usr/local", // the last component is never followed
			"/a/../usr/local/x": "/var/usrlocal/x",
		} {
			got, err := root.ResolveParents(in)
			if err != nil || got != want {
				t.Errorf("ResolveParents(%s) = %q, %v; want %q", in, got, err, want)
			}
		}
		if _, err := root.ResolveParents("/loop1/x"); err == nil {
			t.Error("a symlink loop resolved")
		}
		assertOutsideUntouched(t, outside)
	})
}

// TestCloseTwice: a second Close must not close the descriptor number the
// root had, which the next open in the process (here, at once) reuses.
// Not parallel: another test's open could take the number first.
func TestCloseTwice(t *testing.T) {
	root, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := root.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := f.Stat(); err != nil {
		t.Fatalf("the second Close closed another descriptor: %v", err)
	}
}
