#!/bin/bash
# dracut module for Kindling: installs the provision agent, the tools its
# stages call, a generator that turns a first boot (kindling.firstboot on the
# kernel command line) into the provisioning units, and those units.

check() {
    # Only on request: a distro adds "kindling" to its dracut config.
    return 255
}

depends() {
    # dracut-systemd brings the emergency target's service: a failed stage
    # isolates it, which is what keeps the boot from reaching the real root.
    echo systemd systemd-initrd dracut-systemd systemd-networkd dm
}

installkernel() {
    # fw_cfg carries the config on QEMU; the rest are what the disks stage
    # and the fetch stage may need before the root is mounted.
    instmods -c qemu_fw_cfg
    hostonly='' instmods virtio_blk virtio_net virtio_pci virtio_scsi \
        ext4 xfs vfat btrfs isofs udf loop raid0 raid1 raid10 raid456 dm_crypt md_mod \
        vboxguest hv_utils hv_vmbus
}

install() {
    local provision="${KINDLING_PROVISION:-/usr/lib/kindling/provision}"
    inst_simple "$provision" /usr/bin/provision

    # The stages run these tools; optional ones are skipped when absent.
    inst_multiple sfdisk wipefs blkid partx udevadm mount umount \
        useradd usermod userdel groupadd groupdel groupmod chpasswd \
        mkfs.ext4 mkswap systemctl
    inst_multiple -o mkfs.xfs mkfs.vfat mkfs.fat mkfs.btrfs mdadm cryptsetup \
        clevis clevis-luks-bind clevis-encrypt-tang clevis-encrypt-tpm2 \
        clevis-encrypt-sss jose curl e2label xfs_admin tune2fs losetup \
        setfiles chcon
    # Arrays the disks stage creates get their /dev/md/NAME links from
    # mdadm's naming rules; the assembly rules stay out, so the initramfs
    # never assembles arrays on its own.
    inst_rules 01-md-raid-creating.rules 63-md-raid-arrays.rules
    # useradd and friends read these from the target root, but PAM and NSS
    # inside the initramfs need their own minimal copies.
    inst_multiple -o /etc/login.defs /etc/default/useradd

    inst_script "$moddir/kindling-generator" \
        "$systemdutildir/system-generators/kindling-generator"
    local unit
    for unit in kindling-fetch-offline.service kindling-fetch.service \
        kindling-root-gate.service kindling-disks.service kindling-kargs.service kindling-mount.service \
        kindling-files.service kindling-complete.target \
        kindling-firstboot-done.service kindling-cleanup.service kindling-reboot.service \
        kindling-failure.service; do
        inst_simple "$moddir/$unit" "$systemdsystemunitdir/$unit"
    done
    inst_simple "$moddir/kindling-failure.sh" /usr/lib/kindling/failure.sh
    # The failure message comes with the emergency target a failed stage
    # isolates (on boots without a failed stage it finds nothing to say).
    mkdir -p "$initdir$systemdsystemunitdir/emergency.target.wants"
    ln -sf ../kindling-failure.service \
        "$initdir$systemdsystemunitdir/emergency.target.wants/kindling-failure.service"
    inst_simple "$moddir/10-kindling-dhcp.network" \
        /etc/systemd/network/10-kindling-dhcp.network
    # Load fw_cfg early so the qemu platform finds its config.
    mkdir -p "$initdir/etc/modules-load.d"
    printf "qemu_fw_cfg\n" > "$initdir/etc/modules-load.d/kindling.conf"
}
