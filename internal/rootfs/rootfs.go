// Package rootfs writes inside a target root directory without ever
// landing outside it. Every path is resolved as if the root were "/":
// symlinks planted in the image (absolute, or climbing with "..") are
// followed inside the root, never out of it. On Linux 5.6 and newer the
// kernel does this race-free (openat2 with RESOLVE_IN_ROOT); older kernels
// get a resolver that walks one component at a time with O_NOFOLLOW.
//
// The final component of a path is never followed when writing: a file is
// written to a temporary name in the same directory and renamed over the
// old node, so a reader sees the old file or the new one, never half of it,
// and a symlink at the destination is replaced, not written through.
package rootfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"golang.org/x/sys/unix"
)

// Root is an open target root. Methods take absolute paths as the config
// writes them ("/etc/hostname"). They are safe for concurrent use as long
// as concurrent calls touch different paths.
type Root struct {
	dir string
	fd  int
	mu  sync.Mutex
	// parent caches open parent directories (O_PATH). It is bounded
	// (maxCachedDirs): a config with thousands of directories must not
	// hold thousands of descriptors against a 1,024 limit.
	parent map[string]*cachedDir
	// swept records directories already cleared of stale temp files.
	swept map[string]bool
	// fallback: resolve component by component even where openat2 works
	// (FallbackEnv, or a test exercising what old kernels run).
	fallback bool
}

// cachedDir is an open directory shared by concurrent calls; it is closed
// when no call uses it any more and it left the cache.
type cachedDir struct {
	fd      int
	refs    int
	evicted bool
}

// maxCachedDirs bounds the directory cache: enough for the parents a
// batch of concurrent writers uses, far below any descriptor limit.
const maxCachedDirs = 256

// Open opens dir as a root. dir must name an existing directory; a
// symlink to one is resolved first, so tools that take plain paths (mount)
// see the same place.
func Open(dir string) (*Root, error) {
	if dir == "" {
		return nil, errors.New("open root: the root directory is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	fd, err := unix.Open(abs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open root", Path: quoteIfNeeded(abs), Err: err}
	}
	return &Root{dir: abs, fd: fd, parent: map[string]*cachedDir{}, swept: map[string]bool{},
		fallback: os.Getenv(FallbackEnv) == "1"}, nil
}

// Dir is the root's absolute path on the host.
func (r *Root) Dir() string { return r.dir }

// Close releases the root and its cached directories. Closing again does
// nothing: a second close(2) of the same number could close a descriptor
// another goroutine has opened since.
func (r *Root) Close() error {
	r.forget(-1)
	r.mu.Lock()
	fd := r.fd
	r.fd = -1
	r.mu.Unlock()
	if fd < 0 {
		return nil
	}
	return unix.Close(fd)
}

// forget drops cached parent directories; called whenever a directory or
// symlink was replaced or removed, since a cached descriptor reached
// through it would point at the old node. A descriptor still in use by
// another call is closed when that call releases it. keep (the parent of
// the replaced node, itself unchanged) stays cached.
func (r *Root) forget(keep int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for dir, d := range r.parent {
		if d.fd != keep {
			r.evictLocked(dir, d)
		}
	}
}

func (r *Root) evictLocked(dir string, d *cachedDir) {
	delete(r.parent, dir)
	d.evicted = true
	if d.refs == 0 {
		unix.Close(d.fd)
	}
}

func (r *Root) release(d *cachedDir) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d.refs--
	if d.evicted && d.refs == 0 {
		unix.Close(d.fd)
	}
}

func (r *Root) pathErr(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: quoteIfNeeded(filepath.Join(r.dir, path)), Err: err}
}

// quoteIfNeeded quotes a path holding control characters (a newline, an
// escape sequence) so an error message shows it instead of obeying it.
func quoteIfNeeded(s string) string {
	for _, c := range s {
		if !unicode.IsPrint(c) || c == '"' || c == '\\' {
			return strconv.Quote(s)
		}
	}
	return s
}

// parentOf returns an O_PATH descriptor of path's parent directory and the
// final name; call done when finished with the descriptor. With create,
// missing parents are made (0755, root-owned), as the spec asks.
func (r *Root) parentOf(path string, create bool) (fd int, name string, done func(), err error) {
	dir, name, err := clean(path)
	if err != nil {
		return -1, "", nil, err
	}
	d, err := r.dirFD(dir, create)
	if err != nil {
		return -1, "", nil, r.pathErr("open parent of", path, err)
	}
	return d.fd, name, func() { r.release(d) }, nil
}

func (r *Root) dirFD(dir string, create bool) (*cachedDir, error) {
	r.mu.Lock()
	if d, ok := r.parent[dir]; ok {
		d.refs++
		r.mu.Unlock()
		return d, nil
	}
	r.mu.Unlock()
	fd, err := r.resolve(dir, unix.O_PATH|unix.O_DIRECTORY)
	if errors.Is(err, unix.ENOENT) && create && dir != "" {
		if err := r.mkdirParents(dir); err != nil {
			return nil, err
		}
		fd, err = r.resolve(dir, unix.O_PATH|unix.O_DIRECTORY)
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.parent[dir]; ok { // another goroutine was quicker
		unix.Close(fd)
		d.refs++
		return d, nil
	}
	if len(r.parent) >= maxCachedDirs {
		for old, d := range r.parent {
			if d.refs == 0 {
				r.evictLocked(old, d)
			}
		}
	}
	d := &cachedDir{fd: fd, refs: 1}
	r.parent[dir] = d
	return d, nil
}

// mkdirParents creates dir (relative) and any missing ancestors.
func (r *Root) mkdirParents(dir string) error {
	up, name := "", dir
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		up, name = dir[:i], dir[i+1:]
	}
	pd, err := r.dirFD(up, true)
	if err != nil {
		return err
	}
	defer r.release(pd)
	if err := unix.Mkdirat(pd.fd, name, 0o755); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return nil
		}
		return err
	}
	// The umask may have trimmed the bits; parents are always 0755.
	return unix.Fchmodat(pd.fd, name, 0o755, 0)
}

// Stat describes an existing node without following a final symlink.
type Stat struct {
	Mode uint32 // full st_mode (type and permission bits)
	UID  int
	GID  int
	Size int64
	Dev  uint64
	Ino  uint64
}

// IsDir, IsRegular and IsSymlink report the node's type.
func (s Stat) IsDir() bool     { return s.Mode&unix.S_IFMT == unix.S_IFDIR }
func (s Stat) IsRegular() bool { return s.Mode&unix.S_IFMT == unix.S_IFREG }
func (s Stat) IsSymlink() bool { return s.Mode&unix.S_IFMT == unix.S_IFLNK }

// Perm is the permission part of the mode, special bits included.
func (s Stat) Perm() uint32 { return s.Mode & 0o7777 }

// Lstat describes the node at path. ok is false when nothing is there
// (including when a parent is missing).
func (r *Root) Lstat(path string) (st Stat, ok bool, err error) {
	pfd, name, done, err := r.parentOf(path, false)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return Stat{}, false, nil
	}
	if err != nil {
		return Stat{}, false, err
	}
	defer done()
	var s unix.Stat_t
	if err := unix.Fstatat(pfd, name, &s, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return Stat{}, false, nil
		}
		return Stat{}, false, r.pathErr("lstat", path, err)
	}
	return Stat{Mode: s.Mode, UID: int(s.Uid), GID: int(s.Gid), Size: s.Size, Dev: s.Dev, Ino: s.Ino}, true, nil
}

// Readlink returns the target of the symlink at path.
func (r *Root) Readlink(path string) (string, error) {
	pfd, name, done, err := r.parentOf(path, false)
	if err != nil {
		return "", err
	}
	defer done()
	t, err := readlinkAt(pfd, name)
	if err != nil {
		return "", r.pathErr("readlink", path, err)
	}
	return t, nil
}

// ReadFile reads a file, following symlinks inside the root.
func (r *Root) ReadFile(path string) ([]byte, error) {
	f, err := r.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// OpenFile opens a regular file for reading, following symlinks inside
// the root. Anything else (a FIFO planted in the image) is refused without
// blocking.
func (r *Root) OpenFile(path string) (*os.File, error) {
	fd, err := r.resolve(strings.TrimPrefix(path, "/"), unix.O_RDONLY|unix.O_NONBLOCK)
	if err != nil {
		return nil, r.pathErr("open", path, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		if err == nil {
			err = errors.New("not a regular file")
		}
		return nil, r.pathErr("open", path, err)
	}
	return os.NewFile(uintptr(fd), filepath.Join(r.dir, path)), nil
}

// Resolve returns the host path path leads to, every symlink followed
// inside the root. For tools that need a plain path (mount).
func (r *Root) Resolve(path string) (string, error) {
	fd, err := r.resolve(strings.TrimPrefix(path, "/"), unix.O_PATH)
	if err != nil {
		return "", r.pathErr("resolve", path, err)
	}
	defer unix.Close(fd)
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", err
	}
	if real != r.dir && !strings.HasPrefix(real, strings.TrimSuffix(r.dir, "/")+"/") {
		return "", r.pathErr("resolve", path, errors.New("resolves outside the root"))
	}
	return real, nil
}

// MkdirAll makes path and any missing parents. Parents are 0755 and owned
// by root; path itself is left for the caller to chmod and chown. It fails
// when a non-directory is in the way.
func (r *Root) MkdirAll(path string) error {
	pfd, name, done, err := r.parentOf(path, true)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Mkdirat(pfd, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return r.pathErr("mkdir", path, err)
	}
	st, _, err := r.Lstat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() && !st.IsSymlink() {
		return r.pathErr("mkdir", path, unix.ENOTDIR)
	}
	return nil
}

// Chown sets owner and group without following a final symlink.
func (r *Root) Chown(path string, uid, gid int) error {
	pfd, name, done, err := r.parentOf(path, false)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Fchownat(pfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return r.pathErr("chown", path, err)
	}
	return nil
}

// Chmod sets the mode (special bits included) of a file or directory; it
// refuses to follow a final symlink.
func (r *Root) Chmod(path string, mode uint32) error {
	pfd, name, done, err := r.parentOf(path, false)
	if err != nil {
		return err
	}
	defer done()
	fd, err := unix.Openat(pfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return r.pathErr("chmod", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return r.pathErr("chmod", path, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return r.pathErr("chmod", path, errors.New("is a symlink"))
	}
	// fchmod does not take O_PATH descriptors; the /proc link to this
	// exact node does, and cannot be swapped underneath us.
	if err := unix.Chmod("/proc/self/fd/"+strconv.Itoa(fd), mode); err != nil {
		return r.pathErr("chmod", path, err)
	}
	return nil
}

// ErrOtherFilesystem is returned when removing or replacing a directory
// would reach into another filesystem mounted below it.
var ErrOtherFilesystem = errors.New("another filesystem is mounted below it; refusing to remove anything there")

// RemoveAll removes the node at path, recursively for a directory, never
// following symlinks. A missing node is not an error. It removes nothing
// when a filesystem other than the one path lives on is mounted anywhere
// below it (a bind mount of host data), and says so.
func (r *Root) RemoveAll(path string) error {
	pfd, name, done, err := r.parentOf(path, false)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer done()
	defer r.forget(pfd)
	if err := removeTree(pfd, name); err != nil && !errors.Is(err, unix.ENOENT) {
		return r.pathErr("remove", path, err)
	}
	return nil
}

// CheckRemovable reports, without changing anything, whether RemoveAll
// could remove path: nil when nothing is there or everything below it is
// on the same filesystem as its parent directory.
func (r *Root) CheckRemovable(path string) error {
	pfd, name, done, err := r.parentOf(path, false)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil
	}
	if err != nil {
		return err
	}
	defer done()
	dev, err := devOf(pfd)
	if err != nil {
		return r.pathErr("stat", path, err)
	}
	if err := sameFS(pfd, name, dev); err != nil && !errors.Is(err, unix.ENOENT) {
		return r.pathErr("remove", path, err)
	}
	return nil
}

// fsID identifies the mount a node is on: a bind mount of another
// directory of the same filesystem has the same st_dev, so the mount id
// (statx, Linux 5.8+) is compared too.
type fsID struct {
	dev   uint64
	mntID uint64
}

func fsIDAt(dirFD int, name string) (fsID, uint32, error) {
	var sx unix.Statx_t
	err := unix.Statx(dirFD, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH, unix.STATX_TYPE|unix.STATX_MNT_ID, &sx)
	if err != nil {
		return fsID{}, 0, err
	}
	id := fsID{dev: unix.Mkdev(sx.Dev_major, sx.Dev_minor)}
	if sx.Mask&unix.STATX_MNT_ID != 0 {
		id.mntID = sx.Mnt_id
	}
	return id, uint32(sx.Mode), nil
}

func devOf(fd int) (fsID, error) {
	id, _, err := fsIDAt(fd, "")
	return id, err
}

// removeTree removes name below dirFD after checking that the whole tree
// is on dirFD's filesystem, so a mount point found halfway does not leave
// a half-removed tree.
func removeTree(dirFD int, name string) error {
	dev, err := devOf(dirFD)
	if err != nil {
		return err
	}
	if err := sameFS(dirFD, name, dev); err != nil {
		return err
	}
	return removeAt(dirFD, name, dev)
}

// sameFS walks the tree at name (not following symlinks) and fails with
// ErrOtherFilesystem at the first node on another device than dev.
func sameFS(dirFD int, name string, dev fsID) error {
	id, mode, err := fsIDAt(dirFD, name)
	if err != nil {
		return err
	}
	if id != dev {
		return fmt.Errorf("%s: %w", quoteIfNeeded(name), ErrOtherFilesystem)
	}
	if mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	fd, names, done, err := listDirAt(dirFD, name)
	if err != nil {
		return err
	}
	defer done()
	for _, n := range names {
		if err := sameFS(fd, n, dev); err != nil {
			if errors.Is(err, ErrOtherFilesystem) {
				return fmt.Errorf("%s/%w", quoteIfNeeded(name), err)
			}
			return err
		}
	}
	return nil
}

// listDirAt opens the directory name below dirFD, never through a
// symlink, and lists it. done closes fd, which stays valid until then.
func listDirAt(dirFD int, name string) (fd int, names []string, done func(), err error) {
	fd, err = unix.Openat(dirFD, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, nil, err
	}
	dir := os.NewFile(uintptr(fd), name)
	if names, err = dir.Readdirnames(-1); err != nil {
		dir.Close()
		return -1, nil, nil, err
	}
	return fd, names, func() { dir.Close() }, nil
}

// removeAt removes name below dirFD, recursively, refusing (again, in case
// the tree changed since the check) to enter a directory on another device.
func removeAt(dirFD int, name string, dev fsID) error {
	err := unix.Unlinkat(dirFD, name, 0)
	if err == nil || !errors.Is(err, unix.EISDIR) {
		return err
	}
	fd, names, done, err := listDirAt(dirFD, name)
	if err != nil {
		return err
	}
	defer done()
	if d, err := devOf(fd); err != nil || d != dev {
		if err == nil {
			err = ErrOtherFilesystem
		}
		return err
	}
	for _, n := range names {
		if err := removeAt(fd, n, dev); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	return unix.Unlinkat(dirFD, name, unix.AT_REMOVEDIR)
}

// Temporary names are unique per process, whatever Root writes them, so
// the counter is process-wide (atomic: roots are used concurrently).
var (
	tmpCounter atomic.Uint64
	pid        = strconv.Itoa(os.Getpid())
)

// tmpName is a hidden name beside name that no other writer picks.
func tmpName(name string) string {
	if len(name) > 200 { // stay under NAME_MAX (255) with the suffix
		name = name[:200]
	}
	t := "." + name + tmpMarker + pid + "-" + strconv.FormatUint(tmpCounter.Add(1), 10)
	activeTmp.Store(t, true)
	return t
}

// tmpMarker sits in every temporary name; staleTmp recognises ours.
const tmpMarker = ".kindling-"

var (
	activeTmp sync.Map // temporary names this process is using now
	staleTmp  = regexp.MustCompile(`^\..*\.kindling-[0-9]+-[0-9]+$`)
)

func doneTmp(t string) { activeTmp.Delete(t) }

// sweep removes, once per directory and run, temporary files an earlier
// run left behind when it was killed in the middle of a write (they are
// hidden, but would stay in the image forever). Only our own pattern is
// touched, and only regular files and symlinks.
func (r *Root) sweep(path string, dirFD int) {
	dir, _, err := clean(path)
	if err != nil {
		return
	}
	r.mu.Lock()
	done := r.swept[dir]
	r.swept[dir] = true
	r.mu.Unlock()
	if done {
		return
	}
	fd, err := unix.Openat(dirFD, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), dir)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return
	}
	for _, n := range names {
		if !strings.Contains(n, tmpMarker) || !staleTmp.MatchString(n) {
			continue
		}
		if _, mine := activeTmp.Load(n); mine {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(fd, n, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			continue
		}
		if t := st.Mode & unix.S_IFMT; t == unix.S_IFREG || t == unix.S_IFLNK {
			unix.Unlinkat(fd, n, 0)
		}
	}
}

// Owner is a numeric owner and group; -1 leaves one unchanged.
type Owner struct{ UID, GID int }

// WriteOptions say how WriteFile lays a file down.
type WriteOptions struct {
	Mode  uint32 // permission bits, special bits included
	Owner Owner
	// Append keeps the existing file's bytes (if it is a regular file) and
	// writes the new contents after them.
	Append bool
}

// WriteFile writes contents to path atomically: into a temporary file in
// the same directory, owner and mode set, then renamed over whatever was at
// path (a symlink there is replaced, never followed). Missing parents are
// created. On error nothing at path has changed.
func (r *Root) WriteFile(path string, contents io.Reader, opts WriteOptions) error {
	if contents == nil {
		return r.WriteFileParts(path, nil, opts)
	}
	return r.WriteFileParts(path, []io.Reader{contents}, opts)
}

// WriteFileParts is WriteFile with the contents given as consecutive
// parts (a file and its appended fragments), copied one after the other
// without an intermediate buffer.
func (r *Root) WriteFileParts(path string, parts []io.Reader, opts WriteOptions) error {
	slot, done, err := r.prepare(path)
	if err != nil {
		return err
	}
	defer done()
	pfd, name, tmp := slot.dirFD, slot.name, slot.tmp
	fd, err := unix.Openat(pfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return r.pathErr("create", path, err)
	}
	f := os.NewFile(uintptr(fd), tmp)
	ok := false
	defer func() {
		if !ok {
			f.Close()
			unix.Unlinkat(pfd, tmp, 0)
		}
	}()
	if opts.Append {
		if err := copyExisting(pfd, name, f); err != nil {
			return r.pathErr("append to", path, err)
		}
	}
	for _, part := range parts {
		if _, err := io.Copy(f, part); err != nil {
			return r.pathErr("write", path, err)
		}
	}
	// chown before chmod: chown clears setuid/setgid bits.
	if err := f.Chown(opts.Owner.UID, opts.Owner.GID); err != nil {
		return r.pathErr("chown", path, err)
	}
	if err := unix.Fchmod(fd, opts.Mode); err != nil {
		return r.pathErr("chmod", path, err)
	}
	if err := f.Close(); err != nil {
		return r.pathErr("write", path, err)
	}
	ok = true // f is closed; commit removes tmp if the rename fails
	return r.commit(path, slot)
}

// copyExisting copies the regular file name (if any) into w. O_NONBLOCK
// keeps a FIFO in the way from blocking the open; the type check refuses it.
func copyExisting(dirFD int, name string, w io.Writer) error {
	fd, err := unix.Openat(dirFD, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return errors.New("existing node is not a regular file")
	}
	_, err = io.Copy(w, f)
	return err
}

// replace renames tmp over name. rename(2) cannot replace a directory
// with a file, so a directory in the way is removed first; callers only
// get here when overwriting was asked for.
func (r *Root) replace(dirFD int, tmp, name string) error {
	// Most writes create a new node: try that first, which needs no stat.
	err := unix.Renameat2(dirFD, tmp, dirFD, name, unix.RENAME_NOREPLACE)
	if err == nil || !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
		return err
	}
	var old unix.Stat_t
	if unix.Fstatat(dirFD, name, &old, unix.AT_SYMLINK_NOFOLLOW) == nil {
		switch old.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if err := removeTree(dirFD, name); err != nil {
				return err
			}
			defer r.forget(dirFD)
		case unix.S_IFLNK:
			defer r.forget(dirFD)
		}
	}
	return unix.Renameat(dirFD, tmp, dirFD, name)
}

// Symlink makes path a symlink to target (stored as given), replacing
// whatever node is at path, and sets its owner.
func (r *Root) Symlink(target, path string, owner Owner) error {
	slot, done, err := r.prepare(path)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Symlinkat(target, slot.dirFD, slot.tmp); err != nil {
		return r.pathErr("symlink", path, err)
	}
	if err := unix.Fchownat(slot.dirFD, slot.tmp, owner.UID, owner.GID, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		unix.Unlinkat(slot.dirFD, slot.tmp, 0)
		return r.pathErr("chown", path, err)
	}
	return r.commit(path, slot)
}

// tmpSlot is a parent directory, held open, with a fresh temporary name in
// it: nodes are made there and then renamed over their final name.
type tmpSlot struct {
	dirFD     int
	name, tmp string // the final and the temporary name in dirFD
}

// prepare resolves path's parent (creating missing directories), clears
// it of temporary files a killed run left and picks a temporary name;
// done releases the name and the parent.
func (r *Root) prepare(path string) (slot tmpSlot, done func(), err error) {
	pfd, name, release, err := r.parentOf(path, true)
	if err != nil {
		return tmpSlot{}, nil, err
	}
	r.sweep(path, pfd)
	tmp := tmpName(name)
	return tmpSlot{dirFD: pfd, name: name, tmp: tmp}, func() { doneTmp(tmp); release() }, nil
}

// commit renames the slot's temporary node over its final name; when that
// fails the temporary node goes.
func (r *Root) commit(path string, slot tmpSlot) error {
	if err := r.replace(slot.dirFD, slot.tmp, slot.name); err != nil {
		unix.Unlinkat(slot.dirFD, slot.tmp, 0)
		return r.pathErr("rename", path, err)
	}
	return nil
}

// HardLink makes path a hard link to target (an absolute path inside the
// root, its own symlinks resolved inside the root but a final symlink
// linked as such), replacing whatever node is at path.
func (r *Root) HardLink(target, path string) error {
	tfd, tname, tdone, err := r.parentOf(target, false)
	if err != nil {
		return err
	}
	defer tdone()
	slot, done, err := r.prepare(path)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Linkat(tfd, tname, slot.dirFD, slot.tmp, 0); err != nil {
		return r.pathErr("link", path, fmt.Errorf("to %s: %w", quoteIfNeeded(target), err))
	}
	return r.commit(path, slot)
}

// Mkdir makes the directory path (parents created as needed) with mode and
// owner, assuming nothing is there.
func (r *Root) Mkdir(path string, mode uint32, owner Owner) error {
	pfd, name, done, err := r.parentOf(path, true)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Mkdirat(pfd, name, 0o700); err != nil {
		return r.pathErr("mkdir", path, err)
	}
	if err := unix.Fchownat(pfd, name, owner.UID, owner.GID, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return r.pathErr("chown", path, err)
	}
	// The directory was just made by us and is not a symlink.
	if err := unix.Fchmodat(pfd, name, mode, 0); err != nil {
		return r.pathErr("chmod", path, err)
	}
	return nil
}

// Sync flushes the root's filesystem to disk.
func (r *Root) Sync() error {
	fd, err := unix.Openat(r.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Syncfs(fd)
}

// ReadDir lists the names in the directory at path (symlinks followed
// inside the root), unsorted. A missing directory yields no names.
func (r *Root) ReadDir(path string) ([]string, error) {
	fd, err := r.resolve(strings.TrimPrefix(path, "/"), unix.O_RDONLY|unix.O_DIRECTORY)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, r.pathErr("read directory", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	return f.Readdirnames(-1)
}
