// Command boot measures what first-boot provisioning adds to a boot: it
// boots the test OS twice with the demo config under QEMU (TCG), the first
// time provisioning and the second time not, and reads from each boot's
// journal (monotonic clock, kernel start = 0) when Kindling's units ran,
// when provisioning completed and when the initramfs switched to the real
// root. Run from the repository root as root: go run ./bench/boot
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kindling-dev/kindling/tests/kola"
)

// timingScript runs in the VM after boot and prints the journal lines the
// figures come from, each marked for the host to pick out.
const timingScript = `
journalctl -b -o short-monotonic --no-pager -q _PID=1 |
    grep -E 'kindling-[a-z-]+\.(service|target)|Switching root|Reached target initrd\.target|Found device dev-disk-by.x2dlabel-root|Starting systemd-fsck-root|Mounted sysroot\.mount' | sed 's/^/BENCH /'
journalctl -b -o short-monotonic --no-pager -q -k --grep 'Run /init as init process' | sed 's/^/BENCH /'
journalctl -b -o short-monotonic --no-pager -q -t kindling |
    grep -E 'stage done' | sed 's/^/BENCH /'
`

func main() {
	config := flag.String("config", "docs/examples/demo.yaml", "YAML config to provision")
	flag.IntVar(&runs, "runs", 1, "boot pairs to measure; the summary gives each and the median")
	flag.BoolVar(&debug, "debug", false, "boot with kindling.debug and print both boots' initramfs journals (every command Kindling ran, with times)")
	flag.Parse()
	if err := run(*config); err != nil {
		fmt.Fprintln(os.Stderr, "bench/boot:", err)
		os.Exit(1)
	}
}

// debug asks for the commands' timeline as well as the figures.
var debug bool

// runs is the number of first-boot/second-boot pairs measured.
var runs int

// debugScript prints the journal up to the switch to the real root, for -debug.
const debugScript = `
journalctl -b -o short-monotonic --no-pager -q | sed -n '1,/Switching root/p' | sed 's/^/DEBUG /'
`

func run(configPath string) error {
	repo, _ := os.Getwd()
	cache := os.Getenv("KOLA_CACHE")
	if cache == "" {
		cache = filepath.Join(repo, ".cache", "kola")
	}
	if err := kola.BuildOS(repo, cache, os.Stderr); err != nil {
		return err
	}
	// A rebuilt test OS leaves the host writing back hundreds of MiB; the
	// first boot pair must not pay for that.
	syscall.Sync()
	work, err := os.MkdirTemp("", "kindling-bench-boot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "test")
	os.MkdirAll(dir, 0o755)
	config, err := os.ReadFile(configPath)
	if err != nil {
		return err
	}
	spec := `{"transpile": true, "boots": 2, "disks": [{"name": "data", "sizeMiB": 512}]}`
	script := timingScript
	if debug {
		spec = `{"transpile": true, "boots": 2, "disks": [{"name": "data", "sizeMiB": 512}], "kernelArgs": ["kindling.debug"]}`
		script += debugScript
	}
	files := map[string]string{
		"config.yaml": string(config),
		"check.sh":    script,
		"test.json":   spec,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	env := kola.Env{Cache: cache, WorkDir: work, Timeout: 6 * time.Minute}
	var added, addedUser, critical []float64
	for i := 0; i < max(runs, 1); i++ {
		res, err := env.Run(context.Background(), dir)
		if err != nil {
			return err
		}
		first, second := parse(res.Consoles[0]), parse(res.Consoles[1])
		if debug {
			fmt.Println("first boot's initramfs journal:")
			printDebug(res.Consoles[0])
			fmt.Println("second boot's initramfs journal:")
			printDebug(res.Consoles[1])
		}
		if first.switchRoot == 0 || second.switchRoot == 0 || first.initStart == 0 || second.initStart == 0 {
			return fmt.Errorf("run %d: the journal lacks the switch to the real root or the start of /init", i+1)
		}
		report(configPath, first, second)
		added = append(added, first.switchRoot-second.switchRoot)
		critical = append(critical, criticalPath(first, second))
		addedUser = append(addedUser, (first.switchRoot-first.initStart)-(second.switchRoot-second.initStart))
	}
	fmt.Printf("\nadded by provisioning, over %d run(s) (target: under 2 s)\n", len(added))
	fmt.Printf("  kernel start to switch root:   %s, median %.3f s\n", list(added), median(added))
	fmt.Printf("  /init start to switch root:    %s, median %.3f s\n", list(addedUser), median(addedUser))
	fmt.Printf("  on the critical path:          %s, median %.3f s\n", list(critical), median(critical))
	return nil
}

// boot holds the figures of one boot, in seconds since kernel start.
type boot struct {
	initStart  float64 // the kernel ran /init: where the initramfs begins
	switchRoot float64
	complete   float64
	initrd     float64               // initrd.target reached: the initramfs's work is done
	rootFound  float64               // the root device appeared
	fsckStart  float64               // the root's fsck started
	sysroot    float64               // the root was mounted
	umount     [2]float64            // kindling-mount stopping (the umount stage) and stopped
	units      map[string][2]float64 // unit -> start, finish
	stages     map[string]float64    // provision's own time per stage
}

var (
	lineRE  = regexp.MustCompile(`^BENCH \[\s*([0-9.]+)\] \S+ (.*)$`)
	unitRE  = regexp.MustCompile(`(Starting|Finished|Reached target) (kindling-[a-z-]+\.(?:service|target))`)
	stageRE = regexp.MustCompile(`([a-z-]+): stage done took=([0-9.]+)(ms|s|µs)`)
)

// moment returns the field a journal message marks the time of, or nil.
func (b *boot) moment(msg string) *float64 {
	for _, m := range []struct {
		text string
		at   *float64
	}{
		{"Run /init as init process", &b.initStart},
		{"Switching root", &b.switchRoot},
		{"Reached target initrd.target", &b.initrd},
		{"Found device dev-disk-by", &b.rootFound},
		{"Starting systemd-fsck-root", &b.fsckStart},
		{"Mounted sysroot.mount", &b.sysroot},
		{"Stopping kindling-mount.service", &b.umount[0]},
		{"Stopped kindling-mount.service", &b.umount[1]},
	} {
		if strings.Contains(msg, m.text) {
			return m.at
		}
	}
	return nil
}

func parse(console string) boot {
	b := boot{units: map[string][2]float64{}, stages: map[string]float64{}}
	for _, line := range strings.Split(console, "\n") {
		m := lineRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		t, _ := strconv.ParseFloat(m[1], 64)
		msg := m[2]
		if at := b.moment(msg); at != nil {
			*at = t
			continue
		}
		switch {
		case strings.Contains(msg, "stage done"):
			if s := stageRE.FindStringSubmatch(msg); s != nil {
				b.stages[s[1]] = seconds(s[2], s[3])
			}
		default:
			u := unitRE.FindStringSubmatch(msg)
			if u == nil {
				continue
			}
			span := b.units[u[2]]
			switch u[1] {
			case "Starting":
				span[0] = t
			case "Finished":
				span[1] = t
			case "Reached target":
				if u[2] == "kindling-complete.target" {
					b.complete = t
				}
			}
			b.units[u[2]] = span
		}
	}
	return b
}

func seconds(v, unit string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "ms":
		return f / 1000
	case "µs":
		return f / 1e6
	}
	return f
}

func report(configPath string, first, second boot) {
	fmt.Printf("boot timing under QEMU TCG with %s (seconds since kernel start, from the journal)\n\n", configPath)
	fmt.Printf("%-34s %8s %8s\n", "unit", "start", "took")
	var names []string
	for n := range first.units {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return first.units[names[i]][0] < first.units[names[j]][0] })
	var unitsTotal float64
	for _, n := range names {
		span := first.units[n]
		if span[1] == 0 {
			continue
		}
		unitsTotal += span[1] - span[0]
		fmt.Printf("%-34s %8.3f %8.3f\n", n, span[0], span[1]-span[0])
	}
	fmt.Println()
	var stageNames []string
	for n := range first.stages {
		stageNames = append(stageNames, n)
	}
	sort.Strings(stageNames)
	var stagesTotal float64
	for _, n := range stageNames {
		stagesTotal += first.stages[n]
		fmt.Printf("provision %-24s %8s %8.3f\n", n, "", first.stages[n])
	}
	fmt.Println()
	fmt.Printf("first boot:  provisioning complete at %.3f, initrd.target at %.3f, switch to the real root at %.3f\n", first.complete, first.initrd, first.switchRoot)
	fmt.Printf("second boot: no provisioning,            initrd.target at %.3f, switch to the real root at %.3f\n", second.initrd, second.switchRoot)
	fmt.Printf("kindling units' run time, summed:        %.3f s\n", unitsTotal)
	fmt.Printf("provision's own stage time, summed:      %.3f s\n", stagesTotal)
	fmt.Printf("/init started at %.3f (first boot) and %.3f (second boot): the kernel's own time varies under TCG\n", first.initStart, second.initStart)
	fmt.Printf("root device, fsck, mounted: first boot %.3f %.3f %.3f, second boot %.3f %.3f %.3f; umount stage %.3f s\n",
		first.rootFound, first.fsckStart, first.sysroot, second.rootFound, second.fsckStart, second.sysroot, first.umount[1]-first.umount[0])
	fmt.Printf("on the critical path (root fsck held, root mount to initrd.target, umount; first - second): %.3f s\n", criticalPath(first, second))
	fmt.Printf("added to the boot (switch root, first - second): %.3f s; from /init on: %.3f s (target: under 2 s)\n",
		first.switchRoot-second.switchRoot, (first.switchRoot-first.initStart)-(second.switchRoot-second.initStart))
}

// criticalPath is how long the first boot waited for Kindling once the
// root device was there: the root's fsck held back (beyond a normal
// boot), the span from the root mount to initrd.target (beyond a normal
// boot: the disks stage still running, mount, files, firstboot-done), and
// the umount stage before the switch. It leaves out the early boot, where
// the journal shows both boots vary by a second or more under TCG on a
// shared host before any Kindling process has run.
func criticalPath(first, second boot) float64 {
	held := max(0, (first.fsckStart-first.rootFound)-(second.fsckStart-second.rootFound))
	afterRoot := (first.initrd - first.sysroot) - (second.initrd - second.sysroot)
	umount := max(0, first.umount[1]-first.umount[0])
	return held + afterRoot + umount
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(v []float64) string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = fmt.Sprintf("%.3f", f)
	}
	return strings.Join(parts, " ")
}

// printDebug prints the first boot's journal lines that debugScript marked.
func printDebug(console string) {
	for _, line := range strings.Split(console, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "DEBUG "); ok {
			fmt.Println(rest)
		}
	}
	fmt.Println()
}
