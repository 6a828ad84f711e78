// Package report holds what validation found: each entry names a level, the
// config path it concerns and, where the config came from text, the line and
// column of that path.
package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Level is the severity of an entry. Only errors make a config invalid.
type Level int

const (
	Info Level = iota
	Warning
	Error
)

func (l Level) String() string {
	switch l {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "info"
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level's name.
func (l *Level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*l = Error
	case "warning":
		*l = Warning
	case "info":
		*l = Info
	default:
		return fmt.Errorf("unknown report level %q", b)
	}
	return nil
}

// Path is a location in a config: object keys (string) and list indexes (int).
type Path []any

// Append returns a new path with elems added; the receiver is never modified,
// so paths can be shared by siblings safely.
func (p Path) Append(elems ...any) Path {
	out := make(Path, len(p), len(p)+len(elems))
	copy(out, p)
	return append(out, elems...)
}

// String renders the path as dotted keys and indexes, e.g.
// "storage.files.0.path". The empty path is "$" (the whole config).
func (p Path) String() string {
	if len(p) == 0 {
		return "$"
	}
	var b strings.Builder
	for i, e := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		switch v := e.(type) {
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// MarshalText renders the path as String does.
func (p Path) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Entry is one finding.
type Entry struct {
	Level   Level  `json:"level"`
	Path    Path   `json:"path"`
	Line    int    `json:"line,omitempty"`   // 1-based; 0 when unknown
	Column  int    `json:"column,omitempty"` // 1-based, in characters; 0 when unknown
	Message string `json:"message"`
	// Offset is the byte offset in the source, -1 when unknown. Kept so a
	// caller holding the source can print the offending line.
	Offset int `json:"-"`
}

// Report is an ordered list of entries.
type Report struct {
	Entries []Entry
}

// Add appends an entry at an unknown position.
func (r *Report) Add(level Level, path Path, format string, args ...any) {
	r.Entries = append(r.Entries, Entry{Level: level, Path: path, Message: fmt.Sprintf(format, args...), Offset: -1})
}

// Errorf adds an error.
func (r *Report) Errorf(path Path, format string, args ...any) { r.Add(Error, path, format, args...) }

// Warnf adds a warning.
func (r *Report) Warnf(path Path, format string, args ...any) { r.Add(Warning, path, format, args...) }

// Merge appends other's entries.
func (r *Report) Merge(other Report) { r.Entries = append(r.Entries, other.Entries...) }

// IsFatal reports whether any entry is an error.
func (r Report) IsFatal() bool {
	for _, e := range r.Entries {
		if e.Level == Error {
			return true
		}
	}
	return false
}

// HasWarnings reports whether any entry is a warning.
func (r Report) HasWarnings() bool {
	for _, e := range r.Entries {
		if e.Level == Warning {
			return true
		}
	}
	return false
}

// String lists the entries one per line without source excerpts.
func (r Report) String() string {
	var b strings.Builder
	for _, e := range r.Entries {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String renders "LEVEL: PATH (LINE:COL): MESSAGE".
func (e Entry) String() string {
	return e.format("")
}

func (e Entry) format(file string) string {
	loc := ""
	switch {
	case e.Line > 0 && file != "":
		loc = fmt.Sprintf(" (%s:%d:%d)", file, e.Line, e.Column)
	case e.Line > 0:
		loc = fmt.Sprintf(" (%d:%d)", e.Line, e.Column)
	case file != "":
		loc = fmt.Sprintf(" (%s)", file)
	}
	return fmt.Sprintf("%s: %s%s: %s", e.Level, e.Path, loc, e.Message)
}

// MarshalJSON writes the report as a JSON array (never null).
func (r Report) MarshalJSON() ([]byte, error) {
	if r.Entries == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(r.Entries)
}

// Document is the JSON shape both commands print with --format json: the
// input's name ("<stdin>" for standard input) and its entries, an empty
// list when there are none, so a consumer parses one shape everywhere.
type Document struct {
	File    string  `json:"file"`
	Entries []Entry `json:"entries"`
}

// JSON renders the report of one input as a Document.
func (r Report) JSON(file string) ([]byte, error) {
	entries := r.Entries
	if entries == nil {
		entries = []Entry{}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<stdin>" readable
	if err := enc.Encode(Document{File: file, Entries: entries}); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}
