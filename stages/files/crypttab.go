package files

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/internal/rootfs"
	"github.com/kindling-dev/kindling/stages"
)

const (
	crypttabPath = "/etc/crypttab"
	// luksKeyDir holds key files in the target that crypttab points at.
	luksKeyDir = "/etc/luks"
	// DisksKeyFileDir, under Env.RunDir, is where the disks stage leaves
	// the key of each volume it formatted with a key file (random or
	// fetched), named after the volume.
	DisksKeyFileDir = "luks-keyfiles"
	// ResultPath is the result file in the target.
	ResultPath = "/etc/.kindling-result.json"
)

func (p *provisioner) disksKeyFile(name string) string {
	return filepath.Join(p.env.RunDirPath(), DisksKeyFileDir, name)
}

func (p *provisioner) haveDisksKeyFile(name string) bool {
	_, err := os.Stat(p.disksKeyFile(name))
	return err == nil
}

// crypttab adds (or replaces) one /etc/crypttab line per LUKS volume so
// the installed system opens it at boot:
//
//	NAME UUID=... KEYFILE luks[,discard][,_netdev]
//
// Volumes unlocked by clevis or CEX get "none" as key file; others get
// their key copied to /etc/luks/NAME (0400).
func (p *provisioner) crypttab(ctx context.Context) error {
	volumes := p.cfg.Storage.Luks
	if len(volumes) == 0 {
		return nil
	}
	lines := map[string]string{}
	for i, l := range volumes {
		path := report.Path{"storage", "luks", i}
		line, err := p.crypttabLine(ctx, i, l)
		if err != nil {
			return stages.Errorf(path, l.Name, "%w", err)
		}
		lines[l.Name] = line
	}
	var kept []string
	old, err := p.root.ReadFile(crypttabPath)
	if err == nil {
		for _, line := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && !strings.HasPrefix(f[0], "#") && lines[f[0]] != "" {
				continue // replaced below
			}
			kept = append(kept, line)
		}
	}
	names := make([]string, 0, len(lines))
	for n := range lines {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		kept = append(kept, lines[n])
	}
	body := strings.TrimLeft(strings.Join(kept, "\n")+"\n", "\n")
	return p.root.WriteFile(crypttabPath, strings.NewReader(body), rootfs.WriteOptions{Mode: 0o644})
}

func (p *provisioner) crypttabLine(ctx context.Context, i int, l config.Luks) (string, error) {
	uuid := str(l.UUID)
	if uuid == "" && str(l.Device) != "" {
		out, err := command.Run(ctx, "cryptsetup", "luksUUID", str(l.Device))
		if err != nil {
			return "", err
		}
		uuid = strings.TrimSpace(out)
	}
	source := str(l.Device)
	if uuid != "" {
		source = "UUID=" + uuid
	}
	c := l.Clevis
	network := len(c.Tang) > 0 || boolOr(c.Custom.NeedsNetwork, false)
	unlockedByPin := len(c.Tang) > 0 || boolOr(c.Tpm2, false) || str(c.Custom.Pin) != "" || boolOr(l.Cex.Enabled, false)
	key := "none"
	if !unlockedByPin {
		k, err := p.installKey(i, l.Name)
		if err != nil {
			return "", err
		}
		key = k
	}
	opts := []string{"luks"}
	if boolOr(l.Discard, false) {
		opts = append(opts, "discard")
	}
	if network {
		opts = append(opts, "_netdev")
	}
	return strings.Join([]string{l.Name, source, key, strings.Join(opts, ",")}, " "), nil
}

// installKey copies the volume's key (left by the disks stage, or fetched
// from keyFile) to /etc/luks/NAME and returns that path, or "none".
func (p *provisioner) installKey(i int, name string) (string, error) {
	dst := luksKeyDir + "/" + name
	opts := rootfs.WriteOptions{Mode: 0o400}
	if f, err := os.Open(p.disksKeyFile(name)); err == nil {
		defer f.Close()
		return dst, p.root.WriteFile(dst, f, opts)
	}
	if b := p.luksKeys[i]; b != nil {
		r, err := b.reader()
		if err != nil {
			return "", err
		}
		return dst, p.root.WriteFile(dst, r, opts)
	}
	return "none", nil
}

// result is the content of /etc/.kindling-result.json.
type result struct {
	ProvisioningDate   string             `json:"provisioningDate"`
	ProvisioningBootID string             `json:"provisioningBootID,omitempty"`
	Platform           string             `json:"platform,omitempty"`
	UserConfigProvided bool               `json:"userConfigProvided"`
	StageSeconds       map[string]float64 `json:"stageSeconds,omitempty"`
}

// writeResult records when and how the machine was provisioned.
func (p *provisioner) writeResult(filesTook time.Duration) error {
	r := result{
		ProvisioningDate:   time.Now().UTC().Format(time.RFC3339),
		Platform:           p.env.Platform,
		UserConfigProvided: p.env.UserConfigProvided,
		StageSeconds:       map[string]float64{},
	}
	if id, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		r.ProvisioningBootID = strings.TrimSpace(string(id))
	}
	for k, v := range p.env.Timings {
		r.StageSeconds[k] = v.Seconds()
	}
	r.StageSeconds["files"] = filesTook.Seconds()
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	return p.root.WriteFile(ResultPath, strings.NewReader(string(data)), rootfs.WriteOptions{Mode: 0o644})
}
