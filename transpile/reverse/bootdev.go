package reverse

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// storageKeys name the entries boot_device generates, by list: an entry of
// the document with the same key is taken as generated.
var storageKeys = map[string]string{"disks": "device", "raid": "name", "luks": "name", "filesystems": "device"}

// foldBootDevice tries boot_device sugar for a root LUKS volume and/or a
// mirrored boot disk: it guesses the sugar from the entries, translates
// the sugar alone to learn which entries it generates, removes those, and
// keeps the result only if the whole document still translates to want.
func foldBootDevice(doc *yaml.Node, want any, opts Options) bool {
	root := doc.Content[0]
	storage := lookup(root, "storage")
	if storage == nil || lookup(root, "boot_device") != nil {
		return false
	}
	for _, cand := range bootCandidates(storage) {
		gen, ok := generated(root, cand, opts)
		if !ok {
			continue
		}
		saved := append([]*yaml.Node(nil), storage.Content...)
		savedRoot := append([]*yaml.Node(nil), root.Content...)
		if !removeGenerated(storage, gen) {
			continue
		}
		root.Content = append(root.Content, str("boot_device"), cand)
		dropEmpty(root, storage)
		if same(doc, want, opts) {
			return true
		}
		storage.Content = saved
		root.Content = savedRoot
	}
	return false
}

// bootCandidates guesses boot_device mappings from the storage section,
// most specific first.
func bootCandidates(storage *yaml.Node) []*yaml.Node {
	var luks *yaml.Node
	if l := findBy(lookup(storage, "luks"), "name", "root"); l != nil {
		luks = &yaml.Node{Kind: yaml.MappingNode}
		if c := lookup(l, "clevis"); c != nil {
			for _, k := range []string{"tpm2", "tang", "threshold"} {
				if v := lookup(c, k); v != nil {
					luks.Content = append(luks.Content, str(k), v)
				}
			}
		}
		for _, k := range []string{"discard", "cex"} {
			if v := lookup(l, k); v != nil {
				luks.Content = append(luks.Content, str(k), v)
			}
		}
	}
	var devices []*yaml.Node
	if disks := lookup(storage, "disks"); disks != nil {
		for i, d := range disks.Content {
			if findBy(lookup(d, "partitions"), "label", fmt.Sprintf("root-%d", i+1)) != nil {
				devices = append(devices, lookup(d, "device"))
			}
		}
	}
	var out []*yaml.Node
	for _, layout := range []string{"", "aarch64", "ppc64le"} {
		cand := &yaml.Node{Kind: yaml.MappingNode}
		if layout != "" {
			if len(devices) < 2 {
				continue
			}
			cand.Content = append(cand.Content, str("layout"), str(layout))
		}
		if luks != nil {
			cand.Content = append(cand.Content, str("luks"), luks)
		}
		if len(devices) >= 2 && !hasNil(devices) {
			cand.Content = append(cand.Content, str("mirror"), &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				str("devices"), {Kind: yaml.SequenceNode, Content: devices}}})
		}
		if len(cand.Content) > 0 {
			out = append(out, cand)
		}
	}
	return out
}

func hasNil(ns []*yaml.Node) bool {
	for _, n := range ns {
		if n == nil {
			return true
		}
	}
	return false
}

func findBy(list *yaml.Node, key, value string) *yaml.Node {
	if list == nil {
		return nil
	}
	for _, item := range list.Content {
		if v := lookup(item, key); v != nil && v.Value == value {
			return item
		}
	}
	return nil
}

// generated translates the sugar alone (under the document's header) and
// returns the keys of the entries it makes, per storage list.
func generated(root, cand *yaml.Node, opts Options) (map[string]map[string]bool, bool) {
	header := &yaml.Node{Kind: yaml.MappingNode, Content: append(append([]*yaml.Node(nil), root.Content[:4]...), str("boot_device"), cand)}
	_, got, err := roundTrip(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{header}}, opts)
	if err != nil {
		return nil, false
	}
	m, _ := got.(map[string]any)
	st, _ := m["storage"].(map[string]any)
	keys := map[string]map[string]bool{}
	for list, key := range storageKeys {
		items, _ := st[list].([]any)
		for _, it := range items {
			e, _ := it.(map[string]any)
			if v, ok := e[key].(string); ok {
				if keys[list] == nil {
					keys[list] = map[string]bool{}
				}
				keys[list][v] = true
			}
		}
	}
	return keys, len(keys) > 0
}

// removeGenerated drops the document's entries with generated keys; it
// reports whether every generated entry was there.
func removeGenerated(storage *yaml.Node, gen map[string]map[string]bool) bool {
	for list, keys := range gen {
		items := lookup(storage, list)
		if items == nil {
			return false
		}
		kept := make([]*yaml.Node, 0, len(items.Content))
		found := 0
		for _, it := range items.Content {
			if v := lookup(it, storageKeys[list]); v != nil && keys[v.Value] {
				found++
				continue
			}
			kept = append(kept, it)
		}
		if found != len(keys) {
			return false
		}
		// A fresh node: the saved storage content still holds the old one.
		fresh := *items
		fresh.Content = kept
		replaceValue(storage, list, &fresh)
	}
	return true
}

func replaceValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(append(m.Content[:i+1:i+1], v), m.Content[i+2:]...)
			return
		}
	}
}

// dropEmpty removes lists emptied by the fold, and storage if nothing is
// left in it.
func dropEmpty(root, storage *yaml.Node) {
	for i := 0; i+1 < len(storage.Content); {
		if v := storage.Content[i+1]; v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
			storage.Content = append(storage.Content[:i:i], storage.Content[i+2:]...)
			continue
		}
		i += 2
	}
	if len(storage.Content) == 0 {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i+1] == storage {
				root.Content = append(root.Content[:i:i], root.Content[i+2:]...)
				return
			}
		}
	}
}
