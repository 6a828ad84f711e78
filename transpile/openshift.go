package transpile

import (
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"

	"github.com/kindling-dev/kindling/config/report"
	"go.yaml.in/yaml/v3"
)

const roleLabel = "machineconfiguration.openshift.io/role"

// openshiftSection is the openshift: key of the openshift variant.
type openshiftSection struct {
	KernelArguments []string `json:"kernelArguments"`
	Extensions      []string `json:"extensions"`
	FIPS            *bool    `json:"fips"`
	KernelType      *string  `json:"kernelType"`
}

type machineConfig struct {
	name   string
	labels map[string]string
	spec   openshiftSection
}

// machineConfig reads metadata and openshift for the MachineConfig wrapper.
func (d *decoder) machineConfig(root *yaml.Node, cfg *config.Config) *machineConfig {
	mc := &machineConfig{labels: map[string]string{}}
	if d.sugar.openshift != nil {
		d.decode(d.sugar.openshift, reflect.ValueOf(&mc.spec).Elem(), report.Path{"openshift"}, "openshift")
	}
	if mc.spec.FIPS != nil && *mc.spec.FIPS && d.vv.has(featFipsCipher) {
		fipsCipher(cfg)
	}
	d.checkMCO(cfg, mc.spec.KernelArguments)
	d.warnRawIgnored()
	if mc.spec.KernelType != nil && *mc.spec.KernelType != "default" && *mc.spec.KernelType != "realtime" && *mc.spec.KernelType != "64k-pages" {
		d.errorAt(d.sugar.openshift, report.Path{"openshift", "kernel_type"}, "kernel_type must be default, realtime or 64k-pages")
	}
	md := d.sugar.metadata
	if md == nil {
		d.errorAt(root, report.Path{"metadata"}, "openshift configs need metadata.name and metadata.labels[%q]", roleLabel)
		return mc
	}
	if md, ok := d.resolve(md); ok && md.Kind == yaml.MappingNode {
		for _, kv := range d.mappingPairs(md, report.Path{"metadata"}) {
			switch kv[0].Value {
			case "name":
				mc.name, _ = d.stringValue(kv[1], report.Path{"metadata", "name"})
			case "labels":
				d.labels(kv[1], mc.labels)
			default:
				d.warnAt(kv[0], report.Path{"metadata", kv[0].Value}, "unknown key %q", kv[0].Value)
			}
		}
	}
	if mc.name == "" {
		d.errorAt(md, report.Path{"metadata", "name"}, "metadata.name is required")
	}
	if mc.labels[roleLabel] == "" {
		d.errorAt(md, report.Path{"metadata", "labels"}, "metadata.labels needs %q (e.g. worker or master)", roleLabel)
	}
	return mc
}

func (d *decoder) labels(n *yaml.Node, into map[string]string) {
	n, ok := d.resolve(n)
	if !ok {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, report.Path{"metadata", "labels"}, "labels must be a mapping of strings")
		return
	}
	for _, kv := range d.mappingPairs(n, report.Path{"metadata", "labels"}) {
		if s, ok := d.stringValue(kv[1], report.Path{"metadata", "labels", kv[0].Value}); ok {
			into[kv[0].Value] = s
		}
	}
}

// render wraps the JSON config in a MachineConfig and writes it as YAML.
func (mc *machineConfig) render(cfgJSON []byte) ([]byte, error) {
	cfg, err := jsonValue(cfgJSON)
	if err != nil {
		return nil, err
	}
	spec := map[string]any{"config": cfg}
	if len(mc.spec.KernelArguments) > 0 {
		spec["kernelArguments"] = mc.spec.KernelArguments
	}
	if len(mc.spec.Extensions) > 0 {
		spec["extensions"] = mc.spec.Extensions
	}
	if mc.spec.FIPS != nil {
		spec["fips"] = *mc.spec.FIPS
	}
	if mc.spec.KernelType != nil {
		spec["kernelType"] = *mc.spec.KernelType
	}
	doc := map[string]any{
		"apiVersion": "machineconfiguration.openshift.io/v1",
		"kind":       "MachineConfig",
		"metadata":   map[string]any{"name": mc.name, "labels": mc.labels},
		"spec":       spec,
	}
	return yaml.Marshal(doc)
}

// fipsCipher gives every LUKS volume of the config (boot_device's
// included) a FIPS 140-2 cipher unless it already names one: the default
// XTS mode is not allowed there. Butane did this up to openshift 4.19.0.
func fipsCipher(cfg *config.Config) {
next:
	for i := range cfg.Storage.Luks {
		l := &cfg.Storage.Luks[i]
		for _, o := range l.Options {
			if o == "--cipher" || o == "-c" || strings.HasPrefix(o, "--cipher=") {
				continue next
			}
		}
		l.Options = append(l.Options, "--cipher", "aes-cbc-essiv:sha256")
	}
}

// warnRawIgnored reports, when the bare config is asked for (Raw), each
// openshift field that only the MachineConfig can carry and that is set
// at all (fips: false and kernel_arguments: [] count), as Butane does.
func (d *decoder) warnRawIgnored() {
	n := d.sugar.openshift
	if n != nil {
		n, _ = d.peek(n)
	}
	if !d.raw || n == nil || n.Kind != yaml.MappingNode {
		return
	}
	fields := fieldsOf(reflect.TypeOf(openshiftSection{}))
	for _, kv := range d.mappingPairs(n, report.Path{"openshift"}) {
		if v, ok := d.peek(kv[1]); ok && !isNull(v) && fields[kv[0].Value] != nil {
			d.warnAt(kv[0], report.Path{"openshift", kv[0].Value}, "field ignored in raw mode")
		}
	}
}

// ocpMinor is the minor release of an openshift dialect version (13 for
// 4.13.0), 0 for other variants.
func (d *decoder) ocpMinor() int {
	v, ok := strings.CutPrefix(d.name, "openshift 4.")
	if !ok {
		return 0
	}
	minor, _, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(minor)
	return n
}

// checkMCO rejects, in the translated config (sugar included), what the
// machine-config operator or RHCOS cannot apply, release by release as
// Butane does.
func (d *decoder) checkMCO(cfg *config.Config, kargs []string) {
	minor := d.ocpMinor()
	if minor == 0 {
		return
	}
	st := cfg.Storage
	for i, fs := range st.Filesystems {
		at := report.Path{"storage", "filesystems", i, "format"}
		switch {
		case fs.Format != nil && *fs.Format == "btrfs":
			d.errorPath(at, "btrfs is not supported by RHCOS (it ships no mkfs.btrfs)")
		case fs.Format != nil && *fs.Format == "none" && minor >= 14:
			d.errorPath(at, "format none is not supported by the machine-config operator")
		}
	}
	for i, f := range st.Files {
		if f.Contents.Source != nil {
			if u, err := url.Parse(*f.Contents.Source); err == nil && u.Scheme != "data" {
				d.errorPath(report.Path{"storage", "files", i, "contents", "source"}, "the machine-config operator only takes file contents inline (data: URLs, inline or local)")
			}
		}
		if f.Mode != nil && *f.Mode&^0o777 != 0 && minor >= 13 {
			d.errorPath(report.Path{"storage", "files", i, "mode"}, "the machine-config operator does not support setuid, setgid or sticky bits")
		}
	}
	if minor >= 19 && !slices.Contains(kargs, cexKeyArg) {
		for _, l := range st.Luks {
			if l.Name == "root" && l.Cex.Enabled != nil && *l.Cex.Enabled {
				d.errorPath(report.Path{"openshift", "kernel_arguments"}, "%q must be a kernel argument when CEX is enabled for the boot device", cexKeyArg)
				break
			}
		}
	}
}

const cexKeyArg = "rd.luks.key=/etc/luks/cex.key"

// errorPath adds an error at the YAML position recorded for path or its
// nearest ancestor.
func (d *decoder) errorPath(path report.Path, format string, args ...any) {
	var rep report.Report
	rep.Errorf(path, format, args...)
	d.rep.Merge(d.locate(rep))
}
