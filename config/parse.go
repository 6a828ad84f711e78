package config

import (
	"errors"
	"reflect"

	"github.com/kindling-dev/kindling/config/internal/jsontree"
	"github.com/kindling-dev/kindling/config/report"
)

// ErrInvalid is returned when a config has errors; the report says which.
var ErrInvalid = errors.New("config is invalid")

// Parse reads a JSON config of any supported spec version, translates it to
// the canonical (newest) model and validates it. The report lists every
// finding with its path, line and column; the error is ErrInvalid when the
// report has errors. Warnings never make a config invalid.
func Parse(data []byte) (Config, report.Report, error) {
	cfg, rep := parse(data)
	rep.Locate(data)
	if rep.IsFatal() {
		return Config{}, rep, ErrInvalid
	}
	return cfg, rep, nil
}

func parse(data []byte) (Config, report.Report) {
	var rep report.Report
	tree, err := jsontree.Parse(data)
	if err != nil {
		offset := 0
		var se *jsontree.SyntaxError
		if errors.As(err, &se) {
			offset = se.Offset
		}
		rep.Errorf(nil, "invalid JSON: %s", syntaxMessage(err))
		rep.Entries[0].Offset = offset
		return Config{}, rep
	}
	if tree.Kind != jsontree.Object {
		rep.Errorf(nil, "a config is a JSON object, found %s", describeNode(tree))
		rep.Entries[0].Offset = tree.Offset
		return Config{}, rep
	}
	version, ok := readVersion(tree, &rep)
	if !ok {
		return Config{}, rep
	}
	d := decoder{version: version}
	var cfg Config
	d.decode(tree, reflect.ValueOf(&cfg).Elem(), "")
	rep.Merge(d.rep)
	if rep.IsFatal() {
		return Config{}, rep
	}
	translated := translate(&cfg, version)
	rep.Merge(locateAll(tree, translated))
	v := &validator{version: version}
	if version == V3_2 {
		v.customGiven = clevisCustomObjects(tree)
	}
	rep.Merge(locateAll(tree, validateWith(v, &cfg)))
	return cfg, rep
}

func syntaxMessage(err error) string {
	var se *jsontree.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// readVersion finds and checks ignition.version before anything else is
// decoded, since it decides which fields exist.
func readVersion(tree *jsontree.Node, rep *report.Report) (Version, bool) {
	path := report.Path{"ignition", "version"}
	ign, node := versionNode(tree)
	if node == nil || node.Kind == jsontree.Null {
		offset := tree.Offset
		if ign != nil {
			offset = ign.Offset
		}
		rep.Errorf(path, "the spec version is required (ignition.version, e.g. %q)", Newest.String())
		rep.Entries[len(rep.Entries)-1].Offset = offset
		return Version{}, false
	}
	if node.Kind != jsontree.String {
		rep.Errorf(path, "expected a string such as %q, found %s", Newest.String(), describeNode(node))
		rep.Entries[len(rep.Entries)-1].Offset = node.Offset
		return Version{}, false
	}
	v, err := ParseVersion(node.Text)
	if err != nil {
		rep.Errorf(path, "%s", err)
		rep.Entries[len(rep.Entries)-1].Offset = node.Offset
		return Version{}, false
	}
	if node.Text != v.String() {
		rep.Warnf(path, "spec version %q is read as %s; write it that way", node.Text, v)
		rep.Entries[len(rep.Entries)-1].Offset = node.Offset
	}
	return v, true
}

// versionNode finds ignition.version as encoding/json would assign it:
// every "ignition" member (keys matched case-insensitively) decodes into
// the same object, a later "version" replaces an earlier one, and null
// changes nothing. It returns the last ignition object too, for positions.
func versionNode(tree *jsontree.Node) (ign, version *jsontree.Node) {
	for _, m := range tree.Members {
		if !keyMatches(m.Key, "ignition") || m.Value.Kind != jsontree.Object {
			continue
		}
		ign = m.Value
		for _, vm := range m.Value.Members {
			if keyMatches(vm.Key, "version") && (vm.Value.Kind != jsontree.Null || version == nil) {
				version = vm.Value
			}
		}
	}
	return ign, version
}

// clevisCustomObjects lists the LUKS volumes whose clevis has a custom
// object in the source, even an empty one: spec 3.2.0 declares custom a
// pointer, so its mere presence counts there.
func clevisCustomObjects(tree *jsontree.Node) map[int]bool {
	given := map[int]bool{}
	for _, storage := range membersNamed(tree, "storage") {
		for _, luks := range membersNamed(storage, "luks") {
			for i, vol := range luks.Items {
				given[i] = lastIsObject(membersNamed(vol, "clevis"), func(clevis *jsontree.Node) bool {
					return lastIsObject(membersNamed(clevis, "custom"), nil)
				})
			}
		}
	}
	return given
}

// lastIsObject reports whether a pointer field given by these members ends
// up set: a null member unsets it, an object sets it (and then inner, if
// not nil, must hold for one of the objects since the last null).
func lastIsObject(members []*jsontree.Node, inner func(*jsontree.Node) bool) bool {
	set, ok := false, false
	for _, m := range members {
		switch m.Kind {
		case jsontree.Null:
			set, ok = false, false
		case jsontree.Object:
			set = true
			ok = ok || inner == nil || inner(m)
		}
	}
	return set && ok
}

// membersNamed returns the values of an object's members that name the
// field name (as keyMatches decides), in order.
func membersNamed(n *jsontree.Node, name string) []*jsontree.Node {
	if n == nil || n.Kind != jsontree.Object {
		return nil
	}
	var out []*jsontree.Node
	for _, m := range n.Members {
		if keyMatches(m.Key, name) {
			out = append(out, m.Value)
		}
	}
	return out
}

// locateAll sets the source offset of every entry from the tree.
func locateAll(tree *jsontree.Node, rep report.Report) report.Report {
	for i := range rep.Entries {
		if rep.Entries[i].Offset < 0 {
			rep.Entries[i].Offset = offsetOf(tree, rep.Entries[i].Path)
		}
	}
	return rep
}

// offsetOf walks the tree along path and returns the offset of the value it
// names, or of the deepest ancestor present (a missing required field is
// reported at the object that lacks it). Keys match the way the decoder
// matched them, so a path of canonical names finds a case-folded key too.
func offsetOf(tree *jsontree.Node, path report.Path) int {
	n := tree
	for _, elem := range path {
		var next *jsontree.Node
		switch e := elem.(type) {
		case string:
			next = n.Lookup(e)
			if next == nil && n.Kind == jsontree.Object {
				for i := len(n.Members) - 1; i >= 0 && next == nil; i-- {
					if equalFold(n.Members[i].Key, e) {
						next = n.Members[i].Value
					}
				}
			}
		case int:
			if n.Kind == jsontree.Array && e >= 0 && e < len(n.Items) {
				next = n.Items[e]
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return n.Offset
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
