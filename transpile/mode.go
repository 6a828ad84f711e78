package transpile

import (
	"go.yaml.in/yaml/v3"

	"github.com/kindling-dev/kindling/config/report"
)

// checkDecimalMode warns, as Butane does, about a mode that is odd as
// written but would be an ordinary permission set read as octal: 644
// (01204) was surely meant as 0644. 420 (0644 itself) is fine.
func (d *decoder) checkDecimalMode(n *yaml.Node, path report.Path, mode int, dir bool) {
	octal, ok := decimalAsOctal(mode)
	if ok && !typicalMode(mode, dir) && typicalMode(octal, dir) {
		d.warnAt(n, path, "mode %d looks like octal written without its leading zero (0%o); write 0%d if that was meant", mode, octal, mode)
	}
}

// decimalAsOctal reads the decimal digits of mode as octal ones.
func decimalAsOctal(mode int) (int, bool) {
	if mode < 0 || mode > 7777 {
		return 0, false
	}
	out := 0
	for div := 1000; div > 0; div /= 10 {
		digit := mode / div % 10
		if digit > 7 {
			return 0, false
		}
		out = out<<3 | digit
	}
	return out, true
}

// typicalMode tells whether a mode is an unsurprising permission set:
// each wider class has no bit the narrower one lacks, execute goes with
// read, someone can read (and, for a directory, search), and the special
// bits are where they make sense.
func typicalMode(mode int, dir bool) bool {
	if mode == 0 {
		return true // root ignores mode bits
	}
	var hadR, hadW, hadX bool
	for _, perm := range []int{mode & 7, mode >> 3 & 7, mode >> 6 & 7} { // other, group, user
		r, w, x := perm&4 != 0, perm&2 != 0, perm&1 != 0
		if !r && hadR || !w && hadW || !x && hadX {
			return false
		}
		if x && hadR && !hadX {
			return false
		}
		if (w || x) && !r {
			return false
		}
		hadR, hadW, hadX = hadR || r, hadW || w, hadX || x
	}
	if !hadR {
		return false
	}
	if dir {
		return hadX && mode&0o4000 == 0 && (mode&0o3000 == 0 || hadW)
	}
	if mode&0o6000 != 0 && (!hadX || mode&2 != 0) {
		return false
	}
	return mode&0o1000 == 0
}
