package transpile

import "github.com/kindling-dev/kindling/config"

// Sugar feature names. A variant version lists the sugar it accepts; using
// any other is an error at the YAML node that asked for it.
const (
	featInline      = "inline"          // contents.inline on resources
	featLocal       = "local"           // contents.local on resources
	featTrees       = "trees"           // storage.trees
	featMountUnit   = "with_mount_unit" // filesystems[].with_mount_unit
	featSwapUnit    = "swap_unit"       // with_mount_unit on swap filesystems
	featRemoteMount = "remote_mount"    // mount units on tang LUKS are remote
	featBootDevice  = "boot_device"     // boot_device luks and mirror
	featBootDiscard = "boot_discard"    // boot_device.luks.discard
	featBootCex     = "boot_cex"        // boot_device.luks.cex
	featS390x       = "s390x_layout"    // boot_device.layout s390x*
	featKeysLocal   = "keys_local"      // ssh_authorized_keys_local
	featUnitLocal   = "unit_local"      // contents_local on units, dropins
	featGrub        = "grub"            // grub.users
	featTreeAttrs   = "tree_attrs"      // user, group, file_mode, dir_mode on trees
	featLuksMethod  = "luks_method"     // boot_device.luks.device needs an unlocking method
	featQuadlets    = "quadlets"        // systemd.quadlets (experimental versions)
	featNoAutoGzip  = "no_auto_gzip"    // openshift 4.8, 4.9: the MCO cannot read compressed contents
	featFipsCipher  = "fips_cipher"     // openshift.fips sets a FIPS cipher on LUKS volumes
	// From fcos 1.1.0: inline on every resource (fcos 1.0.0 has it on
	// file contents and append only), inline configs under
	// ignition.config checked, and data URLs in the shortest encoding
	// (fcos 1.0.0 only percent-encodes).
	featInlineAnywhere = "inline_anywhere"
	featCheckEmbedded  = "check_embedded"
	featShortestURL    = "shortest_url"
	// featImageLayout: the config provisions a Fedora CoreOS-like image,
	// whose boot disk layout Butane checks (fcoschecks.go).
	featImageLayout = "image_layout"
	// featCorePassword: a MachineConfig may set the core user's
	// password_hash (openshift 4.13.0 and later).
	featCorePassword = "core_password"
)

// variantVersion is one accepted (variant, version) pair: the spec version it
// produces, the sugar it accepts and the JSON field patterns it forbids.
type variantVersion struct {
	spec      config.Version
	features  []string
	forbidden []string
	// machineConfig: the output is an OpenShift MachineConfig wrapping the
	// config (unless --raw), and the machine-config operator's rules apply.
	machineConfig bool
	// ocpMinor is the OpenShift minor release (13 for 4.13.0), which the
	// operator's rules depend on; 0 when machineConfig is false.
	ocpMinor int
}

func (vv *variantVersion) has(feature string) bool {
	for _, f := range vv.features {
		if f == feature {
			return true
		}
	}
	return false
}

// Feature sets, growing with each release of the dialect.
var (
	fcos10 = []string{featInline}
	fcos11 = plus(fcos10, featLocal, featTrees, featMountUnit, featInlineAnywhere, featCheckEmbedded, featShortestURL)
	fcos12 = plus(fcos11, featRemoteMount)
	fcos13 = plus(fcos12, featBootDevice)
	fcos14 = plus(fcos13, featSwapUnit)
	fcos15 = plus(fcos14, featKeysLocal, featUnitLocal, featBootDiscard, featGrub)
	fcos16 = plus(fcos15, featBootCex, featS390x)
	fcos17 = plus(fcos16, featTreeAttrs, featLuksMethod)
	fcos18 = plus(fcos17, featQuadlets)
	ocp414 = without(fcos15, featGrub)
)

// openshiftForbidden lists the JSON fields the machine-config operator does
// not manage; core user keys and password are checked separately.
var openshiftForbidden = []string{
	"kernelArguments", // use openshift.kernel_arguments
	"passwd.groups",
	"storage.directories",
	"storage.links",
	"storage.files.append",
	"storage.files.user",
	"storage.files.group",
}

// openshiftForbidden48: 4.8.0 and 4.9.0 also refuse file compression.
var openshiftForbidden48 = plus(openshiftForbidden, "storage.files.contents.compression")

// flatcarForbidden: Flatcar has no clevis/boot_device support in these
// versions; plain Ignition fields stay available.
var flatcarForbidden = []string{"storage.luks.clevis"}

// fiotForbidden: Fedora IoT images are managed by rpm-ostree and do not
// support repartitioning or encryption from the config.
var fiotForbidden = []string{
	"storage.disks", "storage.raid", "storage.luks", "storage.filesystems",
	"kernelArguments",
}

var (
	v30 = config.V3_0
	v31 = config.V3_1
	v32 = config.V3_2
	v33 = config.V3_3
	v34 = config.V3_4
	v35 = config.V3_5
	v36 = config.V3_6
	v37 = config.V3_7Exp
)

// variants maps variant name → dialect version → what it means.
var variants = map[string]map[string]*variantVersion{
	"fcos": {
		"1.0.0": {spec: v30, features: plus(fcos10, featImageLayout)},
		"1.1.0": {spec: v31, features: plus(fcos11, featImageLayout)},
		"1.2.0": {spec: v32, features: plus(fcos12, featImageLayout)},
		"1.3.0": {spec: v32, features: plus(fcos13, featImageLayout)},
		"1.4.0": {spec: v33, features: plus(fcos14, featImageLayout)},
		"1.5.0": {spec: v34, features: plus(fcos15, featImageLayout)},
		"1.6.0": {spec: v35, features: plus(fcos16, featImageLayout)},
		"1.7.0": {spec: v36, features: plus(fcos17, featImageLayout)},
		// Experimental versions track the reference's development
		// versions; their output is spec 3.7.0-experimental.
		"1.8.0-experimental": {spec: v37, features: plus(fcos18, featImageLayout)},
	},
	"flatcar": {
		"1.0.0":              {spec: v33, features: without(fcos14, featBootDevice), forbidden: flatcarForbidden},
		"1.1.0":              {spec: v34, features: without(fcos15, featBootDevice, featBootDiscard, featGrub), forbidden: flatcarForbidden},
		"1.2.0-experimental": {spec: v37, features: without(fcos18, featBootDevice, featBootDiscard, featBootCex, featS390x, featGrub), forbidden: []string{"storage.luks.cex"}},
	},
	"fiot": {
		"1.0.0":              {spec: v34, features: without(fcos15, featBootDevice, featBootDiscard, featGrub), forbidden: fiotForbidden},
		"1.1.0-experimental": {spec: v37, features: without(fcos18, featBootDevice, featBootDiscard, featBootCex, featS390x, featGrub), forbidden: fiotForbidden},
	},
	"r4e": {
		"1.0.0":              {spec: v33, features: without(fcos14, featBootDevice), forbidden: fiotForbidden},
		"1.1.0":              {spec: v34, features: without(fcos15, featBootDevice, featBootDiscard, featGrub), forbidden: fiotForbidden},
		"1.2.0-experimental": {spec: v37, features: without(fcos18, featBootDevice, featBootDiscard, featBootCex, featS390x, featGrub), forbidden: fiotForbidden},
	},
	"openshift": {
		"4.8.0":               ocp(8, variantVersion{spec: v32, features: plus(fcos13, featFipsCipher, featNoAutoGzip), forbidden: openshiftForbidden48}),
		"4.9.0":               ocp(9, variantVersion{spec: v32, features: plus(fcos13, featFipsCipher, featNoAutoGzip), forbidden: openshiftForbidden48}),
		"4.10.0":              ocp(10, variantVersion{spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden}),
		"4.11.0":              ocp(11, variantVersion{spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden}),
		"4.12.0":              ocp(12, variantVersion{spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden}),
		"4.13.0":              ocp(13, variantVersion{spec: v32, features: plus(fcos13, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.14.0":              ocp(14, variantVersion{spec: v34, features: plus(ocp414, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.15.0":              ocp(15, variantVersion{spec: v34, features: plus(ocp414, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.16.0":              ocp(16, variantVersion{spec: v34, features: plus(ocp414, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.17.0":              ocp(17, variantVersion{spec: v34, features: plus(ocp414, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.18.0":              ocp(18, variantVersion{spec: v34, features: plus(fcos15, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.19.0":              ocp(19, variantVersion{spec: v35, features: plus(fcos16, featFipsCipher, featCorePassword), forbidden: openshiftForbidden}),
		"4.20.0":              ocp(20, variantVersion{spec: v35, features: plus(fcos16, featCorePassword), forbidden: openshiftForbidden}),
		"4.21.0":              ocp(21, variantVersion{spec: v35, features: plus(fcos16, featCorePassword), forbidden: openshiftForbidden}),
		"4.22.0":              ocp(22, variantVersion{spec: v35, features: plus(fcos16, featCorePassword), forbidden: openshiftForbidden}),
		"4.23.0-experimental": ocp(23, variantVersion{spec: v37, features: plus(fcos18, featCorePassword), forbidden: openshiftForbidden}),
	},
}

// ocp completes an openshift row: its output is a MachineConfig of the given
// minor release, for a Fedora CoreOS-like image.
func ocp(minor int, vv variantVersion) *variantVersion {
	vv.machineConfig, vv.ocpMinor = true, minor
	vv.features = plus(vv.features, featImageLayout)
	return &vv
}

// plus returns a new set: set and more (never sharing set's array).
func plus(set []string, more ...string) []string {
	return append(append([]string(nil), set...), more...)
}

func without(set []string, drop ...string) []string {
	var out []string
outer:
	for _, f := range set {
		for _, d := range drop {
			if f == d {
				continue outer
			}
		}
		out = append(out, f)
	}
	return out
}
