package reverse

import (
	"reflect"

	"github.com/coreos/go-systemd/v22/unit"
	"go.yaml.in/yaml/v3"
)

// maxSugarTries bounds the translations of one-by-one folding (one per
// candidate), tried only on documents under oneByOneLimit bytes, so a
// config of thousands of filesystems reverses in time linear in its size.
const (
	maxSugarTries = 64
	oneByOneLimit = 64 << 10
)

// candidate is a filesystem whose generated unit the config holds.
type candidate struct {
	fs   *yaml.Node
	unit *yaml.Node
}

// foldMountUnits replaces a filesystem's .mount (or .swap) unit by
// with_mount_unit: true where the dialect generates exactly that unit:
// first all candidates at once (a config the dialect generated folds in
// one translation), else, on small documents, each alone; a fold is kept
// only if the whole document still translates to want. It returns how
// many were folded.
func foldMountUnits(doc *yaml.Node, want any, opts Options, size int) int {
	root := doc.Content[0]
	filesystems := lookup(root, "storage", "filesystems")
	units := lookup(root, "systemd", "units")
	if filesystems == nil || units == nil {
		return 0
	}
	byName := map[string]*yaml.Node{}
	for _, u := range units.Content {
		if n := lookup(u, "name"); n != nil {
			byName[n.Value] = u
		}
	}
	var cands []candidate
	for _, fs := range filesystems.Content {
		if u := byName[mountUnitName(fs)]; u != nil && lookup(fs, "with_mount_unit") == nil {
			cands = append(cands, candidate{fs, u})
		}
	}
	if len(cands) == 0 {
		return 0
	}
	saved := append([]*yaml.Node(nil), units.Content...)
	for _, c := range cands {
		fold(units, c)
	}
	if same(doc, want, opts) {
		tidy(root, units)
		return len(cands)
	}
	for _, c := range cands {
		c.fs.Content = c.fs.Content[:len(c.fs.Content)-2]
	}
	units.Content = saved
	if size > oneByOneLimit {
		return 0
	}
	folded := 0
	for i, c := range cands {
		if i == maxSugarTries {
			break
		}
		before := append([]*yaml.Node(nil), units.Content...)
		fold(units, c)
		if same(doc, want, opts) {
			folded++
			continue
		}
		c.fs.Content = c.fs.Content[:len(c.fs.Content)-2]
		units.Content = before
	}
	tidy(root, units)
	return folded
}

// fold marks the filesystem and drops its unit from the list.
func fold(units *yaml.Node, c candidate) {
	c.fs.Content = append(c.fs.Content, str("with_mount_unit"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	for j, u := range units.Content {
		if u == c.unit {
			units.Content = append(units.Content[:j:j], units.Content[j+1:]...)
			return
		}
	}
}

func same(doc *yaml.Node, want any, opts Options) bool {
	_, got, err := roundTrip(doc, opts)
	return err == nil && reflect.DeepEqual(want, got)
}

// tidy drops the units list, and systemd, when folding emptied them.
func tidy(root, units *yaml.Node) {
	if len(units.Content) > 0 {
		return
	}
	systemd := lookup(root, "systemd")
	dropKey(systemd, "units")
	if len(systemd.Content) == 0 {
		dropKey(root, "systemd")
	}
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
			return unit.UnitNamePathEscape(dev.Value) + ".swap"
		}
		return ""
	}
	if p := lookup(fs, "path"); p != nil {
		return unit.UnitNamePathEscape(p.Value) + ".mount"
	}
	return ""
}
