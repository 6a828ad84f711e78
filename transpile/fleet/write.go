package fleet

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteDir writes files into dir (created if missing) all or nothing as
// far as a file system allows: every file goes to a temporary name first,
// and only when all are written and synced are they renamed into place.
// A failure removes the temporaries and leaves dir as it was.
func WriteDir(dir string, files []File) (err error) {
	for _, f := range files {
		if err := CheckName(f.Name); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmps := make([]string, 0, len(files))
	defer func() {
		if err != nil {
			for _, t := range tmps {
				os.Remove(t)
			}
		}
	}()
	for _, f := range files {
		tmp, err := writeTemp(dir, f)
		if err != nil {
			return err
		}
		tmps = append(tmps, tmp)
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(dir, f.Name)); err != nil {
			return fmt.Errorf("%s: %v (files before it in the list are in place)", f.Name, err)
		}
	}
	return syncDir(dir)
}

func writeTemp(dir string, f File) (string, error) {
	t, err := os.CreateTemp(dir, "."+f.Name+".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = t.Write(f.Data)
	if err == nil {
		err = t.Chmod(0o644)
	}
	if err == nil {
		err = t.Sync()
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(t.Name())
		return "", fmt.Errorf("writing %s: %v", f.Name, err)
	}
	return t.Name(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
