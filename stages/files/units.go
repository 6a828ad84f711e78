package files

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

// Where units and presets go in the target.
const (
	unitDir    = "/etc/systemd/system"
	presetFile = "/etc/systemd/system-preset/20-kindling.preset"
)

// unitSearchPath is where an enabled unit's file may live, in systemd's
// order of precedence.
var unitSearchPath = []string{
	"/etc/systemd/system",
	"/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
}

// units writes unit files and drop-ins, masks and unmasks, and enables or
// disables units. Enabling is done twice over, on purpose: a preset file
// records the intent for tools that apply presets (systemctl preset-all),
// and the [Install] symlinks are created directly, so the unit starts on
// the very next boot whatever the image does with presets. We do not call
// systemctl --root: it is often missing from the initramfs, and one process
// per unit would dominate the stage's run time. Every name a symlink is
// made or removed for was checked by planUnits before the first write.
func (p *provisioner) units(context.Context) error {
	units := p.cfg.Systemd.Units
	if len(units) == 0 {
		return nil
	}
	p.status("files: %d systemd units", len(units))
	for i, u := range units {
		path := report.Path{"systemd", "units", i}
		if err := p.writeUnit(u, path); err != nil {
			return err
		}
	}
	for i, u := range units {
		path := report.Path{"systemd", "units", i}
		plan := p.unitPlans[i]
		for _, l := range plan.links {
			if err := p.root.Symlink(l.target, l.path, rootOwner); err != nil {
				return stages.Errorf(path.Append("enabled"), u.Name, "%w", err)
			}
		}
		if plan.disable {
			if err := p.disable(u.Name, plan.aliases); err != nil {
				return stages.Errorf(path.Append("enabled"), u.Name, "%w", err)
			}
		}
	}
	return p.writePresets()
}

// writePresets appends one line per enabled or disabled unit to the preset
// file, sorted; instances of one template share a line ("enable
// echo@.service bar foo"), which is how systemctl preset-all keeps them.
func (p *provisioner) writePresets() error {
	type preset struct {
		unit      string
		enable    bool
		instances []string
	}
	presets := map[string]*preset{}
	for _, u := range p.cfg.Systemd.Units {
		if u.Enabled == nil {
			continue
		}
		name, instance := u.Name, ""
		if tmpl := templateOf(u.Name); tmpl != "" {
			at, dot := strings.IndexByte(u.Name, '@'), strings.LastIndexByte(u.Name, '.')
			name, instance = tmpl, u.Name[at+1:dot]
		}
		key := fmt.Sprintf("%s-%t", name, *u.Enabled)
		pr := presets[key]
		if pr == nil {
			pr = &preset{unit: name, enable: *u.Enabled}
			presets[key] = pr
		}
		if instance != "" {
			pr.instances = append(pr.instances, instance)
		}
	}
	if len(presets) == 0 {
		return nil
	}
	keys := make([]string, 0, len(presets))
	for k := range presets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		pr := presets[k]
		verb := "disable"
		if pr.enable {
			verb = "enable"
		}
		b.WriteString(verb + " " + strings.Join(append([]string{pr.unit}, pr.instances...), " ") + "\n")
	}
	opts := rootfs.WriteOptions{Mode: 0o644, Owner: rootOwner, Append: true}
	if st, ok, err := p.root.Lstat(presetFile); err == nil && ok && st.IsRegular() {
		opts.Mode, opts.Owner = st.Perm(), rootfs.Owner{UID: st.UID, GID: st.GID}
	}
	if err := p.root.WriteFile(presetFile, strings.NewReader(b.String()), opts); err != nil {
		return fmt.Errorf("writing %s: %w", presetFile, err)
	}
	return nil
}

func (p *provisioner) writeUnit(u config.Unit, path report.Path) error {
	file := unitDir + "/" + u.Name
	mask := boolOr(u.Mask, false)
	if u.Contents != nil && !mask {
		if err := p.root.WriteFile(file, strings.NewReader(*u.Contents), rootfs.WriteOptions{Mode: 0o644}); err != nil {
			return stages.Errorf(path.Append("contents"), u.Name, "%w", err)
		}
	}
	if u.Contents != nil && mask {
		p.env.Log.Warn("unit is masked; its contents are not written", "unit", u.Name, "path", path.String())
	}
	for j, d := range u.Dropins {
		if d.Contents == nil {
			continue
		}
		f := unitDir + "/" + u.Name + ".d/" + d.Name
		if err := p.root.WriteFile(f, strings.NewReader(*d.Contents), rootfs.WriteOptions{Mode: 0o644}); err != nil {
			return stages.Errorf(path.Append("dropins", j), d.Name, "%w", err)
		}
	}
	switch {
	case mask:
		if err := p.root.Symlink("/dev/null", file, rootOwner); err != nil {
			return stages.Errorf(path.Append("mask"), u.Name, "%w", err)
		}
	case u.Mask != nil: // mask: false removes a mask
		if p.isMasked(file) {
			if err := p.root.RemoveAll(file); err != nil {
				return stages.Errorf(path.Append("mask"), u.Name, "%w", err)
			}
		}
	}
	return nil
}

func (p *provisioner) isMasked(file string) bool {
	st, ok, err := p.root.Lstat(file)
	if err != nil || !ok || !st.IsSymlink() {
		return false
	}
	t, err := p.root.Readlink(file)
	return err == nil && t == "/dev/null"
}

// install is a unit's [Install] section.
type install struct {
	wantedBy, requiredBy, upheldBy, alias, also []string
	defaultInstance                             string
}

func (in install) empty() bool {
	return len(in.wantedBy)+len(in.requiredBy)+len(in.upheldBy)+len(in.alias)+len(in.also) == 0
}

// unitLink is one symlink enabling a unit.
type unitLink struct{ path, target string }

// unitPlan is what the units step does for one systemd.units entry.
type unitPlan struct {
	links   []unitLink
	disable bool
	aliases []string // Alias= names to remove when disabling
}

// findUnit returns the path in the root of the file that defines name (an
// instance falls back to its template), or "" when there is none. Units
// the config writes count as present.
func (p *provisioner) findUnit(name string) string {
	candidates := []string{name}
	if tmpl := templateOf(name); tmpl != "" {
		candidates = append(candidates, tmpl)
	}
	for _, c := range candidates {
		if p.configUnit(c) != nil {
			return unitDir + "/" + c
		}
		for _, dir := range unitSearchPath {
			f := dir + "/" + c
			if _, ok, _ := p.root.Lstat(f); ok {
				return f
			}
		}
	}
	return ""
}

// configUnit returns the contents the config writes for the unit file
// name, nil when it writes none.
func (p *provisioner) configUnit(name string) *string {
	for _, u := range p.cfg.Systemd.Units {
		if u.Name == name && u.Contents != nil && !boolOr(u.Mask, false) {
			return u.Contents
		}
	}
	return nil
}

// templateOf turns "getty@tty1.service" into "getty@.service"; "" for a
// name that is not an instance.
func templateOf(name string) string {
	at := strings.IndexByte(name, '@')
	dot := strings.LastIndexByte(name, '.')
	if at < 0 || dot < at || at+1 == dot {
		return ""
	}
	return name[:at+1] + name[dot:]
}

// isBareTemplate reports names like "getty@.service".
func isBareTemplate(name string) bool {
	at := strings.IndexByte(name, '@')
	return at >= 0 && at+1 == strings.LastIndexByte(name, '.')
}

// installKeys maps [Install] keys to where readInstall keeps them.
var installKeys = map[string]func(*install) *[]string{
	"WantedBy":   func(in *install) *[]string { return &in.wantedBy },
	"RequiredBy": func(in *install) *[]string { return &in.requiredBy },
	"UpheldBy":   func(in *install) *[]string { return &in.upheldBy },
	"Alias":      func(in *install) *[]string { return &in.alias },
	"Also":       func(in *install) *[]string { return &in.also },
}

// readInstall parses the [Install] section of the unit file at file (or
// the config's contents for it) with systemd's own syntax: continuation
// lines, comments, quoting as go-systemd's parser reads them.
func (p *provisioner) readInstall(file string) (install, error) {
	var in install
	var data []byte
	if c := p.configUnit(strings.TrimPrefix(file, unitDir+"/")); c != nil && strings.HasPrefix(file, unitDir+"/") {
		data = []byte(*c)
	} else {
		var err error
		if data, err = p.root.ReadFile(file); err != nil {
			return in, err
		}
	}
	opts, err := unit.DeserializeOptions(bytes.NewReader(data))
	if err != nil {
		return in, fmt.Errorf("parsing %s: %w", file, err)
	}
	for _, o := range opts {
		if o.Section != "Install" {
			continue
		}
		if o.Name == "DefaultInstance" {
			in.defaultInstance = strings.TrimSpace(o.Value)
			continue
		}
		if field, ok := installKeys[o.Name]; ok {
			list := field(&in)
			// go-systemd keeps a continuation as backslash-newline in the
			// value; systemd reads it as a space between words.
			*list = append(*list, strings.Fields(strings.ReplaceAll(o.Value, "\\\n", " "))...)
		}
	}
	return in, nil
}

// safeUnitName reports whether name can be a file name in a unit
// directory: a unit name never holds a slash, and ".." or control
// characters have no business in one. [Install] names come from unit
// files, which may come from anywhere; a name failing this would make the
// stage write or remove outside the unit directories.
func safeUnitName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 255 || strings.ContainsAny(name, "/\x00") {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return strings.Contains(name, ".")
}

// planUnits validates unit and drop-in names and works out, from the
// [Install] sections, every symlink enabling will create and every alias
// disabling will remove.
func (p *provisioner) planUnits() error {
	units := p.cfg.Systemd.Units
	p.unitPlans = make([]unitPlan, len(units))
	for i, u := range units {
		path := report.Path{"systemd", "units", i}
		if !safeUnitName(u.Name) {
			return stages.Errorf(path.Append("name"), u.Name, "not a valid unit name")
		}
		for j, d := range u.Dropins {
			if !safeUnitName(d.Name) {
				return stages.Errorf(path.Append("dropins", j, "name"), d.Name, "not a valid drop-in name")
			}
		}
	}
	for i, u := range units {
		if u.Enabled == nil {
			continue
		}
		path := report.Path{"systemd", "units", i}
		var err error
		if *u.Enabled {
			if boolOr(u.Mask, false) {
				p.env.Log.Warn("unit is masked; enabling it only records a preset", "unit", u.Name)
				continue
			}
			p.unitPlans[i].links, err = p.planEnable(u.Name, map[string]bool{})
		} else {
			p.unitPlans[i].disable = true
			p.unitPlans[i].aliases, err = p.planAliases(u.Name)
		}
		if err != nil {
			return stages.Errorf(path.Append("enabled"), u.Name, "%w", err)
		}
	}
	return nil
}

// planEnable lists the symlinks systemctl enable would create: NAME in
// each WantedBy target's .wants directory (and .requires, .upholds), and
// each Alias, all pointing at the unit file; then the same for Also=. A
// unit the root does not have gets only its preset, like Ignition does.
func (p *provisioner) planEnable(name string, seen map[string]bool) ([]unitLink, error) {
	if seen[name] {
		return nil, nil
	}
	seen[name] = true
	file := p.findUnit(name)
	if file == "" {
		p.env.Log.Warn("no unit file in the target; only the preset is written", "unit", name)
		return nil, nil
	}
	in, err := p.readInstall(file)
	if err != nil {
		return nil, err
	}
	if in.empty() {
		p.env.Log.Warn("unit has no [Install] section; enabling it only records a preset", "unit", name)
		return nil, nil
	}
	if in.defaultInstance != "" && !safeUnitName("x@"+in.defaultInstance+".service") {
		return nil, fmt.Errorf("%s: DefaultInstance=%s is not a valid instance name", file, stages.QuoteIfNeeded(in.defaultInstance))
	}
	for key, field := range installKeys {
		for _, n := range *field(&in) {
			if !safeUnitName(n) {
				return nil, fmt.Errorf("%s: %s=%s is not a unit name; refusing to create links for it", file, key, stages.QuoteIfNeeded(n))
			}
		}
	}
	linkName := name
	if isBareTemplate(name) {
		// A bare template is enabled through its default instance.
		if in.defaultInstance == "" {
			p.env.Log.Warn("template unit has no DefaultInstance; nothing to link", "unit", name)
			linkName = ""
		} else {
			dot := strings.LastIndexByte(name, '.')
			linkName = name[:dot] + in.defaultInstance + name[dot:]
		}
	}
	var links []unitLink
	if linkName != "" {
		for _, dep := range []struct {
			suffix  string
			targets []string
		}{{".wants", in.wantedBy}, {".requires", in.requiredBy}, {".upholds", in.upheldBy}} {
			for _, t := range dep.targets {
				links = append(links, unitLink{unitDir + "/" + t + dep.suffix + "/" + linkName, file})
			}
		}
	}
	for _, a := range in.alias {
		links = append(links, unitLink{unitDir + "/" + a, file})
	}
	for _, also := range in.also {
		more, err := p.planEnable(also, seen)
		if err != nil {
			return nil, err
		}
		links = append(links, more...)
	}
	return links, nil
}

// planAliases returns the Alias= names of the unit, checked.
func (p *provisioner) planAliases(name string) ([]string, error) {
	file := p.findUnit(name)
	if file == "" {
		return nil, nil
	}
	in, err := p.readInstall(file)
	if err != nil {
		return nil, err
	}
	for _, a := range in.alias {
		if !safeUnitName(a) {
			return nil, fmt.Errorf("%s: Alias=%s is not a unit name; refusing to remove anything for it", file, stages.QuoteIfNeeded(a))
		}
	}
	return in.alias, nil
}

// disable removes every link to name in the .wants, .requires and
// .upholds directories under /etc/systemd/system, and its aliases.
func (p *provisioner) disable(name string, aliases []string) error {
	entries, err := p.root.ReadDir(unitDir)
	if err != nil {
		return err
	}
	sort.Strings(entries)
	for _, e := range entries {
		if !strings.HasSuffix(e, ".wants") && !strings.HasSuffix(e, ".requires") && !strings.HasSuffix(e, ".upholds") {
			continue
		}
		link := unitDir + "/" + e + "/" + name
		if st, ok, _ := p.root.Lstat(link); ok && st.IsSymlink() {
			if err := p.root.RemoveAll(link); err != nil {
				return err
			}
		}
	}
	for _, a := range aliases {
		link := unitDir + "/" + a
		if st, ok, _ := p.root.Lstat(link); ok && st.IsSymlink() {
			if err := p.root.RemoveAll(link); err != nil {
				return err
			}
		}
	}
	return nil
}
