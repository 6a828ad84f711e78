package transpile

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

func init() {
	sugarKeys = map[reflect.Type]map[string]sugarKey{
		reflect.TypeOf(config.Resource{}): {
			"inline": {featInline, resourceInline},
			"local":  {featLocal, resourceLocal},
		},
		reflect.TypeOf(config.Unit{}):       {"contents_local": {featUnitLocal, contentsLocal}},
		reflect.TypeOf(config.Dropin{}):     {"contents_local": {featUnitLocal, contentsLocal}},
		reflect.TypeOf(config.PasswdUser{}): {"ssh_authorized_keys_local": {featKeysLocal, keysLocal}},
		reflect.TypeOf(config.Filesystem{}): {"with_mount_unit": {featMountUnit, withMountUnit}},
		reflect.TypeOf(config.Systemd{}): {"quadlets": {featQuadlets, func(d *decoder, k, v *yaml.Node, _ reflect.Value, _ report.Path, _ string) {
			d.sugar.quadlets = append(d.sugar.quadlets, v)
		}}},
		reflect.TypeOf(config.Storage{}): {"trees": {featTrees, func(d *decoder, k, v *yaml.Node, _ reflect.Value, _ report.Path, _ string) {
			d.sugar.trees = append(d.sugar.trees, v)
		}}},
		reflect.TypeOf(config.Config{}): {
			"boot_device": {featBootDevice, func(d *decoder, k, v *yaml.Node, _ reflect.Value, _ report.Path, _ string) { d.sugar.bootDevice = v }},
			"grub":        {featGrub, func(d *decoder, k, v *yaml.Node, _ reflect.Value, _ report.Path, _ string) { d.sugar.grub = v }},
			"openshift":   {"", openshiftOnly(func(d *decoder, v *yaml.Node) { d.sugar.openshift = v })},
			"metadata":    {"", openshiftOnly(func(d *decoder, v *yaml.Node) { d.sugar.metadata = v })},
		},
	}
	finishers = map[reflect.Type]func(*decoder, *yaml.Node, reflect.Value, report.Path, string, map[string]*yaml.Node){
		reflect.TypeOf(config.Resource{}):   finishResource,
		reflect.TypeOf(config.Unit{}):       finishContents,
		reflect.TypeOf(config.Dropin{}):     finishContents,
		reflect.TypeOf(config.PasswdUser{}): finishUser,
	}
}

func openshiftOnly(keep func(d *decoder, v *yaml.Node)) sugarFunc {
	return func(d *decoder, k, v *yaml.Node, _ reflect.Value, path report.Path, _ string) {
		if !d.vv.machineConfig {
			d.warnAt(k, path.Append(k.Value), "unknown key %q (only the openshift variant has it)", k.Value)
			return
		}
		keep(d, v)
	}
}

// stringValue reads a string sugar value with go-yaml's rule for string
// fields: any scalar gives its text (inline: 1.5 is "1.5"), null gives
// nothing, lists and mappings are errors.
func (d *decoder) stringValue(v *yaml.Node, path report.Path) (string, bool) {
	v, ok := d.resolve(v)
	if !ok || isNull(v) {
		return "", false
	}
	var s string
	if !d.scalarInto(v, reflect.ValueOf(&s).Elem(), path, "") {
		return "", false
	}
	return s, true
}

// setResource stores contents as a data URL in the resource the way Butane
// does: without featShortestURL (fcos 1.0.0) it only percent-encodes;
// other versions pick the shortest encoding and record the choice in
// compression ("" or "gzip") so that a child config never inherits a
// parent's compression. A compression
// the author gave means the contents are already compressed: it is kept
// and nothing is compressed again.
func (d *decoder) setResource(r *config.Resource, data []byte) {
	if !d.vv.has(featShortestURL) {
		url := percentDataURL(data)
		r.Source = &url
		return
	}
	given := r.Compression != nil && *r.Compression != ""
	url, gz := dataURL(data, !given && !d.vv.has(featNoAutoGzip))
	r.Source = &url
	if given {
		return
	}
	c := ""
	if gz {
		c = "gzip"
	}
	r.Compression = &c
}

// resourceInline and resourceLocal only check their value: the data URL is
// made in finishResource, once compression (which may come later in the
// mapping) is known.
func resourceInline(d *decoder, k, v *yaml.Node, parent reflect.Value, path report.Path, pattern string) {
	d.stringValue(v, path.Append("source"))
}

func resourceLocal(d *decoder, k, v *yaml.Node, parent reflect.Value, path report.Path, pattern string) {
	d.stringValue(v, path.Append("source"))
}

func finishResource(d *decoder, n *yaml.Node, v reflect.Value, path report.Path, pattern string, seen map[string]*yaml.Node) {
	var given []string
	for _, k := range []string{"source", "inline", "local"} {
		if v := d.vals[k]; v != nil && !(v.Kind == yaml.ScalarNode && isNull(v)) {
			given = append(given, k)
		}
	}
	if len(given) > 1 {
		d.errorAt(seen[given[1]], path, "%s cannot be combined with %s; give only one", given[1], given[0])
		return
	}
	r := v.Addr().Interface().(*config.Resource)
	if val := d.vals["inline"]; val != nil {
		if s, ok := d.stringValue(val, path.Append("source")); ok {
			if len(path) > 1 && path[0] == "ignition" && path[1] == "config" && d.vv.has(featCheckEmbedded) {
				d.checkEmbedded(val, path, s)
			}
			d.setResource(r, []byte(s))
			d.mark(path.Append("source"), val)
		}
	}
	if val := d.vals["local"]; val != nil {
		name, ok := d.stringValue(val, path.Append("source"))
		if !ok {
			return
		}
		data, err := d.local.read(name)
		if err != nil {
			d.errorAt(val, path.Append("source"), "%s", err)
			return
		}
		d.setResource(r, data)
		d.mark(path.Append("source"), val)
	}
}

func contentsLocal(d *decoder, k, v *yaml.Node, parent reflect.Value, path report.Path, _ string) {
	p := path.Append("contents")
	name, ok := d.stringValue(v, p)
	if !ok {
		return
	}
	data, err := d.local.read(name)
	if err != nil {
		d.errorAt(v, p, "%s", err)
		return
	}
	s := string(data)
	parent.FieldByName("Contents").Set(reflect.ValueOf(&s))
	d.mark(p, v)
}

func finishContents(d *decoder, n *yaml.Node, v reflect.Value, path report.Path, _ string, seen map[string]*yaml.Node) {
	if seen["contents"] != nil && seen["contents_local"] != nil {
		d.errorAt(seen["contents_local"], path.Append("contents"), "contents and contents_local cannot both be set")
	}
}

func keysLocal(d *decoder, k, v *yaml.Node, parent reflect.Value, path report.Path, _ string) {
	p := path.Append("sshAuthorizedKeys")
	var names []string
	d.decode(v, reflect.ValueOf(&names).Elem(), path.Append("ssh_authorized_keys_local"), "")
	user := parent.Addr().Interface().(*config.PasswdUser)
	for _, name := range names {
		data, err := d.local.read(name)
		if err != nil {
			d.errorAt(v, p, "%s", err)
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				d.mark(p.Append(len(user.SSHAuthorizedKeys)), v)
				user.SSHAuthorizedKeys = append(user.SSHAuthorizedKeys, line)
			}
		}
	}
}

// finishUser applies the machine-config operator's rule that only the core
// user's SSH keys (and, where the version has featCorePassword, password)
// are managed.
func finishUser(d *decoder, n *yaml.Node, v reflect.Value, path report.Path, _ string, seen map[string]*yaml.Node) {
	if !d.vv.machineConfig || d.raw {
		return // Butane checks this on the MachineConfig only
	}
	allowed := map[string]bool{"name": true, "ssh_authorized_keys": true, "ssh_authorized_keys_local": true}
	if d.vv.has(featCorePassword) {
		allowed["password_hash"] = true
	}
	for key, k := range seen {
		if !allowed[key] {
			d.errorAt(k, path.Append(key), "%s is not supported by %s (only the core user's keys and password are managed)", key, d.name)
		}
	}
}

func withMountUnit(d *decoder, k, v *yaml.Node, parent reflect.Value, path report.Path, _ string) {
	var on bool
	d.decode(v, reflect.ValueOf(&on).Elem(), path.Append("with_mount_unit"), "")
	if on {
		d.sugar.mountUnits = append(d.sugar.mountUnits, mountUnitReq{index: path[len(path)-1].(int), node: k})
	}
}

var semverRE = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// checkEmbedded validates a config written inline under ignition.config
// (merge or replace) as Butane does: it must be JSON; when it declares the
// spec version the dialect produces it is validated in full, any other
// well-formed version only earns a warning that it was not checked.
func (d *decoder) checkEmbedded(val *yaml.Node, path report.Path, text string) {
	var head struct {
		Ignition struct {
			Version *string `json:"version"`
		} `json:"ignition"`
	}
	if err := json.Unmarshal([]byte(text), &head); err != nil {
		d.errorAt(val, path.Append("inline"), "the inline config is not valid JSON: %v", err)
		return
	}
	if v := head.Ignition.Version; v != nil && semverRE.MatchString(*v) && *v != d.vv.spec.String() {
		d.warnAt(val, path.Append("version"), "the inline config declares version %s, not %s; it is not validated here", *v, d.vv.spec)
		return
	}
	_, rep, err := config.Parse([]byte(text))
	for _, e := range rep.Entries {
		if e.Level == report.Error || e.Level == report.Warning {
			d.addAt(e.Level, val, path.Append("inline"), "inline config: %s: %s", e.Path, e.Message)
		}
	}
	if err != nil && !rep.IsFatal() {
		d.errorAt(val, path.Append("inline"), "the inline config is not valid: %v", err)
	}
}
