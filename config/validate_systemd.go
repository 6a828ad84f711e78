package config

import (
	"fmt"
	"strings"

	"github.com/kindling-dev/kindling/config/report"
)

// unitTypes are the suffixes systemd accepts for unit names.
var unitTypes = []string{"service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer", "snapshot", "slice", "scope"}

// maxUnitName is systemd's limit on a unit name's length.
const maxUnitName = 255

// systemd checks the systemd section.
func (v *validator) systemd(c *Systemd) {
	seen := map[string]int{}
	for i := range c.Units {
		u := &c.Units[i]
		p := report.Path{"systemd", "units", i}
		if u.Name != "" {
			if j, dup := seen[u.Name]; dup {
				v.errorf(p.Append("name"), "duplicate unit %q (also units.%d); every unit must have a unique name", u.Name, j)
			} else {
				seen[u.Name] = i
			}
		}
		v.unit(u, p)
	}
}

func (v *validator) unit(u *Unit, path report.Path) {
	if msg := unitNameProblem(u.Name); msg != "" {
		v.errorf(path.Append("name"), "unit name %q %s", u.Name, msg)
	}
	var parsed *unitFile
	if u.Contents != nil {
		parsed = v.unitContents(*u.Contents, path.Append("contents"), "unit "+u.Name)
	}
	masked := u.Mask != nil && *u.Mask
	enabled := u.Enabled != nil && *u.Enabled
	switch {
	case masked && enabled:
		v.errorf(path.Append("enabled"), "unit %q is both masked and enabled; systemd cannot enable a masked unit", u.Name)
	case masked && u.Contents != nil:
		v.warnf(path.Append("contents"), "unit %q is masked, so its contents are never used", u.Name)
	case enabled && parsed != nil && !parsed.hasSection("Install"):
		// Without [Install] systemctl enable does nothing, which is easy
		// to miss; units started some other way are still valid.
		v.warnf(path.Append("enabled"), "unit %q is enabled but its contents have no [Install] section, so enabling it has no effect", u.Name)
	}
	v.dropins(u, path.Append("dropins"))
}

func (v *validator) dropins(u *Unit, path report.Path) {
	seen := map[string]int{}
	for i, d := range u.Dropins {
		p := path.Append(i)
		np := p.Append("name")
		switch {
		case d.Name == "":
			v.errorf(np, "drop-in name is required")
		case strings.ContainsAny(d.Name, "/\x00"):
			v.errorf(np, "drop-in name %q must be a file name without '/'", d.Name)
		case !strings.HasSuffix(d.Name, ".conf") || d.Name == ".conf":
			v.errorf(np, "drop-in name %q must end in \".conf\" (e.g. \"10-override.conf\")", d.Name)
		}
		if d.Name != "" {
			if j, dup := seen[d.Name]; dup {
				v.errorf(np, "duplicate drop-in %q for unit %q (also dropins.%d)", d.Name, u.Name, j)
			} else {
				seen[d.Name] = i
			}
		}
		if d.Contents != nil {
			v.unitContents(*d.Contents, p.Append("contents"), "drop-in "+d.Name)
		}
	}
}

// unitNameProblem says why name is not a valid unit name, or "".
func unitNameProblem(name string) string {
	if name == "" {
		return "is empty; a unit name is required (e.g. \"example.service\")"
	}
	if len(name) > maxUnitName {
		return fmt.Sprintf("is longer than %d characters", maxUnitName)
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || !isUnitType(name[dot+1:]) {
		return "must end with a unit type: ." + strings.Join(unitTypes, ", .")
	}
	prefix := name[:dot]
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(":-_.\\@", c) >= 0) {
			return fmt.Sprintf("contains %q; unit names may only contain letters, digits and :-_.\\@", string(c))
		}
	}
	at := strings.IndexByte(prefix, '@')
	switch {
	case prefix == "" || at == 0:
		return "has no name before the unit type"
	case at >= 0 && strings.IndexByte(prefix[at+1:], '@') >= 0:
		return "contains more than one '@' (templates are NAME@.TYPE, instances NAME@INSTANCE.TYPE)"
	}
	return ""
}

func isUnitType(t string) bool {
	for _, u := range unitTypes {
		if t == u {
			return true
		}
	}
	return false
}

// unitContents parses unit file text and reports the first syntax error with
// its line inside the contents; it returns nil when the text does not parse.
func (v *validator) unitContents(text string, path report.Path, what string) *unitFile {
	f, err := parseUnitFile(text)
	if err != nil {
		v.errorf(path, "%s contents are not a valid unit file: %v", what, err)
		return nil
	}
	return f
}

// unitFile is what validation needs from a parsed unit file: its sections
// and their settings, in order.
type unitFile struct {
	sections []unitSection
}

type unitSection struct {
	name    string
	options []unitOption
}

type unitOption struct {
	key, value string
	line       int
}

func (f *unitFile) hasSection(name string) bool {
	for _, s := range f.sections {
		if s.name == name {
			return true
		}
	}
	return false
}

// unitSyntaxError is a problem at a line of unit file text.
type unitSyntaxError struct {
	line int
	msg  string
}

func (e *unitSyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// parseUnitFile reads systemd unit file syntax: [Section] headers,
// Key=Value lines, '#' and ';' comments, blank lines, and lines continued
// with a trailing backslash (comment lines inside a continuation are
// skipped, as systemd does).
func parseUnitFile(text string) (*unitFile, error) {
	f := &unitFile{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			name, err := sectionName(line)
			if err != nil {
				return nil, &unitSyntaxError{n, err.Error()}
			}
			f.sections = append(f.sections, unitSection{name: name})
			continue
		}
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if next != "" && (next[0] == '#' || next[0] == ';') {
				line = strings.TrimSuffix(line, "\\") + "\\"
				continue
			}
			line = strings.TrimSuffix(line, "\\") + " " + next
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		switch {
		case !ok:
			return nil, &unitSyntaxError{n, fmt.Sprintf("%q is neither a [Section] header nor a Key=Value setting", truncate(line))}
		case key == "":
			return nil, &unitSyntaxError{n, "setting has no key before '='"}
		case strings.ContainsAny(key, " \t"):
			return nil, &unitSyntaxError{n, fmt.Sprintf("key %q contains whitespace", key)}
		case len(f.sections) == 0:
			return nil, &unitSyntaxError{n, fmt.Sprintf("setting %q comes before any [Section] header", key)}
		}
		s := &f.sections[len(f.sections)-1]
		s.options = append(s.options, unitOption{key: key, value: strings.TrimSpace(value), line: n})
	}
	return f, nil
}

// sectionName reads a "[Name]" header line.
func sectionName(line string) (string, error) {
	end := strings.IndexByte(line, ']')
	switch {
	case end < 0:
		return "", fmt.Errorf("section header %q has no closing ']'", truncate(line))
	case end == 1:
		return "", fmt.Errorf("section header has an empty name")
	case strings.TrimSpace(line[end+1:]) != "":
		return "", fmt.Errorf("unexpected text %q after section header", truncate(line[end+1:]))
	}
	name := line[1:end]
	if strings.ContainsAny(name, "[\n") {
		return "", fmt.Errorf("section name %q is invalid", name)
	}
	return name, nil
}

// truncate shortens text quoted in messages.
func truncate(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
