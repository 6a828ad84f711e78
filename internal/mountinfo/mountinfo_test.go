package mountinfo

import (
	"strings"
	"testing"
)

const table = `22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw
29 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda4 rw
36 29 7:0 /sub /mnt/my\040disk rw,noatime master:1 unbindable - ext3 /dev/loop0 rw,errors=continue
40 29 0:35 / /var/back\134slash rw - tmpfs tmp\011fs rw
`

func TestParse(t *testing.T) {
	t.Parallel()
	got, err := Parse(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{ID: 22, Parent: 1, Root: "/", Target: "/proc", FSType: "proc", Source: "proc"},
		{ID: 29, Parent: 1, Root: "/", Target: "/", FSType: "ext4", Source: "/dev/vda4"},
		{ID: 36, Parent: 29, Root: "/sub", Target: "/mnt/my disk", FSType: "ext3", Source: "/dev/loop0"},
		{ID: 40, Parent: 29, Root: "/", Target: `/var/back\slash`, FSType: "tmpfs", Source: "tmp\tfs"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d mounts, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i+1, got[i], want[i])
		}
	}
}

func TestParseRefusesMalformedLines(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"22 1 0:21 / /proc rw",               // no separator
		"22 1 0:21 / /proc rw - proc",        // no source
		"x 1 0:21 / /proc rw - proc proc rw", // id not a number
		"22 1 0:21 / /proc - proc proc rw",   // separator where the options belong
	} {
		if _, err := Parse(strings.NewReader(line + "\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: got %v, want an error naming line 1", line, err)
		}
	}
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`plain`:      "plain",
		`a\040b`:     "a b",
		`\011\012`:   "\t\n",
		`end\04`:     `end\04`, // too short for an escape
		`\400`:       `\400`,   // more than a byte
		`\08x`:       `\08x`,   // not octal
		`two\134\\x`: `two\\\x`,
	} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// The running system's own table parses, and / is in it.
func TestReadOwnTable(t *testing.T) {
	t.Parallel()
	mounts, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if m.Target == "/" {
			return
		}
	}
	t.Errorf("no mount at / among %d mounts", len(mounts))
}
