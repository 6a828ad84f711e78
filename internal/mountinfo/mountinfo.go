// Package mountinfo reads the kernel's table of mounts,
// /proc/self/mountinfo. The mount stage asks it what is mounted before
// unmounting, the disks stage which devices are in use; both read it here,
// so a mount point with a space in its name means the same to both.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Mount is one line of the table.
type Mount struct {
	ID, Parent int
	Root       string // the directory of the filesystem mounted here
	Target     string // where it is mounted
	FSType     string
	Source     string // the device, or what the filesystem names its source
}

// Path is the table of the calling process.
const Path = "/proc/self/mountinfo"

// Read returns the mounts of the calling process's namespace.
func Read() ([]Mount, error) {
	f, err := os.Open(Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}

// Parse reads a table in mountinfo's format: ID PARENT MAJ:MIN ROOT TARGET
// OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS.
func Parse(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		m, err := parseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("mountinfo line %d: %w", n, err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

func parseLine(line string) (Mount, error) {
	fields := strings.Fields(line)
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if len(fields) < 6 || sep < 0 || sep+2 >= len(fields) {
		return Mount{}, fmt.Errorf("malformed: %q", line)
	}
	id, err1 := strconv.Atoi(fields[0])
	parent, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil {
		return Mount{}, fmt.Errorf("malformed ids: %q", line)
	}
	return Mount{
		ID: id, Parent: parent,
		Root:   Unescape(fields[3]),
		Target: Unescape(fields[4]),
		FSType: Unescape(fields[sep+1]),
		Source: Unescape(fields[sep+2]),
	}, nil
}

// Unescape decodes the octal escapes the kernel writes for white space and
// backslashes in the paths of its tables (\040 for a space), in mountinfo
// and in /proc/swaps alike.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}
