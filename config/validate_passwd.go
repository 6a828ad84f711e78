package config

import (
	"strings"

	"github.com/kindling-dev/kindling/config/report"
)

// maxID is the largest valid uid or gid: (uid_t)-1 is reserved as "no id".
const maxID = 1<<32 - 2

// passwd checks the passwd section.
func (v *validator) passwd(c *Passwd) {
	seenUsers := map[string]int{}
	for i := range c.Users {
		p := report.Path{"passwd", "users", i}
		v.uniqueAccountName(c.Users[i].Name, p, "user", seenUsers, i)
		v.user(&c.Users[i], p)
	}
	seenGroups := map[string]int{}
	for i := range c.Groups {
		p := report.Path{"passwd", "groups", i}
		v.uniqueAccountName(c.Groups[i].Name, p, "group", seenGroups, i)
		v.group(&c.Groups[i], p)
	}
}

// uniqueAccountName checks a user or group name: unique in its list (the
// spec keys the lists by name, the empty name included), usable in
// /etc/passwd and /etc/group.
func (v *validator) uniqueAccountName(name string, path report.Path, what string, seen map[string]int, i int) {
	np := path.Append("name")
	if j, dup := seen[name]; dup {
		v.errorf(np, "duplicate %s name %q (also entry %d); every %s must have a unique name", what, name, j, what)
		return
	}
	seen[name] = i
	if name == "" {
		v.warnf(np, "%s has no name; creating it will fail", what)
		return
	}
	v.accountName(name, np, what+" name")
}

// accountName applies the line-field rule to a user or group name: the
// name is a field of /etc/passwd, /etc/group and /etc/shadow, an element of
// comma-separated member lists, the default home directory's last element
// and an argument of useradd/groupadd.
func (v *validator) accountName(name string, p report.Path, what string) {
	switch {
	case hasControl(name) || strings.ContainsAny(name, ":,/ "):
		v.safetyf(p, ruleLineFields, "%s %q contains ':', ',', '/', whitespace or a control character, which would split or add a field or line of the account files", what, name)
	case strings.HasPrefix(name, "-"):
		v.safetyf(p, ruleLineFields, "%s %q starts with '-', which the account tools would read as an option", what, name)
	case name == "." || name == "..":
		v.safetyf(p, ruleLineFields, "%s %q would name a directory above the home directories", what, name)
	}
}

// hasControl reports whether s has an ASCII control character (which
// includes line breaks, tabs and NUL) or DEL.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func (v *validator) user(u *PasswdUser, path report.Path) {
	v.id(u.UID, path.Append("uid"), "uid")
	if u.HomeDir != nil {
		v.accountPath(*u.HomeDir, path.Append("homeDir"), "home directory")
	}
	if u.Shell != nil {
		v.accountPath(*u.Shell, path.Append("shell"), "shell")
	}
	if u.Gecos != nil {
		v.accountField(*u.Gecos, path.Append("gecos"), "gecos")
	}
	if u.PasswordHash != nil {
		v.accountField(*u.PasswordHash, path.Append("passwordHash"), "password hash")
	}
	switch {
	case u.PrimaryGroup == nil:
	case *u.PrimaryGroup == "":
		v.warnf(path.Append("primaryGroup"), "primaryGroup is empty, so it is not set")
	default:
		v.accountName(*u.PrimaryGroup, path.Append("primaryGroup"), "primary group")
	}
	v.supplementaryGroups(u.Groups, path.Append("groups"))
	v.sshKeys(u.SSHAuthorizedKeys, path.Append("sshAuthorizedKeys"))
	if u.ShouldExist != nil && !*u.ShouldExist {
		v.ignoredWhenDeleted(path, "user", userSetFields(u))
	}
}

func (v *validator) group(g *PasswdGroup, path report.Path) {
	v.id(g.Gid, path.Append("gid"), "gid")
	if g.PasswordHash != nil {
		v.accountField(*g.PasswordHash, path.Append("passwordHash"), "password hash")
	}
	if g.ShouldExist != nil && !*g.ShouldExist {
		var set []string
		if g.Gid != nil {
			set = append(set, "gid")
		}
		if g.PasswordHash != nil {
			set = append(set, "passwordHash")
		}
		if g.System != nil {
			set = append(set, "system")
		}
		v.ignoredWhenDeleted(path, "group", set)
	}
}

// ignoredWhenDeleted warns about fields that have no effect because the
// account is deleted (shouldExist false).
func (v *validator) ignoredWhenDeleted(path report.Path, what string, fields []string) {
	if len(fields) > 0 {
		v.warnf(path.Append("shouldExist"), "shouldExist is false, so the %s is deleted and %s %s ignored", what, strings.Join(fields, ", "), pluralVerb(len(fields)))
	}
}

func pluralVerb(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// userSetFields lists the fields of u, other than name and shouldExist,
// that are set.
func userSetFields(u *PasswdUser) []string {
	var set []string
	add := func(isSet bool, name string) {
		if isSet {
			set = append(set, name)
		}
	}
	add(u.Gecos != nil, "gecos")
	add(len(u.Groups) > 0, "groups")
	add(u.HomeDir != nil, "homeDir")
	add(u.NoCreateHome != nil, "noCreateHome")
	add(u.NoLogInit != nil, "noLogInit")
	add(u.NoUserGroup != nil, "noUserGroup")
	add(u.PasswordHash != nil, "passwordHash")
	add(u.PrimaryGroup != nil, "primaryGroup")
	add(len(u.SSHAuthorizedKeys) > 0, "sshAuthorizedKeys")
	add(u.Shell != nil, "shell")
	add(u.System != nil, "system")
	add(u.UID != nil, "uid")
	return set
}

// id checks a uid or gid range: ids are 32 bits, and (uid_t)-1 means "no
// id", so a larger value would be cut to another id (4294967296 to root).
func (v *validator) id(id *int, path report.Path, what string) {
	if id != nil && (*id < 0 || *id > maxID) {
		v.safetyf(path, ruleRanges, "%s %d is out of range; the limit is 0 to %d", what, *id, maxID)
	}
}

// accountPath checks a path-valued account field (home, shell): a field of
// /etc/passwd, and absolute to be of use.
func (v *validator) accountPath(s string, path report.Path, what string) {
	v.accountField(s, path, what)
	if !strings.HasPrefix(s, "/") {
		v.warnf(path, "%s %q is not an absolute path; useradd refuses it and creating the user will fail", what, s)
	}
}

// accountField applies the line-field rule to a field of /etc/passwd or
// /etc/shadow.
func (v *validator) accountField(s string, path report.Path, what string) {
	if hasControl(s) || strings.Contains(s, ":") {
		v.safetyf(path, ruleLineFields, "%s contains ':' or a control character, which would split or add a field or line of the account files", what)
	}
}

// supplementaryGroups checks group names of a user: listed once (as the
// spec requires), each a usable group name.
func (v *validator) supplementaryGroups(groups []string, path report.Path) {
	seen := map[string]int{}
	for i, g := range groups {
		if j, dup := seen[g]; dup {
			v.errorf(path.Append(i), "group %q is listed twice (also entry %d)", g, j)
			continue
		}
		seen[g] = i
		if g == "" {
			v.warnf(path.Append(i), "supplementary group name is empty; useradd refuses it and creating the user will fail")
			continue
		}
		v.accountName(g, path.Append(i), "supplementary group")
	}
}

// sshKeys checks authorized keys: listed once (as the spec requires), and
// each one line.
func (v *validator) sshKeys(keys []string, path report.Path) {
	seen := map[string]int{}
	for i, k := range keys {
		if j, dup := seen[k]; dup {
			v.errorf(path.Append(i), "duplicate SSH authorized key (also entry %d); all keys must be unique", j)
			continue
		}
		seen[k] = i
		switch trimmed := strings.TrimSpace(k); {
		case trimmed == "":
			v.warnf(path.Append(i), "SSH authorized key is empty; it is written as an empty line")
		case strings.ContainsAny(trimmed, "\r\n"):
			v.warnf(path.Append(i), "SSH authorized key contains a line break; it is written as several lines of authorized_keys, each read as a key")
		}
	}
}
