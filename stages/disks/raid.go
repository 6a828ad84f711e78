package disks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kindling-dev/kindling/config"
	"github.com/kindling-dev/kindling/config/report"
	"github.com/kindling-dev/kindling/internal/command"
	"github.com/kindling-dev/kindling/stages"
)

// createRaids creates each md array, or keeps one of the same name whose
// level and member devices match.
func createRaids(ctx context.Context, env *stages.Env, raids []config.Raid) error {
	for i, r := range raids {
		path := report.Path{"storage", "raid", i}
		env.Progress("disks: RAID %s", r.Name)
		if err := createRaid(ctx, r); err != nil {
			return stages.Errorf(path, r.Name, "%w", err)
		}
	}
	return nil
}

func mdPath(name string) string { return "/dev/md/" + name }

// checkRaidNames refuses, before any disk is touched, an array name that
// would put its device outside /dev/md ("..", "../sda"): the reference
// validator accepts such names and validation only warns, so the stage
// keeps /dev/md/NAME inside /dev/md itself.
func checkRaidNames(raids []config.Raid) error {
	for i, r := range raids {
		if r.Name == "" || r.Name == "." || r.Name == ".." || strings.ContainsAny(r.Name, "/\x00") {
			return stages.Errorf(report.Path{"storage", "raid", i, "name"}, r.Name,
				"RAID array name %q is not a file name under /dev/md (no /, NUL, . or ..)", r.Name)
		}
	}
	return nil
}

func createRaid(ctx context.Context, r config.Raid) error {
	for _, d := range r.Devices {
		if err := waitForDevice(ctx, d); err != nil {
			return err
		}
	}
	if _, err := os.Stat(mdPath(r.Name)); err == nil {
		return matchRaid(ctx, r)
	}
	for _, d := range r.Devices {
		if why := inUse(d, true); why != "" {
			return fmt.Errorf("refusing to use %s: %s", d, why)
		}
	}
	spares := intv(r.Spares)
	args := []string{"--create", mdPath(r.Name), "--run", "--homehost=any",
		"--level=" + str(r.Level),
		"--raid-devices=" + strconv.Itoa(len(r.Devices)-spares)}
	if spares > 0 {
		args = append(args, "--spare-devices="+strconv.Itoa(spares))
	}
	args = append(args, r.Options...)
	args = append(args, r.Devices...)
	if _, err := command.Run(ctx, "mdadm", args...); err != nil {
		return fmt.Errorf("creating the array: %w", err)
	}
	return waitForDevice(ctx, mdPath(r.Name))
}

// mdLevels maps mdadm's level spellings to one name.
var mdLevels = map[string]string{
	"0": "raid0", "stripe": "raid0", "1": "raid1", "mirror": "raid1",
	"4": "raid4", "5": "raid5", "6": "raid6", "10": "raid10",
}

func normalLevel(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if n, ok := mdLevels[l]; ok {
		return n
	}
	return l
}

// matchRaid checks that the running array has the configured level and
// exactly the configured devices.
func matchRaid(ctx context.Context, r config.Raid) error {
	out, err := command.Run(ctx, "mdadm", "--detail", mdPath(r.Name))
	if err != nil {
		return fmt.Errorf("%s exists but cannot be inspected: %w", mdPath(r.Name), err)
	}
	var level string
	var members []string
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, " : "); ok && strings.TrimSpace(k) == "Raid Level" {
			level = strings.TrimSpace(v)
		}
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[len(f)-1], "/dev/") && len(f) >= 5 {
			members = append(members, f[len(f)-1])
		}
	}
	if normalLevel(level) != normalLevel(str(r.Level)) {
		return fmt.Errorf("%s exists with level %s, not %s", mdPath(r.Name), level, str(r.Level))
	}
	want, err := kernelNames(r.Devices)
	if err != nil {
		return err
	}
	have, err := kernelNames(members)
	if err != nil {
		return err
	}
	if strings.Join(want, ",") != strings.Join(have, ",") {
		return fmt.Errorf("%s exists with devices %v, not %v", mdPath(r.Name), have, want)
	}
	return nil
}

func kernelNames(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		n, err := sysName(p)
		if err != nil {
			return nil, err
		}
		out = append(out, filepath.Base(n))
	}
	sort.Strings(out)
	return out, nil
}
