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
		{"empty name", `[{"enabled":true}]`, wantErr("systemd.units.0.name", "unit name is required")},
		{"slash", `[{"name":"a/b.service"}]`, wantErr("systemd.units.0.name", `contains "/"`)},
		{"only suffix", `[{"name":".service"}]`, wantErr("systemd.units.0.name", "no name before")},
		{"two at", `[{"name":"a@b@c.service"}]`, wantErr("systemd.units.0.name", "more than one '@'")},
		{"too long", `[{"name":"` + strings.Repeat("a", 250) + `.service"}]`, wantErr("systemd.units.0.name", "longer than 255")},
		{"duplicate", `[{"name":"a.service"},{"name":"b.timer"},{"name":"a.service"}]`, wantErr("systemd.units.2.name", "duplicate unit")},
		{"key before section", `[` + unitJSON("a.service", "", "\nExecStart=/bin/true\n") + `]`, wantErr("systemd.units.0.contents", "line 2: setting \"ExecStart\" comes before any [Section] header")},
		{"garbage line", `[` + unitJSON("a.service", "", "[Service]\nExecStart=/bin/true\nthis is not valid\n") + `]`, wantErr("systemd.units.0.contents", "line 3: \"this is not valid\" is neither")},
		{"unclosed section", `[` + unitJSON("a.service", "", "[Service\nA=b\n") + `]`, wantErr("systemd.units.0.contents", "line 1: section header \"[Service\" has no closing ']'")},
		{"empty key", `[` + unitJSON("a.service", "", "[Service]\n=b\n") + `]`, wantErr("systemd.units.0.contents", "line 2: setting has no key")},
		{"continuation keeps line numbers", `[` + unitJSON("a.service", "", "[Service]\nA=b \\\n c \\\n d\noops\n") + `]`, wantErr("systemd.units.0.contents", "line 5:")},
		{"enabled no install", `[` + unitJSON("a.service", "true", "[Service]\nExecStart=/bin/true\n") + `]`, wantWarn("systemd.units.0.enabled", "no [Install] section")},
		{"disabled no install ok", `[` + unitJSON("a.service", "false", "[Service]\nExecStart=/bin/true\n") + `]`, noFindings},
		{"enabled no contents ok", `[{"name":"sshd.service","enabled":true}]`, noFindings},
		{"masked and enabled", `[{"name":"a.service","mask":true,"enabled":true}]`, wantErr("systemd.units.0.enabled", "both masked and enabled")},
		{"masked with contents", `[{"name":"a.service","mask":true,"contents":"[Service]\nA=b\n"}]`, wantWarn("systemd.units.0.contents", "masked")},
		{"masked disabled ok", `[{"name":"a.service","mask":true,"enabled":false}]`, noFindings},
		{"dropins ok", `[{"name":"a.service","dropins":[{"name":"10-a.conf","contents":"[Service]\nEnvironment=A=1\n"},{"name":"20-b.conf"}]}]`, noFindings},
		{"dropin suffix", `[{"name":"a.service","dropins":[{"name":"10-a"}]}]`, wantErr("systemd.units.0.dropins.0.name", `must end in ".conf"`)},
		{"dropin only suffix", `[{"name":"a.service","dropins":[{"name":".conf"}]}]`, wantErr("systemd.units.0.dropins.0.name", `must end in ".conf"`)},
		{"dropin slash", `[{"name":"a.service","dropins":[{"name":"../x.conf"}]}]`, wantErr("systemd.units.0.dropins.0.name", "without '/'")},
		{"dropin no name", `[{"name":"a.service","dropins":[{"contents":""}]}]`, wantErr("systemd.units.0.dropins.0.name", "required")},
		{"dropin duplicate", `[{"name":"a.service","dropins":[{"name":"x.conf"},{"name":"x.conf"}]}]`, wantErr("systemd.units.0.dropins.1.name", "duplicate drop-in")},
		{"same dropin in two units ok", `[{"name":"a.service","dropins":[{"name":"x.conf"}]},{"name":"b.service","dropins":[{"name":"x.conf"}]}]`, noFindings},
		{"dropin contents", `[{"name":"a.service","dropins":[{"name":"x.conf","contents":"[Service]\nnope\n"}]}]`, wantErr("systemd.units.0.dropins.0.contents", "drop-in x.conf contents are not a valid unit file: line 2")},
	}
	for _, c := range cases {
		for _, v := range []Version{V3_0, V3_6} {
			checkFinding(t, c.name+" "+v.String(), parseRep(t, withIgnition(v, "", `"systemd":{"units":`+c.units+`}`)), c.want)
		}
	}
}

func TestParseUnitFile(t *testing.T) {
	f, err := parseUnitFile(goodService)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.sections) != 3 || f.sections[0].name != "Unit" || !f.hasSection("Install") {
		t.Fatalf("sections = %+v", f.sections)
	}
	desc := f.sections[0].options[0]
	if desc.key != "Description" || desc.value != "Example  spanning lines" || desc.line != 4 {
		t.Errorf("continued option = %+v", desc)
	}
	if f, err := parseUnitFile("\r\n[Service]\r\nA=b\r\n"); err != nil || f.sections[0].options[0].value != "b" {
		t.Errorf("CRLF text: %v", err)
	}
	if _, err := parseUnitFile("[Service] trailing\n"); err == nil {
		t.Error("text after a section header was accepted")
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
