package config

import (
	"strings"
	"testing"
)

// storageCase is one storage rule check: the storage section (JSON), the
// oldest version it applies to (it is checked on that one and every later
// version) and the expected finding.
type storageCase struct {
	name    string
	since   Version
	storage string
	want    finding
}

func runStorageCases(t *testing.T, cases []storageCase) {
	t.Helper()
	for _, c := range cases {
		since := c.since
		if since.IsZero() {
			since = V3_0
		}
		for _, v := range Versions {
			if !v.AtLeast(since) {
				continue
			}
			src := withIgnition(v, "", `"storage":`+c.storage)
			checkFinding(t, c.name+" "+v.String(), parseRep(t, src), c.want)
		}
	}
}

func disk(parts string) string {
	return `{"disks":[{"device":"/dev/vda","partitions":[` + parts + `]}]}`
}

func TestDiskRules(t *testing.T) {
	runStorageCases(t, []storageCase{
		{"disk ok", V3_0, `{"disks":[{"device":"/dev/vda","wipeTable":true},{"device":"/dev/vdb"}]}`, noFindings},
		{"device required", V3_0, `{"disks":[{"wipeTable":true}]}`, wantErr("storage.disks.0.device", "disk device is required")},
		{"device relative", V3_0, `{"disks":[{"device":"dev/vda"}]}`, wantErr("storage.disks.0.device", "not absolute")},
		{"device unclean", V3_0, `{"disks":[{"device":"/dev//vda"}]}`, wantErr("storage.disks.0.device", "not clean")},
		{"device duplicate", V3_0, `{"disks":[{"device":"/dev/vda"},{"device":"/dev/vda"}]}`, wantErr("storage.disks.1.device", "duplicate disk device")},
	})
}

func TestPartitionRules(t *testing.T) {
	label37 := strings.Repeat("a", 37)
	label36 := strings.Repeat("é", 36) // one UTF-16 unit each, two bytes in UTF-8
	runStorageCases(t, []storageCase{
		{"numbers ok", V3_0, disk(`{"number":1,"sizeMiB":100},{"number":2,"label":"root"}`), noFindings},
		{"number duplicate", V3_0, disk(`{"number":1},{"number":1}`), wantErr("storage.disks.0.partitions.1.number", "duplicate partition number 1")},
		{"number negative", V3_0, disk(`{"number":-1,"label":"x"}`), wantErr("storage.disks.0.partitions.0.number", `out of range; the limit is 0 (next free) to 256 (safety rule "sizes and ids in range"`)},
		{"number too big", V3_0, disk(`{"number":257}`), wantErr("storage.disks.0.partitions.0.number", "out of range")},
		{"size overflows bytes", V3_0, disk(`{"number":1,"sizeMiB":9007199254740993}`), wantErr("storage.disks.0.partitions.0.sizeMiB", "the limit is 0 to 8796093022207 (2^63 bytes)")},
		{"end overflows bytes", V3_0, disk(`{"number":1,"startMiB":8796093022207,"sizeMiB":1}`), wantErr("storage.disks.0.partitions.0", "partition ends at MiB 8796093022208")},
		{"labels ok", V3_0, disk(`{"label":"a"},{"label":"b"}`), noFindings},
		{"label duplicate unnumbered", V3_0, disk(`{"label":"a"},{"label":"a"}`), wantErr("storage.disks.0.partitions.1.label", "duplicate partition label")},
		{"label of unnumbered used by numbered", V3_0, disk(`{"number":1,"label":"a"},{"label":"a"}`), wantErr("storage.disks.0.partitions.1.label", "duplicate partition label")},
		{"label duplicate numbered", V3_0, disk(`{"number":1,"label":"a"},{"number":2,"label":"a"}`), wantErr("storage.disks.0.partitions.1.label", "duplicate partition label")},
		{"neither number nor label", V3_0, disk(`{"sizeMiB":10}`), wantErr("storage.disks.0.partitions.0", "number of 1 or more or a label")},
		{"label too long", V3_0, disk(`{"label":"` + label37 + `"}`), wantErr("storage.disks.0.partitions.0.label", "37 bytes long; at most 36")},
		{"label 36 units 72 bytes", V3_0, disk(`{"label":"` + label36 + `"}`), wantErr("storage.disks.0.partitions.0.label", "72 bytes long")},
		{"label colon", V3_0, disk(`{"label":"a:b"}`), wantErr("storage.disks.0.partitions.0.label", "colon")},
		{"guids ok", V3_0, disk(`{"number":1,"typeGuid":"0FC63DAF-8483-4772-8E79-3D69D8477DE4","guid":"8a4c6c6e-0b3c-4a2a-9a0e-111111111111"}`), noFindings},
		{"empty guid is default", V3_0, disk(`{"number":1,"typeGuid":""}`), noFindings},
		{"typeGuid alias", V3_0, disk(`{"number":1,"typeGuid":"linux"}`), wantErr("storage.disks.0.partitions.0.typeGuid", "not a GUID")},
		{"guid bad", V3_0, disk(`{"number":1,"guid":"0FC63DAF84834772-8E79-3D69D8477DE4X"}`), wantErr("storage.disks.0.partitions.0.guid", "not a GUID")},
		{"size negative", V3_0, disk(`{"number":1,"sizeMiB":-5}`), wantErr("storage.disks.0.partitions.0.sizeMiB", "out of range")},
		{"start negative", V3_0, disk(`{"number":1,"startMiB":-1}`), wantErr("storage.disks.0.partitions.0.startMiB", "out of range")},
		{"delete ok", V3_0, disk(`{"number":3,"shouldExist":false,"wipePartitionEntry":true}`), noFindings},
		{"delete needs number", V3_0, disk(`{"shouldExist":false}`), wantErr("storage.disks.0.partitions.0", "number of 1 or more or a label")},
		{"delete next to unnumbered", V3_0, disk(`{"number":3,"shouldExist":false},{"label":"x"}`), wantErr("storage.disks.0.partitions", "needs every partition of the disk numbered")},
		{"delete with layout", V3_0, disk(`{"number":3,"shouldExist":false,"label":"x","sizeMiB":5}`), wantErr("storage.disks.0.partitions.0.shouldExist", "must not set label, sizeMiB")},
		{"delete with guid", V3_0, disk(`{"number":3,"shouldExist":false,"typeGuid":"0FC63DAF-8483-4772-8E79-3D69D8477DE4"}`), wantErr("storage.disks.0.partitions.0.shouldExist", "typeGuid")},
		{"delete with resize", V3_2, disk(`{"number":3,"shouldExist":false,"resize":true}`), wantWarn("storage.disks.0.partitions.0.resize", "ignored")},
		{"delete and zero start", V3_0, disk(`{"number":3,"shouldExist":false},{"number":1,"startMiB":0,"sizeMiB":10}`), wantWarn("storage.disks.0.partitions.1.startMiB", "after the partitions with shouldExist false")},
		{"fcos secex layout", V3_2, disk(`{"label":"boot","number":3},{"label":"root","number":4,"resize":true,"sizeMiB":0},{"number":1,"shouldExist":false}`), wantWarn("storage.disks.0.partitions.1.sizeMiB", "placed in the free space")},
		{"delete and explicit place", V3_0, disk(`{"number":3,"shouldExist":false},{"number":1,"startMiB":1,"sizeMiB":10}`), noFindings},
		{"overlap", V3_0, disk(`{"number":1,"startMiB":1,"sizeMiB":100},{"number":2,"startMiB":50,"sizeMiB":10}`), wantErr("storage.disks.0.partitions.1", "overlaps entry 0")},
		{"adjacent", V3_0, disk(`{"number":1,"startMiB":1,"sizeMiB":100},{"number":2,"startMiB":101,"sizeMiB":10}`), noFindings},
	})
}

func raid(body string) string { return `{"raid":[` + body + `]}` }

func TestRaidRules(t *testing.T) {
	runStorageCases(t, []storageCase{
		{"ok", V3_0, raid(`{"name":"data","level":"raid1","devices":["/dev/vda","/dev/vdb"],"spares":1}`), noFindings},
		{"synonym ok", V3_0, raid(`{"name":"data","level":"mirror","devices":["/dev/vda","/dev/vdb"]}`), noFindings},
		{"name required", V3_0, raid(`{"level":"raid1","devices":["/dev/vda"]}`), wantWarn("storage.raid.0.name", "has no name")},
		{"name slash", V3_0, raid(`{"name":"a/b","level":"raid1","devices":["/dev/vda"]}`), wantWarn("storage.raid.0.name", "not a device name")},
		{"name duplicate", V3_0, raid(`{"name":"a","level":"raid1","devices":["/dev/vda"]},{"name":"a","level":"raid1","devices":["/dev/vdb"]}`), wantErr("storage.raid.1.name", "duplicate RAID array name")},
		{"level required", V3_0, raid(`{"name":"a","devices":["/dev/vda"]}`), wantErr("storage.raid.0.level", "required")},
		{"level unknown", V3_0, raid(`{"name":"a","level":"raid7","devices":["/dev/vda"]}`), wantErr("storage.raid.0.level", `unknown RAID level "raid7"`)},
		{"devices empty", V3_0, raid(`{"name":"a","level":"raid1"}`), wantErr("storage.raid.0.devices", "at least one device")},
		{"device relative", V3_0, raid(`{"name":"a","level":"raid1","devices":["vda"]}`), wantErr("storage.raid.0.devices.0", "not absolute")},
		{"device duplicate", V3_0, raid(`{"name":"a","level":"raid1","devices":["/dev/vda","/dev/vda"]}`), wantErr("storage.raid.0.devices.1", "duplicate RAID member")},
		{"member in two arrays", V3_0, raid(`{"name":"a","level":"raid1","devices":["/dev/vda"]},{"name":"b","level":"raid1","devices":["/dev/vda"]}`), wantWarn("storage.raid.1.devices.0", "already used by storage.raid.0.devices.0")},
		{"spares negative", V3_0, raid(`{"name":"a","level":"raid1","devices":["/dev/vda","/dev/vdb"],"spares":-1}`), wantWarn("storage.raid.0.spares", "negative")},
		{"spares raid0", V3_0, raid(`{"name":"a","level":"raid0","devices":["/dev/vda","/dev/vdb","/dev/vdc"],"spares":1}`), wantErr("storage.raid.0.spares", "cannot use spares")},
		{"spares linear zero ok", V3_0, raid(`{"name":"a","level":"linear","devices":["/dev/vda"],"spares":0}`), noFindings},
		{"spares all", V3_0, raid(`{"name":"a","level":"raid5","devices":["/dev/vda","/dev/vdb"],"spares":2}`), wantWarn("storage.raid.0.spares", "none of the 2 devices active")},
	})
}

func luks(body string) string { return `{"luks":[` + body + `]}` }

func TestLuksRules(t *testing.T) {
	long := strings.Repeat("n", 128)
	tang := `{"url":"https://tang.example.com","thumbprint":"abc"}`
	runStorageCases(t, []storageCase{
		{"ok", V3_2, luks(`{"name":"data","device":"/dev/vda","label":"data","uuid":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","wipeVolume":true,"keyFile":{"source":"data:,secret"}}`), noFindings},
		{"name required", V3_2, luks(`{"device":"/dev/vda"}`), wantWarn("storage.luks.0.name", "has no name")},
		{"name slash", V3_2, luks(`{"name":"a/b","device":"/dev/vda"}`), wantErr("storage.luks.0.name", "contains '/'")},
		{"name forges crypttab line", V3_2, luks(`{"name":"vol\nhome UUID=deadbeef none luks,discard","device":"/dev/vda"}`), wantErr("storage.luks.0.name", `/etc/crypttab (safety rule "no line or field breaks in system files"`)},
		{"name space", V3_2, luks(`{"name":"a b","device":"/dev/vda"}`), wantErr("storage.luks.0.name", "whitespace")},
		{"device newline", V3_2, luks(`{"name":"a","device":"/dev/vda\nx"}`), wantErr("storage.luks.0.device", "safety rule")},
		{"open option space", V3_4, luks(`{"name":"a","device":"/dev/vda","openOptions":["--a b"]}`), wantErr("storage.luks.0.openOptions.0", "safety rule")},
		{"open option duplicate", V3_4, luks(`{"name":"a","device":"/dev/vda","openOptions":["--x","--x"]}`), wantErr("storage.luks.0.openOptions.1", "duplicate open option")},
		{"name too long", V3_2, luks(`{"name":"` + long + `","device":"/dev/vda"}`), wantWarn("storage.luks.0.name", "at most 127")},
		{"name duplicate", V3_2, luks(`{"name":"a","device":"/dev/vda"},{"name":"a","device":"/dev/vdb"}`), wantErr("storage.luks.1.name", "duplicate LUKS volume name")},
		{"device required", V3_2, luks(`{"name":"a"}`), wantErr("storage.luks.0.device", "required")},
		{"device relative", V3_2, luks(`{"name":"a","device":"vda"}`), wantErr("storage.luks.0.device", "not absolute")},
		{"two volumes one device", V3_2, luks(`{"name":"a","device":"/dev/vda"},{"name":"b","device":"/dev/vda"}`), wantWarn("storage.luks.1.device", "already used")},
		{"label too long", V3_2, luks(`{"name":"a","device":"/dev/vda","label":"` + strings.Repeat("l", 48) + `"}`), wantErr("storage.luks.0.label", "at most 47")},
		{"uuid bad", V3_2, luks(`{"name":"a","device":"/dev/vda","uuid":"nope"}`), wantWarn("storage.luks.0.uuid", "not a UUID")},
		{"tang ok", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[` + tang + `],"tpm2":true,"threshold":2}}`), noFindings},
		{"tang scheme", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"url":"ftp://t","thumbprint":"x"}]}}`), wantErr("storage.luks.0.clevis.tang.0.url", "http:// or https://")},
		{"tang url required", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"thumbprint":"x"}]}}`), wantErr("storage.luks.0.clevis.tang.0.url", "http:// or https://")},
		{"tang url no host", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"url":"http:t","thumbprint":"x"}]}}`), wantWarn("storage.luks.0.clevis.tang.0.url", "no host")},
		{"tang thumbprint required", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"url":"http://t"}]}}`), wantErr("storage.luks.0.clevis.tang.0.thumbprint", "required")},
		{"tang duplicate", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[` + tang + `,` + tang + `]}}`), wantErr("storage.luks.0.clevis.tang.1.url", "duplicate tang URL")},
		{"advertisement ok", V3_4, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"url":"http://t","thumbprint":"x","advertisement":"{\"payload\":\"x\"}"}]}}`), noFindings},
		{"advertisement bad", V3_4, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"url":"http://t","thumbprint":"x","advertisement":"{nope"}]}}`), wantErr("storage.luks.0.clevis.tang.0.advertisement", "not JSON")},
		{"advertisement not object", V3_4, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[{"url":"http://t","thumbprint":"x","advertisement":"[1]"}]}}`), wantWarn("storage.luks.0.clevis.tang.0.advertisement", "not a JSON object")},
		{"threshold zero ok", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tpm2":true,"threshold":0}}`), noFindings},
		{"threshold too big", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tang":[` + tang + `],"threshold":2}}`), wantWarn("storage.luks.0.clevis.threshold", "1 configured pins")},
		{"custom ok", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"custom":{"pin":"sss","config":"{\"t\":1}","needsNetwork":true}}}`), noFindings},
		{"custom pin required", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"custom":{"config":"{}"}}}`), wantErr("storage.luks.0.clevis.custom.pin", "required")},
		{"custom config required", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"custom":{"pin":"tpm2"}}}`), wantErr("storage.luks.0.clevis.custom.config", "required")},
		{"custom config json", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"custom":{"pin":"tpm2","config":"{"}}}`), wantWarn("storage.luks.0.clevis.custom.config", "not valid JSON")},
		{"custom with tpm2", V3_2, luks(`{"name":"a","device":"/dev/vda","clevis":{"tpm2":true,"custom":{"pin":"tpm2","config":"{}"}}}`), wantErr("storage.luks.0.clevis", "cannot be combined")},
		{"cex ok", V3_5, luks(`{"name":"a","device":"/dev/vda","cex":{"enabled":true}}`), noFindings},
		{"cex with key file", V3_5, luks(`{"name":"a","device":"/dev/vda","cex":{"enabled":true},"keyFile":{"source":"data:,k"}}`), wantErr("storage.luks.0.keyFile", "cex.enabled")},
		{"cex with clevis", V3_5, luks(`{"name":"a","device":"/dev/vda","cex":{"enabled":true},"clevis":{"tpm2":true}}`), wantErr("storage.luks.0.clevis", "cex.enabled")},
		{"discard twice", V3_4, luks(`{"name":"a","device":"/dev/vda","discard":true,"openOptions":["--allow-discards"]}`), wantWarn("storage.luks.0.openOptions", "repeats discard")},
		{"open options ok", V3_4, luks(`{"name":"a","device":"/dev/vda","discard":true,"openOptions":["--perf-no_read_workqueue"]}`), noFindings},
	})
}

// TestClevisPinByVersion: any custom pin from 3.6.0, only tang, tpm2 and
// sss before.
func TestClevisPinByVersion(t *testing.T) {
	for _, v := range Versions[2:] {
		want := noFindings
		if v.Less(V3_6) {
			want = wantErr("storage.luks.0.clevis.custom.pin", "unknown clevis pin")
		}
		src := withIgnition(v, "", `"storage":`+luks(`{"name":"a","device":"/dev/vda","clevis":{"custom":{"pin":"yubikey","config":"{}"}}}`))
		checkFinding(t, v.String(), parseRep(t, src), want)
	}
}

// TestLuksKeyFileUsesResourceRules: the key file goes through the shared
// resource rules (here: a hash needs a source).
func TestLuksKeyFileUsesResourceRules(t *testing.T) {
	src := withIgnition(V3_2, "", `"storage":`+luks(`{"name":"a","device":"/dev/vda","keyFile":{"verification":{"hash":"sha512-`+sha512Hex+`"}}}`))
	checkFinding(t, "hash without source", parseRep(t, src), wantErr("storage.luks.0.keyFile.verification.hash", "key file"))
}

func fs(body string) string { return `{"filesystems":[` + body + `]}` }

func TestFilesystemRules(t *testing.T) {
	runStorageCases(t, []storageCase{
		{"ok", V3_0, fs(`{"device":"/dev/vda1","format":"ext4","path":"/var","label":"var","uuid":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","wipeFilesystem":true}`), noFindings},
		{"device required", V3_0, fs(`{"format":"ext4"}`), wantErr("storage.filesystems.0.device", "required")},
		{"device relative", V3_0, fs(`{"device":"vda1","format":"ext4"}`), wantErr("storage.filesystems.0.device", "not absolute")},
		{"device duplicate", V3_0, fs(`{"device":"/dev/vda1","format":"ext4"},{"device":"/dev/vda1","format":"xfs"}`), wantErr("storage.filesystems.1.device", "duplicate filesystem device")},
		{"format missing with label", V3_0, fs(`{"device":"/dev/vda1","label":"x"}`), wantErr("storage.filesystems.0.format", "format is required when label is set")},
		{"format missing alone", V3_0, fs(`{"device":"/dev/vda1"}`), noFindings},
		{"format unknown", V3_0, fs(`{"device":"/dev/vda1","format":"ntfs"}`), wantErr("storage.filesystems.0.format", `unknown filesystem format "ntfs"`)},
		{"path relative", V3_0, fs(`{"device":"/dev/vda1","format":"ext4","path":"var"}`), wantErr("storage.filesystems.0.path", "not absolute")},
		{"path unclean", V3_0, fs(`{"device":"/dev/vda1","format":"ext4","path":"/var/"}`), wantErr("storage.filesystems.0.path", "not clean")},
		{"swap path", V3_0, fs(`{"device":"/dev/vda1","format":"swap","path":"/swap"}`), wantWarn("storage.filesystems.0.path", "cannot be mounted")},
		{"swap mount options", V3_1, fs(`{"device":"/dev/vda1","format":"swap","mountOptions":["ro"]}`), wantWarn("storage.filesystems.0.mountOptions", "never mounted")},
		{"swap ok", V3_0, fs(`{"device":"/dev/vda1","format":"swap","label":"swap","options":["-p","4096"]}`), noFindings},
		{"none ok", V3_3, fs(`{"device":"/dev/vda1","format":"none","wipeFilesystem":true}`), noFindings},
		{"none label", V3_3, fs(`{"device":"/dev/vda1","format":"none","label":"x"}`), wantWarn("storage.filesystems.0.label", "creates no filesystem")},
		{"ext4 label 16", V3_0, fs(`{"device":"/dev/vda1","format":"ext4","label":"0123456789abcdef"}`), noFindings},
		{"ext4 label 17", V3_0, fs(`{"device":"/dev/vda1","format":"ext4","label":"0123456789abcdefg"}`), wantErr("storage.filesystems.0.label", "ext4 labels hold at most 16 bytes")},
		{"xfs label 13", V3_0, fs(`{"device":"/dev/vda1","format":"xfs","label":"0123456789abc"}`), wantErr("storage.filesystems.0.label", "at most 12")},
		{"vfat label 12", V3_0, fs(`{"device":"/dev/vda1","format":"vfat","label":"0123456789ab"}`), wantErr("storage.filesystems.0.label", "at most 11")},
		{"swap label 16", V3_0, fs(`{"device":"/dev/vda1","format":"swap","label":"0123456789abcdef"}`), wantErr("storage.filesystems.0.label", "at most 15")},
		{"btrfs label 256", V3_0, fs(`{"device":"/dev/vda1","format":"btrfs","label":"` + strings.Repeat("b", 256) + `"}`), noFindings},
		{"btrfs label 257", V3_0, fs(`{"device":"/dev/vda1","format":"btrfs","label":"` + strings.Repeat("b", 257) + `"}`), wantErr("storage.filesystems.0.label", "at most 256")},
		{"uuid bad", V3_0, fs(`{"device":"/dev/vda1","format":"xfs","uuid":"1234-ABCD"}`), wantWarn("storage.filesystems.0.uuid", "not a UUID")},
		{"mount path newline", V3_0, fs(`{"device":"/dev/vda1","format":"xfs","path":"/srv\nx"}`), wantErr("storage.filesystems.0.path", "safety rule")},
		{"mount option space", V3_1, fs(`{"device":"/dev/vda1","format":"xfs","path":"/srv","mountOptions":["ro x"]}`), wantErr("storage.filesystems.0.mountOptions.0", "safety rule")},
		{"empty path ok", V3_0, fs(`{"device":"/dev/vda1","format":"xfs","path":""}`), noFindings},
		{"vfat id ok", V3_0, fs(`{"device":"/dev/vda1","format":"vfat","uuid":"1234-ABCD"},{"device":"/dev/vda2","format":"vfat","uuid":"1234abcd"}`), noFindings},
		{"vfat id bad", V3_0, fs(`{"device":"/dev/vda1","format":"vfat","uuid":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}`), wantWarn("storage.filesystems.0.uuid", "vfat volume id")},
		{"mount options ok", V3_1, fs(`{"device":"/dev/vda1","format":"xfs","path":"/srv","mountOptions":["noatime"],"options":["-m","bigtime=1"]}`), noFindings},
	})
}

// TestFormatNoneByVersion: none arrived in 3.3.0.
func TestFormatNoneByVersion(t *testing.T) {
	for _, v := range Versions {
		src := withIgnition(v, "", `"storage":`+fs(`{"device":"/dev/vda1","format":"none"}`))
		want := noFindings
		if !v.AtLeast(V3_3) {
			want = wantErr("storage.filesystems.0.format", `unknown filesystem format "none"`)
		}
		checkFinding(t, "none "+v.String(), parseRep(t, src), want)
	}
}

func TestStorageErrorPosition(t *testing.T) {
	src := `{
  "ignition": {"version": "3.4.0"},
  "storage": {
    "disks": [
      {"device": "/dev/vda",
       "partitions": [{"number": 1}, {"number": 1}]}
    ]
  }
}`
	rep := parseRep(t, src)
	for _, e := range rep.Entries {
		if e.Path.String() == "storage.disks.0.partitions.1.number" {
			if e.Line != 6 || e.Column != 49 {
				t.Errorf("position %d:%d, want 6:49 (the second number value)", e.Line, e.Column)
			}
			return
		}
	}
	t.Fatalf("no finding at the duplicate number:\n%s", rep)
}

// TestStorageValidateGo drives the rules through Validate on Go values.
func TestStorageValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{Version: "3.2.0"}, Storage: Storage{
		Disks: []Disk{{Device: "/dev/vda", Partitions: []Partition{{Number: 1}, {Number: 1}}}},
		Raid:  []Raid{{Name: "md", Level: vStr("raid0"), Devices: []string{"/dev/vdb", "/dev/vdc"}, Spares: vInt(1)}},
		Luks:  []Luks{{Name: "a/b", Device: vStr("/dev/vdd")}},
		Filesystems: []Filesystem{
			{Device: "/dev/vde", Format: vStr("none")},
		},
	}}
	rep := Validate(cfg)
	for _, w := range []finding{
		wantErr("storage.disks.0.partitions.1.number", "duplicate"),
		wantErr("storage.raid.0.spares", "cannot use spares"),
		wantErr("storage.luks.0.name", "contains '/'"),

		wantErr("storage.filesystems.0.format", "spec 3.2.0 accepts ext4, btrfs, xfs, vfat, swap"),
	} {
		checkFinding(t, "go", rep, w)
	}
	cfg.Storage = Storage{
		Disks:       []Disk{{Device: "/dev/vda", Partitions: []Partition{{Number: 1}, {Number: 2}}}},
		Raid:        []Raid{{Name: "md", Level: vStr("raid1"), Devices: []string{"/dev/vdb", "/dev/vdc"}, Spares: vInt(1)}},
		Luks:        []Luks{{Name: "crypt", Device: vStr("/dev/vdd"), Clevis: Clevis{Tpm2: vBool(true)}}},
		Filesystems: []Filesystem{{Device: "/dev/mapper/crypt", Format: vStr("ext4"), Path: vStr("/var")}},
	}
	checkFinding(t, "go fixed", Validate(cfg), noFindings)
}

// TestClevisCustomPresence32: spec 3.2.0 declares custom a pointer, so an
// empty custom object next to tpm2 is refused there, and only there.
func TestClevisCustomPresence32(t *testing.T) {
	body := luks(`{"name":"a","device":"/dev/vda","clevis":{"custom":{},"tpm2":true}}`)
	for _, v := range Versions[2:] {
		want := noFindings
		if v == V3_2 {
			want = wantErr("storage.luks.0.clevis", "cannot be combined")
		}
		checkFinding(t, v.String(), parseRep(t, withIgnition(v, "", `"storage":`+body)), want)
	}
}
