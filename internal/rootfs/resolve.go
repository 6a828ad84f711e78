package rootfs

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// maxSymlinks bounds symlink expansion in the fallback resolver, like the
// kernel's own limit (ELOOP after 40).
const maxSymlinks = 40

// FallbackEnv, set to "1", makes every root opened afterwards resolve
// component by component, the path old kernels take: end-to-end tests
// (and a suspicious operator) use it with the real binary. Package tests
// set Root.fallback instead.
const FallbackEnv = "KINDLING_RESOLVE_FALLBACK"

// Whether the kernel has openat2 is a property of the machine, probed once
// per process; sync.Once makes the probe safe from concurrent callers.
var (
	openat2Once      sync.Once
	openat2Available bool
)

// haveOpenat2 reports whether the running kernel has openat2(2) with
// RESOLVE_IN_ROOT (Linux 5.6 and newer).
func haveOpenat2(rootFD int) bool {
	openat2Once.Do(func() {
		fd, err := unix.Openat2(rootFD, ".", &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_CLOEXEC | unix.O_DIRECTORY,
			Resolve: unix.RESOLVE_IN_ROOT,
		})
		if err == nil {
			unix.Close(fd)
		}
		openat2Available = !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM)
	})
	return openat2Available
}

// resolve opens rel inside r (see openIn), with the resolver r was
// opened with.
func (r *Root) resolve(rel string, flags int) (int, error) {
	return openIn(r.fd, rel, flags, r.fallback)
}

// openIn opens rel (a path relative to the root, "" or "." for the root
// itself) with every component, including the last, resolved as if rootFD
// were "/": absolute symlinks and ".." stay inside. flags are open(2) flags;
// O_NOFOLLOW applies to the last component as usual. fallback skips
// openat2 even where the kernel has it.
func openIn(rootFD int, rel string, flags int, fallback bool) (int, error) {
	if rel == "" {
		rel = "."
	}
	if !fallback && haveOpenat2(rootFD) {
		for {
			fd, err := unix.Openat2(rootFD, rel, &unix.OpenHow{
				Flags:   uint64(flags | unix.O_CLOEXEC),
				Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
			})
			// EAGAIN: a concurrent rename raced the lookup; the kernel
			// asks us to retry.
			if errors.Is(err, unix.EAGAIN) {
				continue
			}
			return fd, err
		}
	}
	return walkIn(rootFD, rel, flags)
}

// walkIn is the resolver for kernels without openat2: it opens one
// component at a time with O_NOFOLLOW and expands symlinks itself, so an
// absolute target restarts at the root and ".." never climbs above it.
func walkIn(rootFD int, rel string, flags int) (int, error) {
	// stack holds the open directories from the root down; stack[0] is a
	// duplicate of rootFD so every entry can be closed the same way.
	root, err := unix.Dup(rootFD)
	if err != nil {
		return -1, err
	}
	stack := []int{root}
	defer func() {
		for _, fd := range stack {
			unix.Close(fd)
		}
	}()
	popTo := func(n int) {
		for len(stack) > n {
			unix.Close(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
		}
	}

	pending := splitPath(rel)
	links := 0
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		last := len(pending) == 0
		switch name {
		case ".":
			if last {
				return unix.Openat(stack[len(stack)-1], ".", flags|unix.O_CLOEXEC, 0)
			}
			continue
		case "..":
			if len(stack) > 1 {
				popTo(len(stack) - 1)
			}
			if last {
				return unix.Openat(stack[len(stack)-1], ".", flags|unix.O_CLOEXEC, 0)
			}
			continue
		}
		cur := stack[len(stack)-1]
		var st unix.Stat_t
		err := unix.Fstatat(cur, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK && !(last && flags&unix.O_NOFOLLOW != 0) {
			links++
			if links > maxSymlinks {
				return -1, unix.ELOOP
			}
			target, err := readlinkAt(cur, name)
			if err != nil {
				return -1, err
			}
			if strings.HasPrefix(target, "/") {
				popTo(1)
			}
			pending = append(splitPath(target), pending...)
			if len(pending) == 0 { // a link to "/"
				pending = []string{"."}
			}
			continue
		}
		if last {
			return unix.Openat(cur, name, flags|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		}
		if err != nil {
			return -1, err
		}
		next, err := unix.Openat(cur, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		stack = append(stack, next)
	}
	return unix.Openat(stack[len(stack)-1], ".", flags|unix.O_CLOEXEC, 0)
}

func readlinkAt(dirFD int, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirFD, name, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		buf = make([]byte, 2*len(buf))
	}
}

// splitPath splits a slash-separated path into its non-empty components.
func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean turns an absolute config path into the parent path and final name,
// both relative to the root. "/" itself has no final name and is refused.
func clean(path string) (dir, name string, err error) {
	if !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("path %q is not absolute", path)
	}
	parts := splitPath(path)
	if len(parts) == 0 {
		return "", "", fmt.Errorf("path %q names the root itself", path)
	}
	name = parts[len(parts)-1]
	if name == "." || name == ".." {
		return "", "", fmt.Errorf("path %q must not end in %q", path, name)
	}
	return strings.Join(parts[:len(parts)-1], "/"), name, nil
}

// ResolveParents returns path with every symlink among its parent
// components resolved as if the root were "/" (absolute targets restart at
// the root, relative ones continue from the link's directory, ".." never
// climbs above the root). The last component is kept as it is, never
// followed. A component that does not exist ends the resolution: the rest
// is taken literally, to be created as directories where the links lead.
// This is where Ignition puts a node: on Fedora CoreOS /usr/local/bin/x
// lands in /var/usrlocal/bin/x through the /usr/local -> ../var/usrlocal
// link, even before /var/usrlocal exists.
func (r *Root) ResolveParents(path string) (string, error) {
	if _, _, err := clean(path); err != nil {
		return "", err
	}
	parts := splitPath(path)
	last := parts[len(parts)-1]
	cur := []string{}
	pending := append([]string(nil), parts[:len(parts)-1]...)
	links := 0
	missing := false
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		switch name {
		case ".":
			continue
		case "..":
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
			missing = false // look again from the parent, which may exist
			continue
		}
		if missing {
			cur = append(cur, name)
			continue
		}
		at := "/" + strings.Join(append(cur, name), "/")
		st, ok, err := r.Lstat(at)
		if err != nil {
			return "", err
		}
		if !ok {
			missing = true
			cur = append(cur, name)
			continue
		}
		if !st.IsSymlink() {
			cur = append(cur, name)
			continue
		}
		if links++; links > maxSymlinks {
			return "", r.pathErr("resolve", path, unix.ELOOP)
		}
		target, err := r.Readlink(at)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			cur = cur[:0]
		}
		pending = append(splitPath(target), pending...)
	}
	return "/" + strings.Join(append(cur, last), "/"), nil
}
