package kcmdline

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSplitKeepsQuotedWords(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		`root=UUID=1 dyndbg="file a.c +p"  quiet`: {"root=UUID=1", `dyndbg="file a.c +p"`, "quiet"},
		"a\tb\nc\rd\ve\ff":                        {"a", "b", "c", "d", "e", "f"},
		`  "a b"  `:                               {`"a b"`},
		`x=""`:                                    {`x=""`},
		`open="a b`:                               {`open="a b`}, // an unclosed quote runs to the end
		"":                                        nil,
	}
	for in, want := range cases {
		if got := Split(in); !slices.Equal(got, want) {
			t.Errorf("Split(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStripsQuotes(t *testing.T) {
	t.Parallel()
	got := Parse(`a=1 b="x y" c "d=e f"`)
	want := []Arg{{"a", "1"}, {"b", "x y"}, {"c", ""}, {"d", "e f"}}
	if !slices.Equal(got, want) {
		t.Errorf("Parse = %q, want %q", got, want)
	}
}

func TestValueFirstKeyLastOccurrence(t *testing.T) {
	t.Parallel()
	cmdline := `ignition.platform.id=qemu kindling.platform.id=aws root=/dev/a root="LABEL=my root" quiet`
	for _, c := range []struct {
		keys  []string
		want  string
		found bool
	}{
		{[]string{"kindling.platform.id", "ignition.platform.id"}, "aws", true},
		{[]string{"ignition.platform.id"}, "qemu", true},
		{[]string{"root"}, "LABEL=my root", true},
		{[]string{"quiet"}, "", true},
		{[]string{"missing"}, "", false},
	} {
		got, found := Value(cmdline, c.keys...)
		if got != c.want || found != c.found {
			t.Errorf("Value(%q) = %q, %v; want %q, %v", c.keys, got, found, c.want, c.found)
		}
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/cmdline"), []byte("quiet root=/dev/vda4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(root)
	if err != nil || got != "quiet root=/dev/vda4" {
		t.Errorf("Read = %q, %v", got, err)
	}
	if _, err := Read(t.TempDir()); !os.IsNotExist(err) {
		t.Errorf("Read of a root without /proc: %v, want not-exist", err)
	}
}
