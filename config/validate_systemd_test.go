package config

import (
	"encoding/json"
	"strings"
	"testing"
)

// unitJSON renders one unit list entry with the given contents.
func unitJSON(name string, enabled string, contents string) string {
	c, _ := json.Marshal(contents)
	s := `{"name":"` + name + `","contents":` + string(c)
	if enabled != "" {
		s += `,"enabled":` + enabled
	}
	return s + "}"
}

const goodService = "# comment\n; other comment\n[Unit]\nDescription=Example \\\n  spanning lines\nAfter=network.target\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/echo hi\n\n[Install]\nWantedBy=multi-user.target\n"

func TestSystemdRules(t *testing.T) {
	cases := []struct {
		name  string
		units string
		want  finding
	}{
		{"ok", `[` + unitJSON("example.service", "true", goodService) + `]`, noFindings},
		{"template and instance ok", `[{"name":"getty@.service","enabled":false},{"name":"getty@tty1.service","mask":true},{"name":"var-lib-x.mount"},{"name":"a\\x2db.slice"}]`, noFindings},
		{"no suffix", `[{"name":"example"}]`, wantErr("systemd.units.0.name", "must end with a unit type")},
		{"bad suffix", `[{"name":"example.conf"}]`, wantErr("systemd.units.0.name", ".service, .socket")},
		{"empty name", `[{"enabled":true}]`, wantErr("systemd.units.0.name", "must end with a unit type")},
		// The spec checks only the suffix; the unit directory and the
		// preset file need more, and the rest is a warning.
		{"slash", `[{"name":"../../etc/x.service"}]`, wantErr("systemd.units.0.name", `safety rule "unit names stay in the unit directory"`)},
		{"space", `[{"name":"a b.service"}]`, wantErr("systemd.units.0.name", `safety rule "no line or field breaks in system files"`)},
		{"newline", `[{"name":"a\nenable b.service"}]`, wantErr("systemd.units.0.name", `safety rule "no line or field breaks in system files"`)},
		{"too long", `[{"name":"` + strings.Repeat("a", 250) + `.service"}]`, wantErr("systemd.units.0.name", "no file name can be longer than 255")},
		{"only suffix", `[{"name":".service"}]`, wantWarn("systemd.units.0.name", "has no name before")},
		{"odd character", `[{"name":"a+b.service"}]`, wantWarn("systemd.units.0.name", `contains "+"; unit names may only contain`)},
		{"duplicate", `[{"name":"a.service"},{"name":"b.timer"},{"name":"a.service"}]`, wantErr("systemd.units.2.name", "duplicate unit")},
		// Unit contents are read by go-systemd, as the spec reads them.
		{"key before section ok", `[` + unitJSON("a.service", "", "\nExecStart=/bin/true\n") + `]`, noFindings},
		{"garbage line", `[` + unitJSON("a.service", "", "[Service]\nExecStart=/bin/true\nthis is not valid\n") + `]`, wantErr("systemd.units.0.contents", "unit a.service contents are not a valid unit file: unexpected newline")},
		{"unclosed section", `[` + unitJSON("a.service", "", "[Service\nA=b\n") + `]`, wantErr("systemd.units.0.contents", "unable to find end of section")},
		{"text after section", `[` + unitJSON("a.service", "", "[Service] x\nA=b\n") + `]`, wantErr("systemd.units.0.contents", "garbage after section")},
		{"last line without =", `[` + unitJSON("a.service", "", "[Service]\nA") + `]`, wantErr("systemd.units.0.contents", "not a valid unit file")},
		{"enabled no install", `[` + unitJSON("a.service", "true", "[Service]\nExecStart=/bin/true\n") + `]`, wantWarn("systemd.units.0.enabled", "no [Install] section")},
		{"disabled no install ok", `[` + unitJSON("a.service", "false", "[Service]\nExecStart=/bin/true\n") + `]`, noFindings},
		{"enabled no contents ok", `[{"name":"sshd.service","enabled":true}]`, noFindings},
		{"masked and enabled", `[{"name":"a.service","mask":true,"enabled":true}]`, wantWarn("systemd.units.0.enabled", "both masked and enabled")},
		{"masked with contents", `[{"name":"a.service","mask":true,"contents":"[Service]\nA=b\n"}]`, wantWarn("systemd.units.0.contents", "masked")},
		{"masked disabled ok", `[{"name":"a.service","mask":true,"enabled":false}]`, noFindings},
		{"instance of template without install", `[{"name":"t@.service","contents":"[Service]\nA=b\n"},{"name":"t@x.service","enabled":true}]`, wantWarn("systemd.units.1.contents", `template unit "t@.service" of "t@x.service" has no [Install]`)},
		// [Install] names are unit names: they become file names.
		{"alias escape", `[` + unitJSON("a.service", "", "[Service]\nA=b\n[Install]\nAlias=../../../etc/passwd\n") + `]`, wantErr("systemd.units.0.contents", `line 4: Alias=../../../etc/passwd: "../../../etc/passwd" contains "/"`)},
		{"wantedby escape", `[` + unitJSON("a.service", "", "[Install]\nWantedBy=multi-user.target ../x.target\n") + `]`, wantErr("systemd.units.0.contents", `"../x.target" contains "/"`)},
		{"requiredby odd", `[` + unitJSON("a.service", "", "[Install]\nRequiredBy=foo\n") + `]`, wantErr("systemd.units.0.contents", `"foo" does not end with a unit type`)},
		{"upheldby and also", `[` + unitJSON("a.service", "", "[Install]\nUpheldBy=x.target\nAlso=../b.socket\n") + `]`, wantErr("systemd.units.0.contents", `line 3: Also=../b.socket`)},
		{"default instance", `[` + unitJSON("a@.service", "", "[Install]\nDefaultInstance=../x\n") + `]`, wantErr("systemd.units.0.contents", `DefaultInstance=../x: the instance contains "/"`)},
		{"install specifiers ok", `[` + unitJSON("a@.service", "", "[Install]\nWantedBy=getty@%i.service\nAlias=b@%i.service\nDefaultInstance=tty1\n") + `]`, noFindings},
		{"alias hidden by comment continuation", `[` + unitJSON("a.service", "", "[Install]\n# note \\\nAlias=../../../etc/passwd\n") + `]`, wantErr("systemd.units.0.contents", `line 3: Alias=../../../etc/passwd`)},
		{"alias continued", `[` + unitJSON("a.service", "", "[Install]\nAlias=a.service \\\n  ../x.service\n") + `]`, wantErr("systemd.units.0.contents", `"../x.service" contains "/"`)},
		{"empty default instance ok", `[` + unitJSON("a@.service", "", "[Install]\nDefaultInstance=\n") + `]`, noFindings},
		{"dropin install escape", `[{"name":"a.service","dropins":[{"name":"x.conf","contents":"[Install]\nAlias=/etc/shadow\n"}]}]`, wantErr("systemd.units.0.dropins.0.contents", `safety rule "unit names stay in the unit directory"`)},
		{"dropins ok", `[{"name":"a.service","dropins":[{"name":"10-a.conf","contents":"[Service]\nEnvironment=A=1\n"},{"name":"20-b.conf"}]}]`, noFindings},
		{"dropin suffix", `[{"name":"a.service","dropins":[{"name":"10-a"}]}]`, wantErr("systemd.units.0.dropins.0.name", `must end in ".conf"`)},
		{"dropin only suffix", `[{"name":"a.service","dropins":[{"name":".conf"}]}]`, wantWarn("systemd.units.0.dropins.0.name", `hidden file`)},
		{"dropin slash", `[{"name":"a.service","dropins":[{"name":"../x.conf"}]}]`, wantErr("systemd.units.0.dropins.0.name", `safety rule "unit names stay in the unit directory"`)},
		{"dropin no name", `[{"name":"a.service","dropins":[{"contents":""}]}]`, wantErr("systemd.units.0.dropins.0.name", `must end in ".conf"`)},
		{"dropin duplicate", `[{"name":"a.service","dropins":[{"name":"x.conf"},{"name":"x.conf"}]}]`, wantErr("systemd.units.0.dropins.1.name", "duplicate drop-in")},
		{"same dropin in two units ok", `[{"name":"a.service","dropins":[{"name":"x.conf"}]},{"name":"b.service","dropins":[{"name":"x.conf"}]}]`, noFindings},
		{"dropin contents", `[{"name":"a.service","dropins":[{"name":"x.conf","contents":"[Service]\nnope\n"}]}]`, wantErr("systemd.units.0.dropins.0.contents", "drop-in x.conf contents are not a valid unit file")},
	}
	for _, c := range cases {
		for _, v := range []Version{V3_0, V3_6} {
			checkFinding(t, c.name+" "+v.String(), parseRep(t, withIgnition(v, "", `"systemd":{"units":`+c.units+`}`)), c.want)
		}
	}
}

func TestSystemdErrorPosition(t *testing.T) {
	src := "{\"ignition\":{\"version\":\"3.4.0\"},\n\"systemd\":{\"units\":[\n  {\"name\":\"bad\"}\n]}}"
	rep := parseRep(t, src)
	checkFinding(t, "bad name", rep, wantErr("systemd.units.0.name", "unit type"))
	if e := rep.Entries[0]; e.Line != 3 || e.Column != 11 {
		t.Errorf("unit name error at %d:%d, want 3:11", e.Line, e.Column)
	}
}

func TestSystemdValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{Version: "3.6.0"}, Systemd: Systemd{Units: []Unit{
		{Name: "a.service", Enabled: vBool(true), Contents: vStr("[Service]\nExecStart=/bin/true\n")},
	}}}
	checkFinding(t, "no install", Validate(cfg), wantWarn("systemd.units.0.enabled", "no [Install]"))
	cfg.Systemd.Units[0].Contents = vStr("[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n")
	checkFinding(t, "fixed", Validate(cfg), noFindings)
}

func TestUnitNameProblem(t *testing.T) {
	for name, bad := range map[string]bool{
		"multi-user.target": false, "getty@tty1.service": false, "getty@.service": false, "a\\x2db.mount": false,
		"../x.service": true, "/etc/passwd": true, "x": true, "a b.service": true, "": true, "@x.service": true,
	} {
		if got := UnitNameProblem(name) != ""; got != bad {
			t.Errorf("UnitNameProblem(%q) = %q", name, UnitNameProblem(name))
		}
	}
	if InstanceProblem("tty1") != "" || InstanceProblem("../x") == "" {
		t.Error("InstanceProblem")
	}
}
