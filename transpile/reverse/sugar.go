package reverse

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxSugarTries bounds the translations foldMountUnits makes (one per
// candidate), so a config of thousands of filesystems reverses in time
// linear in its size; past it the units stay units.
const maxSugarTries = 64

// foldMountUnits replaces a filesystem's .mount (or .swap) unit by
// with_mount_unit: true where the dialect generates exactly that unit:
// each candidate is tried and kept only if the whole document still
// translates to want. It returns how many were folded.
func foldMountUnits(doc *yaml.Node, want any, opts Options) int {
	root := doc.Content[0]
	filesystems := lookup(root, "storage", "filesystems")
	units := lookup(root, "systemd", "units")
	if filesystems == nil || units == nil {
		return 0
	}
	byName := map[string]bool{}
	for _, u := range units.Content {
		if n := lookup(u, "name"); n != nil {
			byName[n.Value] = true
		}
	}
	folded, tries := 0, 0
	for _, fs := range filesystems.Content {
		name := mountUnitName(fs)
		if name == "" || !byName[name] || lookup(fs, "with_mount_unit") != nil {
			continue
		}
		j := unitIndex(units, name)
		if j < 0 {
			continue
		}
		if tries++; tries > maxSugarTries {
			break
		}
		unit := units.Content[j]
		units.Content = append(units.Content[:j:j], units.Content[j+1:]...)
		fs.Content = append(fs.Content, str("with_mount_unit"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		if _, got, err := roundTrip(doc, opts); err == nil && reflect.DeepEqual(want, got) {
			folded++
			continue
		}
		fs.Content = fs.Content[:len(fs.Content)-2]
		units.Content = append(units.Content[:j], append([]*yaml.Node{unit}, units.Content[j:]...)...)
	}
	if len(units.Content) == 0 {
		dropKey(lookup(root, "systemd"), "units")
		if len(lookup(root, "systemd").Content) == 0 {
			dropKey(root, "systemd")
		}
	}
	return folded
}

// mountUnitName is the unit with_mount_unit would generate for a
// filesystem: named by its path, or by its device for swap.
func mountUnitName(fs *yaml.Node) string {
	format := lookup(fs, "format")
	if format == nil {
		return ""
	}
	if format.Value == "swap" {
		if dev := lookup(fs, "device"); dev != nil {
			return escapePath(dev.Value) + ".swap"
		}
		return ""
	}
	if p := lookup(fs, "path"); p != nil {
		return escapePath(p.Value) + ".mount"
	}
	return ""
}

// escapePath is systemd's path escaping (systemd-escape --path): slashes
// at the ends dropped, inner runs of them one "-", and bytes outside
// [A-Za-z0-9:_.] (and a leading ".") as \xNN.
func escapePath(p string) string {
	parts := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
	if len(parts) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, part := range parts {
		if i > 0 {
			b.WriteByte('-')
		}
		for k := 0; k < len(part); k++ {
			c := part[k]
			plain := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '.'
			if !plain || i == 0 && k == 0 && c == '.' {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

func unitIndex(units *yaml.Node, name string) int {
	for j, u := range units.Content {
		if n := lookup(u, "name"); n != nil && n.Value == name {
			return j
		}
	}
	return -1
}
