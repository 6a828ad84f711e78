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
	return env.writeRunJSON(MadeDirsFile, made)
}

// MadeDirs returns the directories the mount stage made, parents first;
// none when it made none.
func (env *Env) MadeDirs() ([]string, error) {
	var made []string
	if err := env.readRunJSON(MadeDirsFile, &made); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return made, nil
}

// writeRunJSON stores v as JSON in the run directory, for the stage
// processes that come later.
func (env *Env) writeRunJSON(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dir := env.RunDirPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), data, 0o644)
}

// readRunJSON reads what an earlier stage process stored with
// writeRunJSON; a missing file is fs.ErrNotExist.
func (env *Env) readRunJSON(name string, v any) error {
	data, err := os.ReadFile(filepath.Join(env.RunDirPath(), name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
