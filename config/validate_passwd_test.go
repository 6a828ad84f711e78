package config

import "testing"

func TestPasswdRules(t *testing.T) {
	all, from32 := Versions, []Version{V3_2, V3_3, V3_4, V3_5, V3_6}
	cases := []struct {
		name     string
		versions []Version
		passwd   string
		want     finding
	}{
		{"users ok", all, `{"users":[{"name":"core","uid":1000,"homeDir":"/var/home/core","shell":"/bin/bash","groups":["wheel","sudo"],"sshAuthorizedKeys":["ssh-ed25519 AAAA a","ssh-ed25519 BBBB b"]}]}`, noFindings},
		{"user name missing", all, `{"users":[{"uid":1000}]}`, wantWarn("passwd.users.0.name", "user has no name; creating it will fail")},
		{"user name empty", all, `{"users":[{"name":""}]}`, wantWarn("passwd.users.0.name", "no name")},
		{"user names empty twice", all, `{"users":[{"name":""},{}]}`, wantErr("passwd.users.1.name", "duplicate user name")},
		{"user name newline", all, `{"users":[{"name":"a\nroot::0:0::/:/bin/sh"}]}`, wantErr("passwd.users.0.name", `safety rule "no line or field breaks in system files"`)},
		{"user name space", all, `{"users":[{"name":"a b"}]}`, wantErr("passwd.users.0.name", "whitespace")},
		{"gecos space ok", all, `{"users":[{"name":"a","gecos":"Demo User"}]}`, noFindings},
		{"gecos newline", all, `{"users":[{"name":"a","gecos":"A\nB"}]}`, wantErr("passwd.users.0.gecos", `control character`)},
		{"shell newline", all, `{"users":[{"name":"a","shell":"/bin/sh\n"}]}`, wantErr("passwd.users.0.shell", `safety rule`)},
		{"group newline", all, `{"groups":[{"name":"g\nx"}]}`, wantErr("passwd.groups.0.name", `safety rule`)},
		{"supplementary group comma", all, `{"users":[{"name":"a","groups":["wheel,root"]}]}`, wantErr("passwd.users.0.groups.0", `safety rule`)},
		{"primary group colon", all, `{"users":[{"name":"a","primaryGroup":"a:b"}]}`, wantErr("passwd.users.0.primaryGroup", `safety rule`)},
		{"user name colon", all, `{"users":[{"name":"a:b"}]}`, wantErr("passwd.users.0.name", "contains ':'")},
		{"user name dash", all, `{"users":[{"name":"-rf"}]}`, wantErr("passwd.users.0.name", "starts with '-'")},
		{"user duplicate", all, `{"users":[{"name":"core"},{"name":"core"}]}`, wantErr("passwd.users.1.name", "duplicate user name")},
		{"uid negative", all, `{"users":[{"name":"a","uid":-1}]}`, wantErr("passwd.users.0.uid", "out of range")},
		{"uid too big", all, `{"users":[{"name":"a","uid":4294967295}]}`, wantErr("passwd.users.0.uid", `out of range; the limit is 0 to 4294967294 (safety rule "sizes and ids in range"`)},
		{"uid max ok", all, `{"users":[{"name":"a","uid":4294967294}]}`, noFindings},
		{"homeDir relative", all, `{"users":[{"name":"a","homeDir":"home/a"}]}`, wantWarn("passwd.users.0.homeDir", "not an absolute path")},
		{"shell relative", all, `{"users":[{"name":"a","shell":"bash"}]}`, wantWarn("passwd.users.0.shell", "not an absolute path")},
		{"gecos colon", all, `{"users":[{"name":"a","gecos":"A:B"}]}`, wantErr("passwd.users.0.gecos", "':'")},
		{"password hash newline", all, `{"users":[{"name":"a","passwordHash":"$6$x\n"}]}`, wantErr("passwd.users.0.passwordHash", "control character")},
		{"ssh key duplicate", all, `{"users":[{"name":"a","sshAuthorizedKeys":["ssh-rsa K a","ssh-rsa K a"]}]}`, wantErr("passwd.users.0.sshAuthorizedKeys.1", "duplicate SSH")},
		{"ssh key empty", all, `{"users":[{"name":"a","sshAuthorizedKeys":[" "]}]}`, wantWarn("passwd.users.0.sshAuthorizedKeys.0", "empty")},
		{"ssh key two lines", all, `{"users":[{"name":"a","sshAuthorizedKeys":["ssh-rsa K a\nssh-rsa L b"]}]}`, wantWarn("passwd.users.0.sshAuthorizedKeys.0", "line break")},
		{"group listed twice", all, `{"users":[{"name":"a","groups":["wheel","wheel"]}]}`, wantErr("passwd.users.0.groups.1", "listed twice")},
		{"empty group", all, `{"users":[{"name":"a","groups":[""]}]}`, wantWarn("passwd.users.0.groups.0", "empty")},
		{"empty primary group", all, `{"users":[{"name":"a","primaryGroup":""}]}`, wantWarn("passwd.users.0.primaryGroup", "empty")},
		{"delete user ok", from32, `{"users":[{"name":"core","shouldExist":false}]}`, noFindings},
		{"delete user with fields", from32, `{"users":[{"name":"core","shouldExist":false,"uid":1000,"shell":"/bin/sh"}]}`, wantWarn("passwd.users.0.shouldExist", "shell, uid are ignored")},
		{"groups ok", all, `{"groups":[{"name":"docker","gid":990,"system":true},{"name":"dev"}]}`, noFindings},
		{"group name missing", all, `{"groups":[{"gid":5}]}`, wantWarn("passwd.groups.0.name", "group has no name")},
		{"group duplicate", all, `{"groups":[{"name":"dev"},{"name":"dev"}]}`, wantErr("passwd.groups.1.name", "duplicate group name")},
		{"gid out of range", all, `{"groups":[{"name":"dev","gid":-2}]}`, wantErr("passwd.groups.0.gid", "out of range")},
		{"delete group with gid", from32, `{"groups":[{"name":"dev","shouldExist":false,"gid":5}]}`, wantWarn("passwd.groups.0.shouldExist", "gid is ignored")},
		{"user and group same name ok", all, `{"users":[{"name":"dev"}],"groups":[{"name":"dev"}]}`, noFindings},
	}
	for _, c := range cases {
		for _, v := range c.versions {
			checkFinding(t, c.name+" "+v.String(), parseRep(t, withIgnition(v, "", `"passwd":`+c.passwd)), c.want)
		}
	}
}

func TestPasswdValidateGo(t *testing.T) {
	cfg := Config{Ignition: Ignition{Version: "3.2.0"}, Passwd: Passwd{Users: []PasswdUser{
		{Name: "a", HomeDir: vStr("relative")},
		{Name: "b", ShouldExist: vBool(false), SSHAuthorizedKeys: []string{"k"}},
	}}}
	rep := Validate(cfg)
	checkFinding(t, "homeDir", rep, wantWarn("passwd.users.0.homeDir", "absolute"))

	cfg.Passwd.Users[0].HomeDir = vStr("/home/a")
	checkFinding(t, "deleted", Validate(cfg), wantWarn("passwd.users.1.shouldExist", "sshAuthorizedKeys is ignored"))
	cfg.Passwd.Users[1].SSHAuthorizedKeys = nil
	checkFinding(t, "fixed", Validate(cfg), noFindings)
}
