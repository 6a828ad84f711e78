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
)

// variantVersion is one accepted (variant, version) pair: the spec version it
// produces, the sugar it accepts and the JSON field patterns it forbids.
type variantVersion struct {
	spec      config.Version
	features  []string
	forbidden []string
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
	fcos11 = plus(fcos10, featLocal, featTrees, featMountUnit)
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
		"1.0.0": {spec: v30, features: fcos10},
		"1.1.0": {spec: v31, features: fcos11},
		"1.2.0": {spec: v32, features: fcos12},
		"1.3.0": {spec: v32, features: fcos13},
		"1.4.0": {spec: v33, features: fcos14},
		"1.5.0": {spec: v34, features: fcos15},
		"1.6.0": {spec: v35, features: fcos16},
		"1.7.0": {spec: v36, features: fcos17},
		// Experimental versions track the reference's development
		// versions; their output is spec 3.7.0-experimental.
		"1.8.0-experimental": {spec: v37, features: fcos18},
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
		"4.8.0":               {spec: v32, features: plus(fcos13, featFipsCipher, featNoAutoGzip), forbidden: openshiftForbidden48},
		"4.9.0":               {spec: v32, features: plus(fcos13, featFipsCipher, featNoAutoGzip), forbidden: openshiftForbidden48},
		"4.10.0":              {spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden},
		"4.11.0":              {spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden},
		"4.12.0":              {spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden},
		"4.13.0":              {spec: v32, features: plus(fcos13, featFipsCipher), forbidden: openshiftForbidden},
		"4.14.0":              {spec: v34, features: plus(ocp414, featFipsCipher), forbidden: openshiftForbidden},
		"4.15.0":              {spec: v34, features: plus(ocp414, featFipsCipher), forbidden: openshiftForbidden},
		"4.16.0":              {spec: v34, features: plus(ocp414, featFipsCipher), forbidden: openshiftForbidden},
		"4.17.0":              {spec: v34, features: plus(ocp414, featFipsCipher), forbidden: openshiftForbidden},
		"4.18.0":              {spec: v34, features: plus(fcos15, featFipsCipher), forbidden: openshiftForbidden},
		"4.19.0":              {spec: v35, features: plus(fcos16, featFipsCipher), forbidden: openshiftForbidden},
		"4.20.0":              {spec: v35, features: fcos16, forbidden: openshiftForbidden},
		"4.21.0":              {spec: v35, features: fcos16, forbidden: openshiftForbidden},
		"4.22.0":              {spec: v35, features: fcos16, forbidden: openshiftForbidden},
		"4.23.0-experimental": {spec: v37, features: fcos18, forbidden: openshiftForbidden},
	},
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
