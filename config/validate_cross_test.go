package config

import "testing"

func TestCrossRules(t *testing.T) {
	unit := `"systemd":{"units":[{"name":"app.service","contents":"[Service]\nExecStart=/bin/true\n","dropins":[{"name":"10-env.conf","contents":"[Service]\nEnvironment=A=1\n"}]},{"name":"other.service","enabled":false},{"name":"masked.service","mask":true}]}`
	cases := []struct {
		name, rest string
		want       finding
	}{
		{"unit and file apart", unit + `,"storage":{"files":[{"path":"/etc/systemd/system/app.service.wants/x"}]}`, noFindings},
		{"file over unit", unit + `,"storage":{"files":[{"path":"/etc/systemd/system/app.service"}]}`, wantErr("storage.files.0.path", "also written by the systemd section (systemd.units.0)")},
		{"link over dropin", unit + `,"storage":{"links":[{"path":"/etc/systemd/system/app.service.d/10-env.conf","target":"/x"}]}`, wantErr("storage.links.0.path", "systemd.units.0.dropins.0")},
		{"directory over mask", unit + `,"storage":{"directories":[{"path":"/etc/systemd/system/masked.service"}]}`, wantWarn("storage.directories.0.path", "systemd.units.2")},
		{"file over unit only enabled", unit + `,"storage":{"files":[{"path":"/etc/systemd/system/other.service"}]}`, noFindings},
		{"filesystem over partitioned disk", `"storage":{"disks":[{"device":"/dev/vda","partitions":[{"number":1}]}],"filesystems":[{"device":"/dev/vda","format":"ext4"}]}`, wantWarn("storage.filesystems.0.device", "filesystem over a partitioned device")},
		{"filesystem over wiped disk", `"storage":{"disks":[{"device":"/dev/vda","wipeTable":true}],"filesystems":[{"device":"/dev/vda","format":"ext4"}]}`, noFindings},
		{"filesystem on raid member", `"storage":{"raid":[{"name":"md","level":"raid1","devices":["/dev/vda","/dev/vdb"]}],"filesystems":[{"device":"/dev/vdb","format":"ext4"}]}`, wantWarn("storage.filesystems.0.device", "already used by storage.raid.0.devices.1")},
		{"filesystem on array", `"storage":{"raid":[{"name":"md","level":"raid1","devices":["/dev/vda","/dev/vdb"]}],"filesystems":[{"device":"/dev/md/md","format":"ext4"}]}`, noFindings},
		{"same mount path", `"storage":{"filesystems":[{"device":"/dev/vda1","format":"ext4","path":"/var"},{"device":"/dev/vda2","format":"ext4","path":"/var"}]}`, wantWarn("storage.filesystems.1.path", "both mounted")},
	}
	for _, c := range cases {
		for _, v := range Versions {
			checkFinding(t, c.name+" "+v.String(), parseRep(t, withIgnition(v, "", c.rest)), c.want)
		}
	}
}

func TestCrossLuksRules(t *testing.T) {
	luksOn := func(dev string) string {
		return `"storage":{"luks":[{"name":"c","device":"/dev/vda"}],"filesystems":[{"device":"` + dev + `","format":"xfs"}],"raid":[{"name":"md","level":"raid1","devices":["/dev/vdb","/dev/vdc"]}]}`
	}
	for _, v := range Versions[2:] {
		checkFinding(t, "fs on luks device "+v.String(), parseRep(t, withIgnition(v, "", luksOn("/dev/vda"))), wantWarn("storage.filesystems.0.device", "already used by storage.luks.0.device"))
		checkFinding(t, "fs on mapper "+v.String(), parseRep(t, withIgnition(v, "", luksOn("/dev/mapper/c"))), noFindings)
		checkFinding(t, "luks on raid member "+v.String(), parseRep(t, withIgnition(v, "",
			`"storage":{"raid":[{"name":"md","level":"raid1","devices":["/dev/vda","/dev/vdb"]}],"luks":[{"name":"c","device":"/dev/vdb"}]}`)),
			wantWarn("storage.raid.0.devices.1", "already used by storage.luks.0.device"))
	}
}

func TestCrossErrorPosition(t *testing.T) {
	src := `{"ignition": {"version": "3.0.0"},
"systemd": {"units": [{"name": "a.service", "mask": true}]},
"storage": {"files": [
  {"path": "/etc/systemd/system/a.service"}]}}`
	rep := parseRep(t, src)
	for _, e := range rep.Entries {
		if e.Path.String() == "storage.files.0.path" {
			if e.Line != 4 || e.Column != 12 {
				t.Errorf("position %d:%d, want 4:12", e.Line, e.Column)
			}
			return
		}
	}
	t.Fatalf("no finding at the file path:\n%s", rep)
}

func TestCrossValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{Version: "3.0.0"},
		Systemd: Systemd{Units: []Unit{{Name: "a.service", Contents: vStr("[Unit]\n")}}},
		Storage: Storage{Files: []File{{Node: Node{Path: "/etc/systemd/system/a.service"}}}},
	}
	checkFinding(t, "collision", Validate(cfg), wantErr("storage.files.0.path", "systemd.units.0"))
	cfg.Storage.Files[0].Path = "/etc/systemd/system/b.service"
	checkFinding(t, "fixed", Validate(cfg), noFindings)
}
