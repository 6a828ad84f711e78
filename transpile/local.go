package transpile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// localFiles reads files below the --files-dir directory only. os.Root
// refuses paths that leave the directory, symlinks included.
type localFiles struct {
	dir  string
	root *os.Root
}

func openLocal(dir string) (*localFiles, error) {
	if dir == "" {
		return &localFiles{}, nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files directory: %w", err)
	}
	return &localFiles{dir: dir, root: root}, nil
}

func (l *localFiles) close() {
	if l != nil && l.root != nil {
		l.root.Close()
	}
}

// clean checks a local path and returns it in the form os.Root expects.
func (l *localFiles) clean(name string) (string, error) {
	if l == nil || l.root == nil {
		return "", errors.New("local files need a files directory (--files-dir)")
	}
	if name == "" {
		return "", errors.New("local path is empty")
	}
	if path.IsAbs(name) || strings.HasPrefix(name, `\`) {
		return "", fmt.Errorf("local path %q is absolute; it must be relative to the files directory", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("local path %q leaves the files directory", name)
		}
	}
	return path.Clean(name), nil
}

func (l *localFiles) read(name string) ([]byte, error) {
	clean, err := l.clean(name)
	if err != nil {
		return nil, err
	}
	// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	// writer forever; only regular files are read.
	f, err := l.root.OpenFile(clean, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, explainLocal(name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, explainLocal(name, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("local file %q is not a regular file (%s); only regular files can be embedded", name, info.Mode().Type())
	}
	if info.Size() > MaxLocalFile {
		return nil, fmt.Errorf("local file %q is %d bytes; the limit is %d", name, info.Size(), MaxLocalFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxLocalFile+1))
	if err != nil {
		return nil, explainLocal(name, err)
	}
	if len(data) > MaxLocalFile {
		return nil, fmt.Errorf("local file %q grew past the limit of %d bytes while read", name, MaxLocalFile)
	}
	return data, nil
}

// explainLocal words os.Root errors for the config's author.
func explainLocal(name string, err error) error {
	if strings.Contains(err.Error(), "escapes") {
		return fmt.Errorf("local path %q leaves the files directory (through a symlink)", name)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local file %q does not exist in the files directory", name)
	}
	return fmt.Errorf("reading local file %q: %v", name, err)
}
