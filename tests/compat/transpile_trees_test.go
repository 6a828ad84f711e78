package compat

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestTranspileDiffSugarCases: hand-written inputs for the sugar that
// walks the files directory or renders entries, where the wild configs
// and Butane's docs are thin.
func TestTranspileDiffSugarCases(t *testing.T) {
	files, _ := filepath.Abs(filepath.Join("testdata", "transpile", "docfiles"))
	cases := []string{
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: tree\n      path: /etc/t\n      user: {name: core}\n      group: {id: 5}\n      file_mode: 0600\n      dir_mode: 0700\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: tree\n      dir_mode: 0700\n  directories:\n    - path: /directory\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: tree\n  links:\n    - path: /directory/symlink\n      hard: false\n",
		"variant: fcos\nversion: 1.6.0\nstorage:\n  trees:\n    - local: tree\n      file_mode: 0600\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: tree\n  files:\n    - path: /file\n      contents: {inline: x}\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: tree\n  files:\n    - path: /file\n      mode: 0600\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: file\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: ../x\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - path: /x\n",
		"variant: fcos\nversion: 1.7.0\nstorage:\n  trees:\n    - local: .\n      path: /srv\n",
		"variant: fcos\nversion: 1.5.0\nstorage:\n  trees:\n    - local: tree\n    - local: tree\n",
		"variant: fcos\nversion: 1.5.0\nstorage:\n  filesystems:\n    - {device: /dev/vdb, path: /var/a, format: xfs, with_mount_unit: true}\n    - {device: /dev/vdc, path: /var/b, format: ext4, with_mount_unit: true, mount_options: [ro]}\nsystemd:\n  units:\n    - name: var-b.mount\n      enabled: false\n",
		"variant: fcos\nversion: 1.3.0\nstorage:\n  filesystems:\n    - {device: /dev/vdb, format: swap, path: /x, with_mount_unit: true}\n",
		"variant: fcos\nversion: 1.6.0\nboot_device:\n  layout: ppc64le\n  mirror: {devices: [/dev/sda, /dev/sdb, /dev/sdc]}\n  luks: {tpm2: true, discard: true}\nstorage:\n  disks:\n    - device: /dev/sdb\n      partitions:\n        - {label: var, size_mib: 0}\n",
		"variant: fcos\nversion: 1.6.0\nboot_device:\n  layout: s390x-zfcp\n  luks: {device: /dev/sdb, cex: {enabled: true}}\n",
		"variant: fcos\nversion: 1.5.0\ngrub:\n  users: [{name: root, password_hash: x}]\nstorage:\n  files:\n    - path: /boot/grub2/user.cfg\n      append: [{inline: extra}]\n",
	}
	var samples []sample
	for i, src := range cases {
		samples = append(samples, sample{name: fmt.Sprintf("sugar case %d", i), src: []byte(src), filesDir: files})
	}
	runDiffShowing(t, "sugar cases", samples, true)
}
