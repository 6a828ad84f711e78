package kargs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/stages"
)

func TestApply(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args, should, shouldNot, want string
	}{
		{"root=/dev/sda1 ro quiet", "console=ttyS0", "quiet", "root=/dev/sda1 ro console=ttyS0"},
		{"a b a c", "", "a", "b c"},
		{"a b", "b a", "", "a b"},
		{"", "x y", "", "x y"},
		{"x=1 x=2", "x=3", "x=1", "x=2 x=3"},
	}
	for _, tc := range cases {
		got := Apply(strings.Fields(tc.args), strings.Fields(tc.should), strings.Fields(tc.shouldNot))
		if strings.Join(got, " ") != tc.want {
			t.Errorf("Apply(%q, +%q, -%q) = %q, want %q", tc.args, tc.should, tc.shouldNot, got, tc.want)
		}
		// Applying again changes nothing.
		if again := Apply(got, strings.Fields(tc.should), strings.Fields(tc.shouldNot)); !slices.Equal(again, got) {
			t.Errorf("not idempotent: %q then %q", got, again)
		}
	}
}

func TestEditEntrySeveralOptionsLines(t *testing.T) {
	t.Parallel()
	in := "title x\noptions root=/dev/vda1 quiet\noptions console=tty0 quiet\n"
	ka := config.KernelArguments{ShouldExist: []string{"console=tty0", "ro"}, ShouldNotExist: []string{"quiet"}}
	out, changed := editEntry(in, ka)
	want := "title x\noptions root=/dev/vda1\noptions console=tty0 ro\n"
	if !changed || out != want {
		t.Errorf("got %q (changed %v), want %q", out, changed, want)
	}
	if again, changed := editEntry(out, ka); changed || again != out {
		t.Errorf("second edit changed %q to %q", out, again)
	}
}

const entry = `title Debian
version 6.1.0
linux /vmlinuz
options root=/dev/vda1 ro quiet
initrd /initrd.img
`

func setupRoot(t *testing.T, entries map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "boot/loader/entries")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range entries {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func run(t *testing.T, root, version, kargs string) (*stages.Env, error) {
	t.Helper()
	data := fmt.Sprintf(`{"ignition":{"version":%q},"kernelArguments":%s}`, version, kargs)
	cfg, rep, err := config.Parse([]byte(data))
	if err != nil {
		t.Fatalf("%v\n%v", err, rep)
	}
	env := &stages.Env{Root: root, RunDir: t.TempDir()}
	return env, stage{}.Run(context.Background(), env, &cfg)
}

func rebootRequested(env *stages.Env) bool {
	_, err := os.Stat(filepath.Join(env.RunDir, stages.RebootNeededFile))
	return err == nil
}

func TestStageEditsEntries(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"3.3.0", "3.4.0", "3.5.0", "3.6.0"} {
		t.Run(v, func(t *testing.T) {
			root := setupRoot(t, map[string]string{
				"a.conf":     entry,
				"b.conf":     "title no options\nlinux /vmlinuz\n",
				"notes.txt":  "options untouched\n",
				"c.conf.bak": "options untouched\n",
			})
			kargs := `{"shouldExist":["console=ttyS0","ro"],"shouldNotExist":["quiet"]}`
			env, err := run(t, root, v, kargs)
			if err != nil {
				t.Fatal(err)
			}
			if !rebootRequested(env) {
				t.Error("no reboot requested after a change")
			}
			dir := filepath.Join(root, "boot/loader/entries")
			a, _ := os.ReadFile(filepath.Join(dir, "a.conf"))
			if want := strings.Replace(entry, "ro quiet", "ro console=ttyS0", 1); string(a) != want {
				t.Errorf("a.conf:\n%s\nwant:\n%s", a, want)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "b.conf"))
			if string(b) != "title no options\nlinux /vmlinuz\noptions console=ttyS0 ro\n" {
				t.Errorf("b.conf:\n%s", b)
			}
			for _, n := range []string{"notes.txt", "c.conf.bak"} {
				if got, _ := os.ReadFile(filepath.Join(dir, n)); string(got) != "options untouched\n" {
					t.Errorf("%s changed: %q", n, got)
				}
			}
			if fi, _ := os.Stat(filepath.Join(dir, "a.conf")); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode not kept: %v", fi.Mode())
			}

			// A second run finds nothing to do and asks for no reboot.
			env2, err := run(t, root, v, kargs)
			if err != nil {
				t.Fatal(err)
			}
			if rebootRequested(env2) {
				t.Error("reboot requested although nothing changed")
			}
			if again, _ := os.ReadFile(filepath.Join(dir, "a.conf")); string(again) != string(a) {
				t.Error("second run changed a.conf")
			}
		})
	}
}

func TestStageWithoutEntriesFails(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	_, err := run(t, root, "3.3.0", `{"shouldExist":["x"]}`)
	if err == nil || !strings.Contains(err.Error(), "kernelArguments") {
		t.Fatalf("got %v", err)
	}
	// Without arguments the stage has nothing to do, entries or not.
	if _, err := run(t, root, "3.3.0", `{}`); err != nil {
		t.Fatal(err)
	}
}

func TestHelperInTheImageIsUsed(t *testing.T) {
	t.Parallel()
	root := setupRoot(t, map[string]string{"a.conf": entry})
	record := filepath.Join(t.TempDir(), "args")
	script := fmt.Sprintf("#!/bin/sh\necho \"$KINDLING_ROOT $*\" > %s\ntouch \"$KINDLING_REBOOT_NEEDED\"\n", record)
	helper := filepath.Join(root, "usr/libexec/kindling-kargs")
	if err := os.MkdirAll(filepath.Dir(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(helper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env, err := run(t, root, "3.6.0", `{"shouldExist":["a=1"],"shouldNotExist":["quiet"]}`)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(record)
	if want := root + " --should-exist a=1 --should-not-exist quiet\n"; string(got) != want {
		t.Errorf("helper got %q, want %q", got, want)
	}
	if !rebootRequested(env) {
		t.Error("helper's reboot request lost")
	}
	// The helper owns the entries: the stage left them alone.
	if a, _ := os.ReadFile(filepath.Join(root, "boot/loader/entries/a.conf")); string(a) != entry {
		t.Errorf("entry edited despite the helper: %s", a)
	}
}
