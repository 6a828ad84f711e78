package files

import (
	"context"
	"path"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

// SSHKeysFile is the fragment, under a user's ~/.ssh/authorized_keys.d/,
// that holds the keys from the config.
const SSHKeysFile = "kindling"

// passwd creates, changes and deletes groups, then users, with the
// target's own shadow-utils semantics: useradd and friends run with --root
// so they edit the target's /etc/passwd, /etc/shadow, /etc/group and
// /etc/gshadow and read its /etc/login.defs.
func (p *provisioner) passwd(ctx context.Context) error {
	pw := p.cfg.Passwd
	if len(pw.Groups)+len(pw.Users) == 0 {
		return nil
	}
	p.status("files: %d groups, %d users", len(pw.Groups), len(pw.Users))
	made, err := p.env.MadeDirs()
	if err != nil {
		return err
	}
	for i, g := range pw.Groups {
		accts, err := readAccounts(p.root)
		if err != nil {
			return err
		}
		if err := p.group(ctx, accts, g); err != nil {
			return stages.Errorf(report.Path{"passwd", "groups", i}, g.Name, "%w", err)
		}
	}
	for i, u := range pw.Users {
		accts, err := readAccounts(p.root)
		if err != nil {
			return err
		}
		path := report.Path{"passwd", "users", i}
		if err := p.user(ctx, accts, u); err != nil {
			return stages.Errorf(path, u.Name, "%w", err)
		}
		if err := p.homeMountDirs(u, made); err != nil {
			return stages.Errorf(path, u.Name, "%w", err)
		}
		if boolOr(u.ShouldExist, true) && len(u.SSHAuthorizedKeys) > 0 {
			if err := p.sshKeys(u); err != nil {
				return stages.Errorf(path.Append("sshAuthorizedKeys"), u.Name, "%w", err)
			}
		}
	}
	return nil
}

// homeMountDirs gives the user the directories the mount stage made at or
// under the user's home, mode 0700, as Ignition does: the home of a new
// user that holds a mount point already exists when useradd runs, so
// useradd leaves it (and the directories down to the mount point, and the
// mounted filesystem's root) to root. Not for a user who is deleted or
// whose home is not to be created. made is the mount stage's list
// (Env.MadeDirs).
func (p *provisioner) homeMountDirs(u config.PasswdUser, made []string) error {
	if len(made) == 0 || !boolOr(u.ShouldExist, true) || boolOr(u.NoCreateHome, false) {
		return nil
	}
	accts, err := readAccounts(p.root)
	if err != nil {
		return err
	}
	acct, ok := accts.users[u.Name]
	if !ok || acct.home == "" || !path.IsAbs(acct.home) {
		return nil
	}
	home := path.Clean(acct.home)
	for _, dir := range made {
		if dir != home && !strings.HasPrefix(dir, home+"/") {
			continue
		}
		if err := p.root.Chown(dir, acct.uid, acct.gid); err != nil {
			return err
		}
		if err := p.root.Chmod(dir, 0o700); err != nil {
			return err
		}
		p.env.Log.Info("gave a mount point's directory to the user", "path", dir, "user", u.Name)
	}
	return nil
}

func (p *provisioner) tool(ctx context.Context, secret bool, name string, args ...string) error {
	args = append([]string{"--root", p.root.Dir()}, args...)
	_, err := command.RunOpts(ctx, command.Options{Secret: secret}, name, args...)
	return err
}

func (p *provisioner) group(ctx context.Context, accts *accounts, g config.PasswdGroup) error {
	gid, exists := accts.groups[g.Name]
	if !boolOr(g.ShouldExist, true) {
		if !exists {
			return nil
		}
		return p.tool(ctx, false, "groupdel", g.Name)
	}
	if exists {
		// The group stays; only a different gid is worth changing.
		if g.Gid != nil && *g.Gid != gid {
			return p.tool(ctx, false, "groupmod", "--gid", strconv.Itoa(*g.Gid), g.Name)
		}
		return nil
	}
	var args []string
	if g.Gid != nil {
		args = append(args, "--gid", strconv.Itoa(*g.Gid))
	}
	if boolOr(g.System, false) {
		args = append(args, "--system")
	}
	if err := p.tool(ctx, false, "groupadd", append(args, g.Name)...); err != nil {
		return err
	}
	if h := str(g.PasswordHash); h != "" {
		// Separate call so the hash never appears in a logged command line.
		return p.tool(ctx, true, "groupmod", "--password", h, g.Name)
	}
	return nil
}

func (p *provisioner) user(ctx context.Context, accts *accounts, u config.PasswdUser) error {
	_, exists := accts.users[u.Name]
	if !boolOr(u.ShouldExist, true) {
		if !exists {
			return nil
		}
		return p.tool(ctx, false, "userdel", u.Name)
	}
	// Fields both useradd and usermod take.
	var args []string
	if u.UID != nil {
		args = append(args, "--uid", strconv.Itoa(*u.UID))
	}
	if u.Gecos != nil {
		args = append(args, "--comment", *u.Gecos)
	}
	if u.HomeDir != nil {
		// usermod names it --home, useradd --home-dir; --home-dir is
		// what every useradd (and Ignition's test stand-ins) accepts.
		flag := "--home"
		if !exists {
			flag = "--home-dir"
		}
		args = append(args, flag, *u.HomeDir)
	}
	if u.PrimaryGroup != nil {
		args = append(args, "--gid", *u.PrimaryGroup)
	}
	if len(u.Groups) > 0 {
		args = append(args, "--groups", strings.Join(u.Groups, ","))
	}
	if u.Shell != nil {
		args = append(args, "--shell", *u.Shell)
	}
	if exists {
		if len(args) > 0 {
			if err := p.tool(ctx, false, "usermod", append(args, u.Name)...); err != nil {
				return err
			}
		}
	} else {
		// Options that only mean something for a new account.
		if boolOr(u.NoCreateHome, false) {
			args = append(args, "--no-create-home")
		} else {
			args = append(args, "--create-home")
		}
		if boolOr(u.NoUserGroup, false) {
			args = append(args, "--no-user-group")
		}
		if boolOr(u.NoLogInit, false) {
			args = append(args, "--no-log-init")
		}
		if boolOr(u.System, false) {
			args = append(args, "--system")
		}
		// The hash goes in with useradd, as Ignition does, so the account
		// is never there without it; the call is then kept out of the log.
		if u.PasswordHash != nil {
			args = append(args, "--password", *u.PasswordHash)
		}
		return p.tool(ctx, u.PasswordHash != nil, "useradd", append(args, u.Name)...)
	}
	if u.PasswordHash != nil {
		return p.tool(ctx, true, "usermod", "--password", *u.PasswordHash, u.Name)
	}
	return nil
}

// sshKeys writes the user's keys to ~/.ssh/authorized_keys.d/kindling,
// creating ~/.ssh and the fragment directory (0700, owned by the user)
// when missing. The home directory comes from the target's /etc/passwd and
// is resolved inside the root like every other path.
func (p *provisioner) sshKeys(u config.PasswdUser) error {
	accts, err := readAccounts(p.root)
	if err != nil {
		return err
	}
	acct, ok := accts.users[u.Name]
	if !ok {
		return errorString("user was not created")
	}
	if acct.home == "" || !strings.HasPrefix(acct.home, "/") {
		return errorString("user has no absolute home directory")
	}
	owner := rootfs.Owner{UID: acct.uid, GID: acct.gid}
	for _, dir := range []string{acct.home + "/.ssh", acct.home + "/.ssh/authorized_keys.d"} {
		_, exists, err := p.root.Lstat(dir)
		if err != nil {
			return err
		}
		if exists {
			continue
		}
		if err := p.root.Mkdir(dir, 0o700, owner); err != nil {
			return err
		}
	}
	var b strings.Builder
	for _, k := range u.SSHAuthorizedKeys {
		b.WriteString(strings.TrimSpace(k) + "\n")
	}
	return p.root.WriteFile(acct.home+"/.ssh/authorized_keys.d/"+SSHKeysFile, strings.NewReader(b.String()),
		rootfs.WriteOptions{Mode: 0o600, Owner: owner})
}

type errorString string

func (e errorString) Error() string { return string(e) }
