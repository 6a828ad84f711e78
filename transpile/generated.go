package transpile

import (
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"go.yaml.in/yaml/v3"
)

// Sugar that adds entries (mount units, boot_device, grub) works as Butane
// does: it renders a config of its own, which becomes the parent of the
// author's config in a config.Merge. Generated entries therefore come first,
// and an entry the author wrote with the same key (a unit of the same name,
// a disk of the same device, a filesystem on /dev/mapper/root) merges into
// the generated one instead of clashing with it.

// keyedLists names the lists whose entries Merge matches by key, with the
// key of each entry, so positions recorded for the author's entries can
// follow them to their index in the merged config.
var keyedLists = map[string]func(c *config.Config) []string{
	"storage.files.": func(c *config.Config) []string {
		return keysOf(c.Storage.Files, func(f config.File) string { return f.Path })
	},
	"storage.directories.": func(c *config.Config) []string {
		return keysOf(c.Storage.Directories, func(f config.Directory) string { return f.Path })
	},
	"storage.links.": func(c *config.Config) []string {
		return keysOf(c.Storage.Links, func(f config.Link) string { return f.Path })
	},
	"storage.disks.": func(c *config.Config) []string {
		return keysOf(c.Storage.Disks, func(f config.Disk) string { return f.Device })
	},
	"storage.filesystems.": func(c *config.Config) []string {
		return keysOf(c.Storage.Filesystems, func(f config.Filesystem) string { return f.Device })
	},
	"storage.raid.": func(c *config.Config) []string {
		return keysOf(c.Storage.Raid, func(f config.Raid) string { return f.Name })
	},
	"storage.luks.": func(c *config.Config) []string {
		return keysOf(c.Storage.Luks, func(f config.Luks) string { return f.Name })
	},
	"systemd.units.": func(c *config.Config) []string {
		return keysOf(c.Systemd.Units, func(f config.Unit) string { return f.Name })
	},
}

func keysOf[T any](list []T, key func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = key(x)
	}
	return out
}

// mergeGenerated makes gen the parent of *cfg. Recorded positions of the
// author's list entries move to the entries' new indexes; generated entries
// the author did not also write point at node, the sugar that made them.
func (d *decoder) mergeGenerated(cfg *config.Config, gen config.Config, node *yaml.Node) {
	gen.Ignition.Version = cfg.Ignition.Version
	merged := config.Merge(gen, *cfg)
	moves := map[string]map[int]int{}
	genMarks := map[string]pos{}
	for list, keys := range keyedLists {
		before, after := keys(cfg), keys(&merged)
		idx := map[string]int{}
		for i := len(after) - 1; i >= 0; i-- {
			idx[after[i]] = i
		}
		m := map[int]int{}
		for i, k := range before {
			if j, ok := idx[k]; ok {
				m[i] = j
			}
		}
		moves[list] = m
		for _, k := range keys(&gen) {
			if j, ok := idx[k]; ok && node != nil {
				genMarks[list+strconv.Itoa(j)+"."] = pos{node.Line, node.Column}
			}
		}
	}
	where := make(map[string]pos, len(d.where))
	for k, p := range d.where {
		where[movedKey(k, moves)] = p
	}
	// Positions of the author's entries win over the sugar's.
	for k, p := range genMarks {
		if _, ok := where[k]; !ok {
			where[k] = p
		}
	}
	d.where = where
	*cfg = merged
}

// movedKey rewrites "storage.files.3.path." to the entry's new index.
func movedKey(k string, moves map[string]map[int]int) string {
	for list, m := range moves {
		rest, ok := strings.CutPrefix(k, list)
		if !ok {
			continue
		}
		num, tail, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(num)
		if err != nil {
			return k
		}
		if j, ok := m[i]; ok {
			return list + strconv.Itoa(j) + "." + tail
		}
		return k
	}
	return k
}
