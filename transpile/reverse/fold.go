package reverse

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vincent-petithory/dataurl"
	"go.yaml.in/yaml/v3"
)

// maxContents bounds what one data URL may decode (and decompress) to.
const maxContents = 64 << 20

// entry is one file's contents that could be folded.
type entry struct {
	index    int        // in storage.files
	contents *yaml.Node // the contents mapping
	literal  []*yaml.Node
	folded   bool
	suffix   string // for the local file of an append entry
}

type folder struct {
	opts    Options
	entries []*entry
	err     error
}

func (f *folder) count() int {
	n := 0
	for _, e := range f.entries {
		if e.folded {
			n++
		}
	}
	return n
}

// fold rewrites each file's data URL contents as inline text (or a local
// file with FilesDir).
func (f *folder) fold(doc *yaml.Node) error {
	files := lookup(doc.Content[0], "storage", "files")
	if files == nil {
		return nil
	}
	for i, file := range files.Content {
		path := lookup(file, "path")
		f.consider(i, lookup(file, "contents"), path, "")
		if appends := lookup(file, "append"); appends != nil {
			for k, a := range appends.Content {
				f.consider(i, a, path, fmt.Sprintf(".append-%d", k+1))
			}
		}
	}
	return f.err
}

// consider folds one resource of file i if it is a data URL; suffix tells
// an append entry's local file from the contents'.
func (f *folder) consider(i int, res, path *yaml.Node, suffix string) {
	if f.err != nil || res == nil || res.Kind != yaml.MappingNode {
		return
	}
	src := lookup(res, "source")
	if src == nil || !strings.HasPrefix(src.Value, "data:") {
		return
	}
	e := &entry{index: i, contents: res, literal: append([]*yaml.Node(nil), res.Content...), suffix: suffix}
	f.entries = append(f.entries, e)
	f.err = f.foldOne(e, path)
}

func (f *folder) foldOne(e *entry, pathNode *yaml.Node) error {
	src := lookup(e.contents, "source")
	if lookup(e.contents, "http_headers") != nil {
		return nil
	}
	compression := ""
	if c := lookup(e.contents, "compression"); c != nil {
		compression = c.Value
	}
	data, err := decodeDataURL(src.Value, compression)
	if err != nil {
		return nil // not something we can read: stays literal
	}
	rest := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(e.contents.Content); i += 2 {
		switch e.contents.Content[i].Value {
		case "source", "compression":
		default:
			rest.Content = append(rest.Content, e.contents.Content[i], e.contents.Content[i+1])
		}
	}
	switch {
	case f.opts.FilesDir != "" && pathNode != nil:
		name := strings.TrimPrefix(path.Clean("/"+pathNode.Value), "/") + e.suffix
		if name == e.suffix {
			return nil
		}
		if err := writeLocal(f.opts.FilesDir, name, data); err != nil {
			return fmt.Errorf("files directory: %w", err)
		}
		rest.Content = append([]*yaml.Node{str("local"), str(name)}, rest.Content...)
	case isText(data):
		rest.Content = append([]*yaml.Node{str("inline"), str(string(data))}, rest.Content...)
	default:
		return nil
	}
	e.contents.Content = rest.Content
	e.folded = true
	return nil
}

// isText accepts UTF-8 without control characters other than tab and
// newline: what reads well, and round-trips, as YAML text.
func isText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return false
		}
	}
	return true
}

func decodeDataURL(u, compression string) ([]byte, error) {
	// The library Ignition and the fetcher decode with, so the folded
	// text is what the machine would get.
	du, err := dataurl.DecodeString(u)
	if err != nil {
		return nil, err
	}
	data := du.Data
	switch compression {
	case "":
		return data, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxContents+1))
		if err != nil || len(out) > maxContents {
			return nil, errors.New("gzip contents unreadable or too large")
		}
		return out, nil
	}
	return nil, fmt.Errorf("compression %q", compression)
}

// writeLocal writes a file below dir only (os.Root refuses escapes,
// symlinks included) and never replaces an existing file with other bytes.
func writeLocal(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if d := path.Dir(name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if old, err := root.ReadFile(name); err == nil {
		if bytes.Equal(old, data) {
			return nil
		}
		return fmt.Errorf("%s exists with other contents; not overwritten", name)
	}
	return root.WriteFile(name, data, 0o644)
}

// unfoldDiffering restores the literal form of folded entries whose file
// translated differently; it reports whether it restored any.
func (f *folder) unfoldDiffering(want, got any) bool {
	wf, gf := filesOf(want), filesOf(got)
	changed := false
	for _, e := range f.entries {
		if !e.folded || e.index < len(wf) && e.index < len(gf) && reflect.DeepEqual(wf[e.index], gf[e.index]) {
			continue
		}
		e.contents.Content = e.literal
		e.folded = false
		changed = true
	}
	return changed
}

func (f *folder) unfoldAll() {
	for _, e := range f.entries {
		e.contents.Content = e.literal
		e.folded = false
	}
}

func filesOf(v any) []any {
	m, _ := v.(map[string]any)
	s, _ := m["storage"].(map[string]any)
	files, _ := s["files"].([]any)
	return files
}

// lookup follows keys through nested mappings.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}
