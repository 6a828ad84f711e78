package kola

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
)

// resultPath is where the files stage records the provisioning, in the root.
const resultPath = "/etc/.kindling-result.json"

// Lines kola-check prints before the test's checks.
var (
	bootIDLine      = regexp.MustCompile(`KOLA-BOOT-ID: ([0-9a-f-]{36})`)
	provisionedLine = regexp.MustCompile(`KOLA-PROVISIONED: (yes|no)`)
)

// bootInfo gathers what one boot showed of provisioning: from its console
// the lines kola-check printed, from the root image the result file.
func bootInfo(console string, firstBoot bool, rootImage string) (Boot, error) {
	b := Boot{FirstBoot: firstBoot}
	if m := bootIDLine.FindStringSubmatch(console); m != nil {
		b.BootID = m[1]
	}
	if m := provisionedLine.FindStringSubmatch(console); m != nil {
		b.Provisioned = m[1]
	}
	id, err := resultBootID(rootImage)
	b.ResultBootID = id
	return b, err
}

// resultBootID reads provisioningBootID from the result file in the
// (unmounted) root image; "" when there is no result file.
func resultBootID(rootImage string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("debugfs", "-R", "cat "+resultPath, rootImage)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("debugfs: %v: %s", err, stderr.Bytes())
	}
	// debugfs reports a missing file on stderr and succeeds.
	if strings.Contains(stderr.String(), "not found") || stdout.Len() == 0 {
		return "", nil
	}
	var r struct {
		ProvisioningBootID string `json:"provisioningBootID"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return "", fmt.Errorf("%s in the root image: %w", resultPath, err)
	}
	return r.ProvisioningBootID, nil
}

// CheckProvisionedOnce checks that only a first boot provisioned the
// machine. A boot without kindling.firstboot must not show the files stage
// in its journal, must not be the boot the result file names, and must
// leave the result file as it found it. A first boot that reached the
// checks must show both signs, so that neither can pass by being blind.
func CheckProvisionedOnce(boots []Boot) error {
	for i, b := range boots {
		n := i + 1
		if b.BootID != "" && b.Provisioned == "" {
			return fmt.Errorf("boot %d: kola-check printed its boot id but no KOLA-PROVISIONED line", n)
		}
		if b.FirstBoot {
			if b.BootID == "" {
				continue // stopped before the real root (a failure, a reboot)
			}
			if b.Provisioned != "yes" {
				return fmt.Errorf("boot %d was a first boot but its journal has no kindling-files.service", n)
			}
			if b.ResultBootID != b.BootID {
				return fmt.Errorf("boot %d was a first boot but %s names boot %q, not %q", n, resultPath, b.ResultBootID, b.BootID)
			}
			continue
		}
		if b.Provisioned == "yes" {
			return fmt.Errorf("boot %d provisioned again: its journal shows kindling-files.service", n)
		}
		if b.BootID != "" && b.ResultBootID == b.BootID {
			return fmt.Errorf("boot %d provisioned again: %s names it as the provisioning boot", n, resultPath)
		}
		if i > 0 && b.ResultBootID != boots[i-1].ResultBootID {
			return fmt.Errorf("boot %d rewrote %s: provisioningBootID %q, was %q", n, resultPath, b.ResultBootID, boots[i-1].ResultBootID)
		}
	}
	return nil
}

// prepareRoot runs a test's prepare-root.sh on the host with ROOT set to
// the root image mounted read-write, before the first boot: to give the
// root a layout of another distribution (Fedora CoreOS's symlinks).
func prepareRoot(script, rootImage string) error {
	mnt, err := os.MkdirTemp("", "kola-prepare-")
	if err != nil {
		return err
	}
	defer os.Remove(mnt)
	if out, err := exec.Command("mount", "-o", "loop", rootImage, mnt).CombinedOutput(); err != nil {
		return fmt.Errorf("mount root image: %v: %s", err, out)
	}
	cmd := exec.Command("sh", "-eu", script)
	cmd.Env = append(os.Environ(), "ROOT="+mnt)
	out, runErr := cmd.CombinedOutput()
	// Unmount before anything boots the image, whatever the script did.
	if umountOut, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		return fmt.Errorf("umount root image: %v: %s", err, umountOut)
	}
	if runErr != nil {
		return fmt.Errorf("prepare-root.sh: %v:\n%s", runErr, out)
	}
	return nil
}
