package disks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/resource"
	"github.com/kindling-dev/kindling/stages"
)

// KeyFileDir, under Env.RunDir, holds the key of every volume opened with
// a key file (fetched or random), named after the volume, mode 0600. The
// files stage copies it into the target and points /etc/crypttab at it.
// Volumes bound with clevis keep no key file: their random setup key is
// removed from the header once clevis is bound.
const KeyFileDir = "luks-keyfiles"

func luksPath(i int) report.Path { return report.Path{"storage", "luks", i} }

// fetchLuksKeys fetches every configured key file before any disk is
// touched; volumes without one get nil (a random key is made later).
func fetchLuksKeys(ctx context.Context, env *stages.Env, vols []config.Luks) ([][]byte, error) {
	keys := make([][]byte, len(vols))
	for i, l := range vols {
		if boolv(l.Cex.Enabled) {
			return nil, stages.Errorf(luksPath(i).Append("cex"), l.Name, "IBM Crypto Express keys are not supported on this machine")
		}
		if str(l.KeyFile.Source) == "" {
			continue
		}
		if env.Fetcher == nil {
			return nil, stages.Errorf(luksPath(i).Append("keyFile"), l.Name, "no fetcher to fetch the key file")
		}
		data, err := fetchKey(ctx, env.Fetcher, resource.RequestFrom(l.KeyFile))
		if err != nil {
			return nil, stages.Errorf(luksPath(i).Append("keyFile"), l.Name, "fetching the key file: %w", err)
		}
		keys[i] = data
	}
	return keys, nil
}

// maxKeyFile is the largest key file cryptsetup reads by default (its
// keyfile-size limit of 8 MiB); a larger one could never open a volume, so
// it is not fetched further into memory.
const maxKeyFile = 8 << 20

// fetchKey fetches a key file, stopping the fetch (and its retries) as
// soon as it grows past maxKeyFile.
func fetchKey(ctx context.Context, f *resource.Fetcher, req resource.Request) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &cappedBuffer{max: maxKeyFile, over: cancel}
	err := f.FetchTo(ctx, req, w)
	if w.exceeded {
		return nil, fmt.Errorf("the key file is larger than %d bytes (8 MiB), the most cryptsetup reads from a key file", maxKeyFile)
	}
	if err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// cappedBuffer holds at most max bytes; a write beyond that fails and
// calls over, which ends the fetch instead of letting it retry.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int
	over     func()
	exceeded bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		c.exceeded = true
		c.over()
		return 0, errors.New("key file too large")
	}
	return c.buf.Write(p)
}

// Reset drops a failed attempt's bytes so the fetch can retry.
func (c *cappedBuffer) Reset() { c.buf.Reset() }

func usesClevis(c config.Clevis) bool {
	return len(c.Tang) > 0 || boolv(c.Tpm2) || str(c.Custom.Pin) != ""
}

// createLuks sets up every volume. It returns the key files it left in
// the run directory, for the stage to remove should anything fail later:
// a boot that stops must not leave keys lying in /run. A volume that fails
// has its own key file removed here.
func createLuks(ctx context.Context, env *stages.Env, vols []config.Luks, keys [][]byte) ([]string, error) {
	var written []string
	for i, l := range vols {
		env.Progress("disks: LUKS volume %s", l.Name)
		v := &volume{env: env, cfg: l, key: keys[i]}
		err := v.setUp(ctx)
		if v.keyPath != "" {
			written = append(written, v.keyPath)
		}
		if err != nil {
			return written, stages.Errorf(luksPath(i), l.Name, "%w", err)
		}
	}
	return written, nil
}

// removeKeyFiles removes key files after a failure; one already gone
// (a clevis setup key) is no error.
func removeKeyFiles(env *stages.Env, paths []string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			env.Log.Warn("could not remove a LUKS key file after the failure", "path", p, "err", err)
		}
	}
}

// volume is one LUKS volume being set up.
type volume struct {
	env     *stages.Env
	cfg     config.Luks
	key     []byte
	keyPath string
}

func (v *volume) device() string { return str(v.cfg.Device) }
func (v *volume) mapped() string { return "/dev/mapper/" + v.cfg.Name }

func (v *volume) setUp(ctx context.Context) error {
	dev := v.device()
	if err := waitForDevice(ctx, dev); err != nil {
		return err
	}
	if _, err := os.Stat(v.mapped()); err == nil {
		return fmt.Errorf("%s is already open", v.mapped())
	}
	reuse, err := v.reusable(ctx)
	if err != nil {
		return err
	}
	if !reuse {
		if why := inUse(dev, true); why != "" {
			return fmt.Errorf("refusing to format %s: %s", dev, why)
		}
	}
	if v.key == nil && !reuse {
		v.key = make([]byte, 32)
		rand.Read(v.key)
		v.key = []byte(hex.EncodeToString(v.key))
	}
	if err := v.writeKey(); err != nil {
		return err
	}
	if reuse {
		err := v.open(ctx, true)
		if usesClevis(v.cfg.Clevis) && v.keyPath != "" {
			os.Remove(v.keyPath) // the temporary copy of a fetched key
		}
		return err
	}
	if boolv(v.cfg.WipeVolume) {
		if _, err := command.Run(ctx, "wipefs", "-a", dev); err != nil {
			return fmt.Errorf("wiping %s: %w", dev, err)
		}
	}
	if err := v.format(ctx); err != nil {
		return err
	}
	if !usesClevis(v.cfg.Clevis) {
		return v.open(ctx, false)
	}
	// Bind first, open with the setup key (storing the open flags), then
	// drop the setup key so only clevis unlocks the volume.
	if err := v.bindClevis(ctx); err != nil {
		return err
	}
	if err := v.open(ctx, false); err != nil {
		return err
	}
	return v.removeSetupKey(ctx)
}

// reusable decides whether an existing LUKS header is kept: it must match
// the configured UUID and label (when given). Anything else on the device
// is only overwritten with wipeVolume.
func (v *volume) reusable(ctx context.Context) (bool, error) {
	found, err := blkid(ctx, v.device())
	if err != nil {
		return false, err
	}
	if len(found) == 0 || boolv(v.cfg.WipeVolume) {
		return false, nil
	}
	if found["TYPE"] != "crypto_LUKS" {
		return false, fmt.Errorf("%s holds %s, not a LUKS volume, and wipeVolume is not set", v.device(), describe(found))
	}
	if u := str(v.cfg.UUID); u != "" && !strings.EqualFold(u, found["UUID"]) {
		return false, fmt.Errorf("%s holds LUKS volume %s, not %s, and wipeVolume is not set", v.device(), found["UUID"], u)
	}
	if l := str(v.cfg.Label); l != "" && l != found["LABEL"] {
		return false, fmt.Errorf("%s holds LUKS volume labelled %q, not %q, and wipeVolume is not set", v.device(), found["LABEL"], l)
	}
	if v.key == nil && !usesClevis(v.cfg.Clevis) {
		return false, fmt.Errorf("%s holds a matching LUKS volume but the config gives no key file or clevis binding to open it", v.device())
	}
	return true, nil
}

func describe(found map[string]string) string {
	s := found["TYPE"]
	if s == "" {
		s = "a " + found["PTTYPE"] + " partition table"
	}
	return s
}

// writeKey leaves the key where the files stage finds it (0600 in a 0700
// directory), or in a temporary file for clevis volumes.
func (v *volume) writeKey() error {
	if v.key == nil {
		return nil
	}
	dir := filepath.Join(v.env.RunDirPath(), KeyFileDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	name := v.cfg.Name
	if usesClevis(v.cfg.Clevis) {
		name = "." + name + ".setup"
	}
	v.keyPath = filepath.Join(dir, name)
	return os.WriteFile(v.keyPath, v.key, 0o600)
}

func (v *volume) format(ctx context.Context) error {
	args := []string{"luksFormat", "--type", "luks2", "--batch-mode", "--key-file", v.keyPath}
	if l := str(v.cfg.Label); l != "" {
		args = append(args, "--label", l)
	}
	if u := str(v.cfg.UUID); u != "" {
		args = append(args, "--uuid", u)
	}
	args = append(args, v.cfg.Options...)
	args = append(args, v.device())
	if _, err := command.RunOpts(ctx, command.Options{Secret: true}, "cryptsetup", args...); err != nil {
		return fmt.Errorf("formatting %s: %w", v.device(), err)
	}
	return nil
}

// open maps the volume at /dev/mapper/NAME. When formatting, the open
// flags (discard, openOptions) are stored in the LUKS2 header with
// --persistent so every later open uses them too.
func (v *volume) open(ctx context.Context, reused bool) error {
	var err error
	if v.keyPath == "" && reused {
		_, err = command.Run(ctx, "clevis", "luks", "unlock", "-d", v.device(), "-n", v.cfg.Name)
	} else {
		args := []string{"open", "--type", "luks2", "--key-file", v.keyPath}
		if !reused {
			args = append(args, "--persistent")
		}
		if boolv(v.cfg.Discard) {
			args = append(args, "--allow-discards")
		}
		args = append(args, v.cfg.OpenOptions...)
		args = append(args, v.device(), v.cfg.Name)
		_, err = command.RunOpts(ctx, command.Options{Secret: true}, "cryptsetup", args...)
	}
	if err != nil {
		if v.keyPath != "" && v.keyRefused(ctx) {
			return fmt.Errorf("the key file does not open the LUKS volume on %s (no key slot accepts it)", v.device())
		}
		return fmt.Errorf("opening %s: %w", v.device(), err)
	}
	return waitForDevice(ctx, v.mapped())
}

// keyRefused says whether the volume's header rejects the key: cryptsetup
// answers 2 ("no permission") to --test-passphrase then. It runs only after
// an open failed, whose output is hidden (it could echo key material) and
// whose exit status alone does not tell a wrong key from a missing
// device-mapper; --test-passphrase needs no device-mapper.
func (v *volume) keyRefused(ctx context.Context) bool {
	_, err := command.RunOpts(ctx, command.Options{Secret: true, Answers: []int{2}},
		"cryptsetup", "open", "--test-passphrase", "--key-file", v.keyPath, v.device())
	var exit *exec.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == 2
}

// bindClevis binds the configured pins with the setup key.
func (v *volume) bindClevis(ctx context.Context) error {
	pin, cfg, err := clevisPin(v.cfg.Clevis)
	if err != nil {
		return err
	}
	_, err = command.RunOpts(ctx, command.Options{Secret: true}, "clevis", "luks", "bind", "-f", "-y", "-k", v.keyPath, "-d", v.device(), pin, cfg)
	if err != nil {
		return fmt.Errorf("binding clevis %s: %w", pin, err)
	}
	return nil
}

// removeSetupKey removes the random key used to format and bind.
func (v *volume) removeSetupKey(ctx context.Context) error {
	if _, err := command.RunOpts(ctx, command.Options{Secret: true}, "cryptsetup", "luksRemoveKey", "--batch-mode", v.device(), v.keyPath); err != nil {
		return fmt.Errorf("removing the setup key: %w", err)
	}
	return os.Remove(v.keyPath)
}

// clevisPin builds the clevis pin name and JSON config: one pin alone, or
// sss with the threshold when there are several or a threshold is set.
func clevisPin(c config.Clevis) (string, string, error) {
	if p := str(c.Custom.Pin); p != "" {
		return p, str(c.Custom.Config), nil
	}
	var tangs []map[string]any
	for _, t := range c.Tang {
		m := map[string]any{"url": t.URL}
		if thp := str(t.Thumbprint); thp != "" {
			m["thp"] = thp
		}
		if adv := str(t.Advertisement); adv != "" {
			var parsed any
			if err := json.Unmarshal([]byte(adv), &parsed); err != nil {
				return "", "", fmt.Errorf("tang %s advertisement is not JSON: %w", t.URL, err)
			}
			m["adv"] = parsed
		}
		tangs = append(tangs, m)
	}
	pins := len(tangs)
	if boolv(c.Tpm2) {
		pins++
	}
	if pins == 1 && c.Threshold == nil {
		if boolv(c.Tpm2) {
			return "tpm2", "{}", nil
		}
		b, _ := json.Marshal(tangs[0])
		return "tang", string(b), nil
	}
	sss := map[string]any{"t": max(intv(c.Threshold), 1)}
	p := map[string]any{}
	if len(tangs) > 0 {
		p["tang"] = tangs
	}
	if boolv(c.Tpm2) {
		p["tpm2"] = map[string]any{}
	}
	sss["pins"] = p
	b, _ := json.Marshal(sss)
	return "sss", string(b), nil
}
