package stages

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MadeDirsFile, under Env.RunDir, lists (as a JSON array of paths in the
// target root) the directories the mount stage created for mount points.
// The files stage hands those under a user's home to that user, as
// Ignition does: useradd leaves a home that already exists to root.
const MadeDirsFile = "mount-made-dirs.json"

// RecordMadeDirs leaves the list of directories made for mount points for
// the later stages.
func (env *Env) RecordMadeDirs(made []string) error {
	if len(made) == 0 {
		return nil
	}
	data, err := json.Marshal(made)
	if err != nil {
		return err
	}
	dir := env.RunDirPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, MadeDirsFile), data, 0o644)
}

// MadeDirs returns the directories the mount stage made, parents first;
// none when it made none.
func (env *Env) MadeDirs() ([]string, error) {
	data, err := os.ReadFile(filepath.Join(env.RunDirPath(), MadeDirsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var made []string
	if err := json.Unmarshal(data, &made); err != nil {
		return nil, fmt.Errorf("%s: %w", MadeDirsFile, err)
	}
	return made, nil
}
