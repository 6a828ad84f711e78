package files

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/internal/rootfs"
)

// account is one line of the target's /etc/passwd.
type account struct {
	name     string
	uid, gid int
	home     string
}

// accounts is the target root's user and group databases, read from its
// own /etc/passwd and /etc/group (never the initramfs's).
type accounts struct {
	users  map[string]account
	groups map[string]int
}

func readAccounts(root *rootfs.Root) (*accounts, error) {
	a := &accounts{users: map[string]account{}, groups: map[string]int{}}
	if err := readColonFile(root, "/etc/passwd", 7, func(f []string) error {
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad uid or gid for %q", f[0])
		}
		a.users[f[0]] = account{name: f[0], uid: uid, gid: gid, home: f[5]}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readColonFile(root, "/etc/group", 4, func(f []string) error {
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			return fmt.Errorf("bad gid for %q", f[0])
		}
		a.groups[f[0]] = gid
		return nil
	}); err != nil {
		return nil, err
	}
	return a, nil
}

// readColonFile calls fn for each well-formed line of a passwd-style file.
// A missing file is an empty database.
func readColonFile(root *rootfs.Root, path string, fields int, fn func([]string) error) error {
	data, err := root.ReadFile(path)
	if err != nil {
		if _, ok, _ := root.Lstat(path); !ok {
			return nil
		}
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) < fields {
			continue
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// uidOf resolves a node's user: ok is false when the config names none.
func (a *accounts) uidOf(u config.NodeUser) (uid int, ok bool, err error) {
	if u.ID != nil {
		return *u.ID, true, nil
	}
	if u.Name != nil && *u.Name != "" {
		acct, found := a.users[*u.Name]
		if !found {
			return 0, false, fmt.Errorf("user %q does not exist in the target's /etc/passwd", *u.Name)
		}
		return acct.uid, true, nil
	}
	return 0, false, nil
}

// gidOf resolves a node's group: ok is false when the config names none.
func (a *accounts) gidOf(g config.NodeGroup) (gid int, ok bool, err error) {
	if g.ID != nil {
		return *g.ID, true, nil
	}
	if g.Name != nil && *g.Name != "" {
		gid, found := a.groups[*g.Name]
		if !found {
			return 0, false, fmt.Errorf("group %q does not exist in the target's /etc/group", *g.Name)
		}
		return gid, true, nil
	}
	return 0, false, nil
}
