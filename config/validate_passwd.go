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

// uniqueAccountName checks a user or group name: present, usable in
// /etc/passwd and /etc/group, and unique in its list.
func (v *validator) uniqueAccountName(name string, path report.Path, what string, seen map[string]int, i int) {
	np := path.Append("name")
	if name == "" {
		v.errorf(np, "%s name is required", what)
		return
	}
	if msg := accountNameProblem(name); msg != "" {
		v.errorf(np, "%s name %q %s", what, name, msg)
	}
	if j, dup := seen[name]; dup {
		v.errorf(np, "duplicate %s name %q (also entry %d); every %s must have a unique name", what, name, j, what)
		return
	}
	seen[name] = i
}

// accountNameProblem says why a name cannot be a user or group name, or "".
func accountNameProblem(name string) string {
	switch {
	case strings.ContainsAny(name, ":,/ \t\r\n\x00"):
		return "contains ':', ',', '/', whitespace or NUL, which the account databases cannot hold"
	case strings.HasPrefix(name, "-"):
		return "starts with '-'"
	case name == "." || name == "..":
		return "is not a valid name"
	}
	return ""
}

func (v *validator) user(u *PasswdUser, path report.Path) {
	v.id(u.UID, path.Append("uid"), "uid")
	if u.HomeDir != nil {
		v.absoluteField(*u.HomeDir, path.Append("homeDir"), "home directory")
	}
	if u.Shell != nil {
		v.absoluteField(*u.Shell, path.Append("shell"), "shell")
	}
	if u.Gecos != nil && strings.ContainsAny(*u.Gecos, ":\n\x00") {
		v.errorf(path.Append("gecos"), "gecos contains ':', a line break or NUL, which /etc/passwd cannot hold")
	}
	v.noFieldSeparator(u.PasswordHash, path.Append("passwordHash"), "password hash")
	if u.PrimaryGroup != nil && *u.PrimaryGroup == "" {
		v.errorf(path.Append("primaryGroup"), "primaryGroup is empty; name a group or omit the field")
	}
	v.supplementaryGroups(u.Groups, path.Append("groups"))
	v.sshKeys(u.SSHAuthorizedKeys, path.Append("sshAuthorizedKeys"))
	if u.ShouldExist != nil && !*u.ShouldExist {
		v.ignoredWhenDeleted(path, "user", userSetFields(u))
	}
}

func (v *validator) group(g *PasswdGroup, path report.Path) {
	v.id(g.Gid, path.Append("gid"), "gid")
	v.noFieldSeparator(g.PasswordHash, path.Append("passwordHash"), "password hash")
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

// id checks a uid or gid range.
func (v *validator) id(id *int, path report.Path, what string) {
	if id != nil && (*id < 0 || *id > maxID) {
		v.errorf(path, "%s %d is out of range; expected 0 to %d", what, *id, maxID)
	}
}

// absoluteField checks a path-valued account field.
func (v *validator) absoluteField(s string, path report.Path, what string) {
	switch {
	case !strings.HasPrefix(s, "/"):
		v.errorf(path, "%s %q must be an absolute path (starting with /)", what, s)
	case strings.ContainsAny(s, ":\n\x00"):
		v.errorf(path, "%s %q contains ':', a line break or NUL, which /etc/passwd cannot hold", what, s)
	}
}

func (v *validator) noFieldSeparator(s *string, path report.Path, what string) {
	if s != nil && strings.ContainsAny(*s, ":\n\x00") {
		v.errorf(path, "%s contains ':', a line break or NUL, which the shadow database cannot hold", what)
	}
}

// supplementaryGroups checks group names of a user: non-empty, listed once.
func (v *validator) supplementaryGroups(groups []string, path report.Path) {
	seen := map[string]int{}
	for i, g := range groups {
		switch j, dup := seen[g]; {
		case g == "":
			v.errorf(path.Append(i), "supplementary group name is empty")
		case dup:
			v.warnf(path.Append(i), "group %q is listed twice (also entry %d)", g, j)
		default:
			seen[g] = i
		}
	}
}

// sshKeys checks authorized keys: each one line, non-empty, unique.
func (v *validator) sshKeys(keys []string, path report.Path) {
	seen := map[string]int{}
	for i, k := range keys {
		trimmed := strings.TrimSpace(k)
		switch j, dup := seen[trimmed]; {
		case trimmed == "":
			v.errorf(path.Append(i), "SSH authorized key is empty")
		case strings.ContainsAny(trimmed, "\r\n"):
			v.errorf(path.Append(i), "SSH authorized key contains a line break; give each key as its own list entry")
		case dup:
			v.errorf(path.Append(i), "duplicate SSH authorized key (also entry %d); all keys must be unique", j)
		default:
			seen[trimmed] = i
		}
	}
}
