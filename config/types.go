package config

// The canonical model of the config: the newest spec version. Older versions
// decode into the same types; which field exists since which version is data
// (see spec.go), not a separate copy of these types.
//
// Optional scalars are pointers so that "absent" differs from the zero value:
// merging and defaults depend on that difference.

// Config is a whole provisioning config.
type Config struct {
	Ignition        Ignition        `json:"ignition"`
	KernelArguments KernelArguments `json:"kernelArguments,omitzero"`
	Passwd          Passwd          `json:"passwd,omitzero"`
	Storage         Storage         `json:"storage,omitzero"`
	Systemd         Systemd         `json:"systemd,omitzero"`
}

// Ignition is metadata about the config itself.
type Ignition struct {
	Config   IgnitionConfig `json:"config,omitzero"`
	Proxy    Proxy          `json:"proxy,omitzero"`
	Security Security       `json:"security,omitzero"`
	Timeouts Timeouts       `json:"timeouts,omitzero"`
	Version  string         `json:"version"`
}

// IgnitionConfig names configs to merge into, or to replace, this one.
type IgnitionConfig struct {
	Merge   []Resource `json:"merge,omitempty"`
	Replace Resource   `json:"replace,omitzero"`
}

// Resource is something fetched from a URL.
type Resource struct {
	Compression  *string      `json:"compression,omitempty"`
	HTTPHeaders  []HTTPHeader `json:"httpHeaders,omitempty"`
	Source       *string      `json:"source,omitempty"`
	Verification Verification `json:"verification,omitzero"`
}

// HTTPHeader is one header sent when fetching over http(s).
type HTTPHeader struct {
	Name  string  `json:"name"`
	Value *string `json:"value,omitempty"`
}

// Verification says how to check fetched bytes.
type Verification struct {
	Hash *string `json:"hash,omitempty"`
}

// Proxy configures HTTP(S) proxies for fetching.
type Proxy struct {
	HTTPProxy  *string  `json:"httpProxy,omitempty"`
	HTTPSProxy *string  `json:"httpsProxy,omitempty"`
	NoProxy    []string `json:"noProxy,omitempty"`
}

// Security holds TLS options.
type Security struct {
	TLS TLS `json:"tls,omitzero"`
}

// TLS holds extra certificate authorities.
type TLS struct {
	CertificateAuthorities []Resource `json:"certificateAuthorities,omitempty"`
}

// Timeouts bounds HTTP fetches, in seconds.
type Timeouts struct {
	HTTPResponseHeaders *int `json:"httpResponseHeaders,omitempty"`
	HTTPTotal           *int `json:"httpTotal,omitempty"`
}

// KernelArguments lists arguments to add to or remove from the boot entry.
type KernelArguments struct {
	ShouldExist    []string `json:"shouldExist,omitempty"`
	ShouldNotExist []string `json:"shouldNotExist,omitempty"`
}

// Passwd describes users and groups.
type Passwd struct {
	Groups []PasswdGroup `json:"groups,omitempty"`
	Users  []PasswdUser  `json:"users,omitempty"`
}

// PasswdGroup is one group.
type PasswdGroup struct {
	Gid          *int    `json:"gid,omitempty"`
	Name         string  `json:"name"`
	PasswordHash *string `json:"passwordHash,omitempty"`
	ShouldExist  *bool   `json:"shouldExist,omitempty"`
	System       *bool   `json:"system,omitempty"`
}

// PasswdUser is one user account.
type PasswdUser struct {
	Gecos             *string  `json:"gecos,omitempty"`
	Groups            []string `json:"groups,omitempty"`
	HomeDir           *string  `json:"homeDir,omitempty"`
	Name              string   `json:"name"`
	NoCreateHome      *bool    `json:"noCreateHome,omitempty"`
	NoLogInit         *bool    `json:"noLogInit,omitempty"`
	NoUserGroup       *bool    `json:"noUserGroup,omitempty"`
	PasswordHash      *string  `json:"passwordHash,omitempty"`
	PrimaryGroup      *string  `json:"primaryGroup,omitempty"`
	ShouldExist       *bool    `json:"shouldExist,omitempty"`
	SSHAuthorizedKeys []string `json:"sshAuthorizedKeys,omitempty"`
	Shell             *string  `json:"shell,omitempty"`
	System            *bool    `json:"system,omitempty"`
	UID               *int     `json:"uid,omitempty"`
}

// Storage describes disks, arrays, encrypted volumes, filesystems and the
// nodes (files, directories, links) written on them.
type Storage struct {
	Directories []Directory  `json:"directories,omitempty"`
	Disks       []Disk       `json:"disks,omitempty"`
	Files       []File       `json:"files,omitempty"`
	Filesystems []Filesystem `json:"filesystems,omitempty"`
	Links       []Link       `json:"links,omitempty"`
	Luks        []Luks       `json:"luks,omitempty"`
	Raid        []Raid       `json:"raid,omitempty"`
}

// Disk is one block device and its partition table.
type Disk struct {
	Device     string      `json:"device"`
	Partitions []Partition `json:"partitions,omitempty"`
	WipeTable  *bool       `json:"wipeTable,omitempty"`
}

// Partition is one GPT partition.
type Partition struct {
	GUID               *string `json:"guid,omitempty"`
	Label              *string `json:"label,omitempty"`
	Number             int     `json:"number,omitempty"`
	Resize             *bool   `json:"resize,omitempty"`
	ShouldExist        *bool   `json:"shouldExist,omitempty"`
	SizeMiB            *int    `json:"sizeMiB,omitempty"`
	StartMiB           *int    `json:"startMiB,omitempty"`
	TypeGUID           *string `json:"typeGuid,omitempty"`
	WipePartitionEntry *bool   `json:"wipePartitionEntry,omitempty"`
}

// Raid is one md array.
type Raid struct {
	Devices []string `json:"devices,omitempty"`
	Level   *string  `json:"level,omitempty"`
	Name    string   `json:"name"`
	Options []string `json:"options,omitempty"`
	Spares  *int     `json:"spares,omitempty"`
}

// Luks is one LUKS2 volume.
type Luks struct {
	Cex         Cex      `json:"cex,omitzero"`
	Clevis      Clevis   `json:"clevis,omitzero"`
	Device      *string  `json:"device,omitempty"`
	Discard     *bool    `json:"discard,omitempty"`
	KeyFile     Resource `json:"keyFile,omitzero"`
	Label       *string  `json:"label,omitempty"`
	Name        string   `json:"name"`
	OpenOptions []string `json:"openOptions,omitempty"`
	Options     []string `json:"options,omitempty"`
	UUID        *string  `json:"uuid,omitempty"`
	WipeVolume  *bool    `json:"wipeVolume,omitempty"`
}

// Cex configures IBM Crypto Express keys.
type Cex struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// Clevis binds a LUKS volume to tang servers and/or a TPM2.
type Clevis struct {
	Custom    ClevisCustom `json:"custom,omitzero"`
	Tang      []Tang       `json:"tang,omitempty"`
	Threshold *int         `json:"threshold,omitempty"`
	Tpm2      *bool        `json:"tpm2,omitempty"`
}

// ClevisCustom passes a pin and its config straight to clevis.
type ClevisCustom struct {
	Config       *string `json:"config,omitempty"`
	NeedsNetwork *bool   `json:"needsNetwork,omitempty"`
	Pin          *string `json:"pin,omitempty"`
}

// Tang is one tang server.
type Tang struct {
	Advertisement *string `json:"advertisement,omitempty"`
	Thumbprint    *string `json:"thumbprint,omitempty"`
	URL           string  `json:"url"`
}

// Filesystem is a filesystem to create or reuse.
type Filesystem struct {
	Device         string   `json:"device"`
	Format         *string  `json:"format,omitempty"`
	Label          *string  `json:"label,omitempty"`
	MountOptions   []string `json:"mountOptions,omitempty"`
	Options        []string `json:"options,omitempty"`
	Path           *string  `json:"path,omitempty"`
	UUID           *string  `json:"uuid,omitempty"`
	WipeFilesystem *bool    `json:"wipeFilesystem,omitempty"`
}

// NodeUser names a node's owner by id or name.
type NodeUser struct {
	ID   *int    `json:"id,omitempty"`
	Name *string `json:"name,omitempty"`
}

// NodeGroup names a node's group by id or name.
type NodeGroup struct {
	ID   *int    `json:"id,omitempty"`
	Name *string `json:"name,omitempty"`
}

// Node holds what files, directories and links share.
type Node struct {
	Group     NodeGroup `json:"group,omitzero"`
	Overwrite *bool     `json:"overwrite,omitempty"`
	Path      string    `json:"path"`
	User      NodeUser  `json:"user,omitzero"`
}

// File is a regular file.
type File struct {
	Node
	Append   []Resource `json:"append,omitempty"`
	Contents Resource   `json:"contents,omitzero"`
	Mode     *int       `json:"mode,omitempty"`
}

// Directory is a directory.
type Directory struct {
	Node
	Mode *int `json:"mode,omitempty"`
}

// Link is a symbolic or hard link.
type Link struct {
	Node
	Hard   *bool   `json:"hard,omitempty"`
	Target *string `json:"target,omitempty"`
}

// Systemd describes units.
type Systemd struct {
	Units []Unit `json:"units,omitempty"`
}

// Unit is one systemd unit and its drop-ins.
type Unit struct {
	Contents *string  `json:"contents,omitempty"`
	Dropins  []Dropin `json:"dropins,omitempty"`
	Enabled  *bool    `json:"enabled,omitempty"`
	Mask     *bool    `json:"mask,omitempty"`
	Name     string   `json:"name"`
}

// Dropin is one drop-in file for a unit.
type Dropin struct {
	Contents *string `json:"contents,omitempty"`
	Name     string  `json:"name"`
}
