package files

import (
	"bufio"
	"context"
	"fmt"
	"sort"
	"strings"

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
// per unit would dominate the stage's run time.
func (p *provisioner) units(context.Context) error {
	units := p.cfg.Systemd.Units
	if len(units) == 0 {
		return nil
	}
	p.status("files: %d systemd units", len(units))
	var preset []string
	for i, u := range units {
		path := report.Path{"systemd", "units", i}
		if err := p.writeUnit(u, path); err != nil {
			return err
		}
	}
	// Enable after every unit is written: Also= may name a later one.
	for i, u := range units {
		path := report.Path{"systemd", "units", i}
		if u.Enabled == nil {
			continue
		}
		var err error
		if *u.Enabled {
			preset = append(preset, "enable "+u.Name)
			err = p.enable(u.Name, map[string]bool{})
		} else {
			preset = append(preset, "disable "+u.Name)
			err = p.disable(u.Name)
		}
		if err != nil {
			return stages.Errorf(path.Append("enabled"), u.Name, "%w", err)
		}
	}
	if len(preset) == 0 {
		return nil
	}
	body := "# Written by kindling from the provisioning config.\n" + strings.Join(preset, "\n") + "\n"
	if err := p.root.WriteFile(presetFile, strings.NewReader(body), rootfs.WriteOptions{Mode: 0o644}); err != nil {
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

// findUnit returns the path in the root of the file that defines name (an
// instance falls back to its template), or "" when there is none.
func (p *provisioner) findUnit(name string) string {
	candidates := []string{name}
	if tmpl := templateOf(name); tmpl != "" {
		candidates = append(candidates, tmpl)
	}
	for _, c := range candidates {
		for _, dir := range unitSearchPath {
			f := dir + "/" + c
			if _, ok, _ := p.root.Lstat(f); ok {
				return f
			}
		}
	}
	return ""
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

func (p *provisioner) readInstall(file string) (install, error) {
	var in install
	data, err := p.root.ReadFile(file)
	if err != nil {
		return in, err
	}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			continue
		}
		if section != "Install" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		words := strings.Fields(value)
		switch strings.TrimSpace(key) {
		case "WantedBy":
			in.wantedBy = append(in.wantedBy, words...)
		case "RequiredBy":
			in.requiredBy = append(in.requiredBy, words...)
		case "UpheldBy":
			in.upheldBy = append(in.upheldBy, words...)
		case "Alias":
			in.alias = append(in.alias, words...)
		case "Also":
			in.also = append(in.also, words...)
		case "DefaultInstance":
			in.defaultInstance = strings.TrimSpace(value)
		}
	}
	return in, sc.Err()
}

// enable creates the symlinks systemctl enable would: NAME in each
// WantedBy target's .wants directory (and .requires, .upholds), and each
// Alias, all pointing at the unit file.
func (p *provisioner) enable(name string, seen map[string]bool) error {
	if seen[name] {
		return nil
	}
	seen[name] = true
	file := p.findUnit(name)
	if file == "" {
		return fmt.Errorf("cannot enable: no unit file for %s in the target", name)
	}
	if p.isMasked(unitDir + "/" + name) {
		p.env.Log.Warn("unit is masked; enabling it has no effect", "unit", name)
		return nil
	}
	in, err := p.readInstall(file)
	if err != nil {
		return err
	}
	if len(in.wantedBy)+len(in.requiredBy)+len(in.upheldBy)+len(in.alias)+len(in.also) == 0 {
		p.env.Log.Warn("unit has no [Install] section; enabling it only records a preset", "unit", name)
		return nil
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
	if linkName != "" {
		for _, dep := range []struct {
			suffix  string
			targets []string
		}{{".wants", in.wantedBy}, {".requires", in.requiredBy}, {".upholds", in.upheldBy}} {
			for _, t := range dep.targets {
				if err := p.root.Symlink(file, unitDir+"/"+t+dep.suffix+"/"+linkName, rootOwner); err != nil {
					return err
				}
			}
		}
	}
	for _, a := range in.alias {
		if err := p.root.Symlink(file, unitDir+"/"+a, rootOwner); err != nil {
			return err
		}
	}
	for _, also := range in.also {
		if err := p.enable(also, seen); err != nil {
			return err
		}
	}
	return nil
}

// disable removes every link to name in the .wants, .requires and
// .upholds directories under /etc/systemd/system, and its aliases.
func (p *provisioner) disable(name string) error {
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
	if file := p.findUnit(name); file != "" {
		in, err := p.readInstall(file)
		if err != nil {
			return err
		}
		for _, a := range in.alias {
			link := unitDir + "/" + a
			if st, ok, _ := p.root.Lstat(link); ok && st.IsSymlink() {
				if err := p.root.RemoveAll(link); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
