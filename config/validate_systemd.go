package config

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"

	"github.com/kindling-dev/kindling/config/report"
)

// unitTypes are the suffixes the spec accepts for unit names.
var unitTypes = []string{"service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer", "snapshot", "slice", "scope"}

// maxUnitName is systemd's limit on a unit name's length, and a file
// name's.
const maxUnitName = 255

// systemd checks the systemd section.
func (v *validator) systemd(c *Systemd) {
	seen := map[string]int{}
	for i := range c.Units {
		u := &c.Units[i]
		p := report.Path{"systemd", "units", i}
		if j, dup := seen[u.Name]; dup {
			v.errorf(p.Append("name"), "duplicate unit %q (also units.%d); every unit must have a unique name", u.Name, j)
		} else {
			seen[u.Name] = i
		}
		v.unit(u, p)
	}
	v.instancesOfTemplates(c.Units)
}

func (v *validator) unit(u *Unit, path report.Path) {
	v.unitName(u.Name, path.Append("name"))
	var parsed []*unit.UnitSection
	if u.Contents != nil {
		parsed = v.unitContents(*u.Contents, path.Append("contents"), "unit "+u.Name)
	}
	masked := isTrue(u.Mask)
	enabled := isTrue(u.Enabled)
	switch {
	case masked && enabled:
		v.warnf(path.Append("enabled"), "unit %q is both masked and enabled; systemd does not start a masked unit, so enabling it has no effect", u.Name)
	case masked && u.Contents != nil:
		v.warnf(path.Append("contents"), "unit %q is masked, so its contents are never used", u.Name)
	case enabled && parsed != nil && *u.Contents != "" && !hasSection(parsed, "Install"):
		// Without [Install] systemctl enable does nothing, which is easy
		// to miss; units started some other way are still valid.
		v.warnf(path.Append("enabled"), "unit %q is enabled but its contents have no [Install] section, so enabling it has no effect", u.Name)
	}
	v.dropins(u, path.Append("dropins"))
}

// unitName checks a unit's name. The spec asks only for a known type
// suffix. The name is also a file name in the unit directory and a word of
// the preset file, which the safety rules guard; anything else systemd
// would not load is a warning.
func (v *validator) unitName(name string, p report.Path) {
	if !isUnitType(strings.TrimPrefix(path.Ext(name), ".")) {
		v.errorf(p, "unit name %q must end with a unit type: .%s", name, strings.Join(unitTypes, ", ."))
		return
	}
	switch {
	case strings.ContainsAny(name, "/\x00"):
		v.safetyf(p, ruleUnitNames, "unit name %q contains '/' or NUL; it is a file name in the unit directory", name)
	case hasControl(name) || strings.ContainsAny(name, " \u0085\u00a0"):
		v.safetyf(p, ruleLineFields, "unit name %q contains whitespace or a control character, which would split the preset line that enables it", name)
	case len(name) > maxUnitName:
		v.safetyf(p, ruleUnitNames, "unit name is %d bytes long; no file name can be longer than %d", len(name), maxUnitName)
	default:
		if msg := systemdNameProblem(name); msg != "" {
			v.warnf(p, "unit name %q %s; systemd will not load it", name, msg)
		}
	}
}

func (v *validator) dropins(u *Unit, path report.Path) {
	seen := map[string]int{}
	for i, d := range u.Dropins {
		p := path.Append(i)
		np := p.Append("name")
		if j, dup := seen[d.Name]; dup {
			v.errorf(np, "duplicate drop-in %q for unit %q (also dropins.%d)", d.Name, u.Name, j)
		} else {
			seen[d.Name] = i
		}
		switch {
		case pathExt(d.Name) != ".conf":
			v.errorf(np, "drop-in name %q must end in \".conf\" (e.g. \"10-override.conf\")", d.Name)
		case strings.ContainsAny(d.Name, "/\x00"):
			v.safetyf(np, ruleUnitNames, "drop-in name %q contains '/' or NUL; it is a file name in the unit's drop-in directory", d.Name)
		case len(d.Name) > maxUnitName:
			v.safetyf(np, ruleUnitNames, "drop-in name is %d bytes long; no file name can be longer than %d", len(d.Name), maxUnitName)
		case d.Name == ".conf":
			v.warnf(np, "drop-in name %q is a hidden file, which systemd ignores", d.Name)
		}
		if d.Contents != nil {
			v.unitContents(*d.Contents, p.Append("contents"), "drop-in "+d.Name)
		}
	}
}

// pathExt is path.Ext, named for what the spec compares.
func pathExt(name string) string { return path.Ext(name) }

// instanceRE splits an instance unit name, as the spec does to find its
// template.
var instanceRE = regexp.MustCompile(`^(.+?)@(.+?)\.service$`)

// instancesOfTemplates warns when an enabled instance's template is in the
// config with contents but no [Install] section: enabling the instance
// then does nothing.
func (v *validator) instancesOfTemplates(units []Unit) {
	byName := map[string]*Unit{}
	for i := range units {
		byName[units[i].Name] = &units[i]
	}
	for i, u := range units {
		m := instanceRE.FindStringSubmatch(u.Name)
		if m == nil || !isTrue(u.Enabled) {
			continue
		}
		tmpl := byName[m[1]+"@.service"]
		if tmpl == nil || tmpl.Contents == nil || *tmpl.Contents == "" {
			continue
		}
		if sections, err := parseUnit(*tmpl.Contents); err == nil && !hasSection(sections, "Install") {
			v.warnf(report.Path{"systemd", "units", i, "contents"}, "template unit %q of %q has no [Install] section, so enabling the instance has no effect", tmpl.Name, u.Name)
		}
	}
}

func isUnitType(t string) bool {
	for _, u := range unitTypes {
		if t == u {
			return true
		}
	}
	return false
}

// parseUnit reads unit file text with go-systemd's parser, the one the
// spec's validator uses, so a text is valid here exactly when it is there.
func parseUnit(text string) ([]*unit.UnitSection, error) {
	return unit.DeserializeSections(strings.NewReader(text))
}

// unitContents parses unit file text, reports a syntax error, and applies
// the unit-name rule to its [Install] section. It returns nil when the text
// does not parse.
func (v *validator) unitContents(text string, path report.Path, what string) []*unit.UnitSection {
	sections, err := parseUnit(text)
	if err != nil {
		v.errorf(path, "%s contents are not a valid unit file: %v", what, err)
		return nil
	}
	v.installNames(text, sections, path, what)
	return sections
}

func hasSection(sections []*unit.UnitSection, name string) bool {
	for _, s := range sections {
		if s.Section == name {
			return true
		}
	}
	return false
}

// installUnitKeys are the [Install] settings whose values are unit names:
// systemctl enable makes a link named after each of them (Alias=) or in a
// directory named after each (WantedBy= and the like), or enables them
// (Also=).
var installUnitKeys = map[string]bool{"Alias": true, "WantedBy": true, "RequiredBy": true, "UpheldBy": true, "Also": true}

// installNames applies the unit-name rule to the [Install] section: each
// name there becomes a file or directory name below the unit directory, so
// "Alias=../../../etc/passwd" would replace a file outside it. The settings
// are taken as go-systemd reads them and also line by line (a comment
// ending in a backslash hides the next line from go-systemd, not from a
// simpler reader), so no reading of the text gets a name past the rule.
func (v *validator) installNames(text string, sections []*unit.UnitSection, path report.Path, what string) {
	type setting struct {
		key, value string
		line       int
	}
	var settings []setting
	for _, s := range sections {
		if s.Section != "Install" {
			continue
		}
		for _, e := range s.Entries {
			settings = append(settings, setting{e.Name, e.Value, lineOf(text, e.Name, e.Value)})
		}
	}
	section := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		case section == "Install" && line != "" && line[0] != '#' && line[0] != ';':
			if k, val, ok := strings.Cut(line, "="); ok {
				settings = append(settings, setting{strings.TrimSpace(k), val, i + 1})
			}
		}
	}
	reported := map[string]bool{}
	for _, st := range settings {
		// A continued line is joined with a space, as systemd joins it.
		value := strings.TrimSpace(strings.TrimSuffix(strings.ReplaceAll(st.value, "\\\n", " "), "\\"))
		var problems []string
		switch {
		case installUnitKeys[st.key]:
			for _, name := range strings.Fields(value) {
				if problem := systemdNameProblem(name); problem != "" {
					problems = append(problems, fmt.Sprintf("%q %s", name, problem))
				}
			}
		case st.key == "DefaultInstance" && value != "":
			if problem := systemdInstanceProblem(value); problem != "" {
				problems = append(problems, "the instance "+problem)
			}
		}
		for _, problem := range problems {
			if key := st.key + "\x00" + problem; !reported[key] {
				reported[key] = true
				v.safetyf(path, ruleUnitNames, "%s, line %d: %s=%s: %s; systemd would refuse it", what, st.line, st.key, value, problem)
			}
		}
	}
}

// lineOf finds the line of a setting in unit file text, for messages (0
// when the setting spans lines in a way the search does not find).
func lineOf(text, key, value string) int {
	first, _, _ := strings.Cut(value, "\n")
	for i, line := range strings.Split(text, "\n") {
		k, val, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == key && strings.HasPrefix(strings.TrimSpace(val), strings.TrimSpace(first)) {
			return i + 1
		}
	}
	return 0
}

// systemdNameChars are the characters systemd allows in unit names besides
// letters and digits.
const systemdNameChars = ":-_.\\"

// systemdNameProblem says why systemd would refuse a unit name, or "".
// With specifiers, "%" and the letter after it count as a valid character:
// systemctl expands them before it checks the name.
func systemdNameProblem(name string) string {
	if name == "" || len(name) > maxUnitName {
		return fmt.Sprintf("is empty or longer than %d bytes", maxUnitName)
	}
	if c, ok := badNameChar(name, systemdNameChars+"@"); !ok {
		return fmt.Sprintf("contains %q; unit names may only contain letters, digits and %s", c, systemdNameChars+"@")
	}

	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || !isUnitType(name[dot+1:]) {
		return "does not end with a unit type (." + strings.Join(unitTypes, ", .") + ")"
	}
	prefix, instance, templated := strings.Cut(name[:dot], "@")
	if prefix == "" {
		return "has no name before the unit type or '@'"
	}
	if c, ok := badNameChar(prefix, systemdNameChars); !ok {
		return fmt.Sprintf("contains %q; unit names may only contain letters, digits and %s", c, systemdNameChars+"@")
	}
	if templated {
		if c, ok := badNameChar(instance, systemdNameChars+"@"); !ok {
			return fmt.Sprintf("has %q in its instance; instances may only contain letters, digits and %s", c, systemdNameChars+"@")
		}
	}
	return ""
}

// systemdInstanceProblem says why systemd would refuse an instance string.
func systemdInstanceProblem(s string) string {
	if s == "" {
		return "is empty"
	}
	if c, ok := badNameChar(s, systemdNameChars+"@"); !ok {
		return fmt.Sprintf("contains %q; instances may only contain letters, digits and %s", c, systemdNameChars+"@")
	}
	return ""
}

// badNameChar returns the first character of s that is not a letter, a
// digit, one of extra or a "%X" specifier, and whether there is none.
func badNameChar(s, extra string) (string, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(extra, c) >= 0:
		case c == '%' && i+1 < len(s) && s[i+1] != '/':
			i++
		default:
			return string(c), false
		}
	}
	return "", true
}

// UnitNameProblem says why systemd would refuse name as a unit name (in an
// [Install] setting, say), or "" when it would not. A name it accepts has
// no '/' and stays in the directory it is joined to. The files stage can
// apply it to unit files that validation never saw (written by
// storage.files or shipped in the image) before it enables them.
func UnitNameProblem(name string) string { return systemdNameProblem(name) }

// InstanceProblem says why systemd would refuse s as a unit instance (a
// DefaultInstance= value), or "" when it would not.
func InstanceProblem(s string) string { return systemdInstanceProblem(s) }
