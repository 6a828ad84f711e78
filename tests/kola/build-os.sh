#!/usr/bin/env bash
# Builds the small test OS the VM tests boot, into $KOLA_CACHE (default
# .cache/kola in the repository):
#   vmlinuz     Debian's cloud kernel (its virtio and fw_cfg drivers are modules)
#   initrd.img  a dracut 059 systemd initramfs with the kindling module and
#               the freshly built provision binary (rebuilt every run)
#   root.img    an ext4 image (label "root") of a debootstrapped bookworm
#               with systemd, carrying the first-boot stamp and a check unit
# The root image is built once and reused; delete the cache to rebuild it.
# Needs root and the packages of `scripts/deps.sh vm`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KOLA_CACHE:-$repo/.cache/kola}
mirror=${KOLA_MIRROR:-http://deb.debian.org/debian}
provision=${KINDLING_PROVISION:-$repo/bin/provision}
mkdir -p "$cache"

kver=$(find /lib/modules -mindepth 1 -maxdepth 1 -name '*-cloud-amd64' -printf '%f\n' | sort -V | tail -n1)
if [ -z "$kver" ]; then
  echo "build-os: no linux-image-cloud-amd64 kernel installed (scripts/deps.sh vm)" >&2
  exit 1
fi

# The packages of the test OS: systemd, and what a provisioned machine
# needs to use what the disks stage made (mdadm assembles arrays at boot;
# systemd's cryptsetup generator unlocks crypttab volumes).
packages=systemd,systemd-sysv,udev,kmod,e2fsprogs,xfsprogs,iproute2,mdadm

build_rootfs() {
  local dir=$cache/rootfs
  [ "$(cat "$dir/.kola-ready" 2>/dev/null)" = "$packages" ] && return
  echo "build-os: debootstrap bookworm (about a minute)"
  rm -rf "$dir" "$dir.tmp"
  debootstrap --variant=minbase --include="$packages" \
    bookworm "$dir.tmp" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  mv "$dir.tmp" "$dir"
  echo "build-os: root filesystem ready"
  echo "$packages" > "$dir/.kola-ready"
}

# customize puts into a copy of the root what every test boot needs: an
# fstab, the kernel's modules, the first-boot stamp the boot loader would
# check, and a unit that runs the test's checks and powers off.
customize() {
  local dir=$1
  echo kola > "$dir/etc/hostname"
  echo 'LABEL=root / ext4 defaults 0 1' > "$dir/etc/fstab"
  : > "$dir/etc/machine-id"
  chroot "$dir" passwd -dq root >/dev/null 2>&1 || chroot "$dir" passwd -d root >/dev/null
  mkdir -p "$dir/lib/modules" "$dir/boot"
  cp -a "/lib/modules/$kver" "$dir/lib/modules/"
  touch "$dir/boot/kindling.firstboot"
  # A Boot Loader Specification entry, as image-based distros ship, for the
  # kargs stage to edit (the VMs boot the kernel directly, so it is only
  # read by the tests).
  mkdir -p "$dir/boot/loader/entries"
  cat > "$dir/boot/loader/entries/kola.conf" <<'ENTRY'
title Kola test OS
version 1
linux /vmlinuz
initrd /initrd.img
options root=LABEL=root rw console=ttyS0 quiet
ENTRY
  ln -sf /lib/systemd/system/multi-user.target "$dir/etc/systemd/system/default.target"
  install -D -m 0755 "$repo/tests/kola/kola-check" "$dir/usr/lib/kola/kola-check"
  install -m 0644 "$repo/tests/kola/kola-check.service" "$dir/etc/systemd/system/kola-check.service"
  mkdir -p "$dir/etc/systemd/system/multi-user.target.wants"
  ln -sf /etc/systemd/system/kola-check.service "$dir/etc/systemd/system/multi-user.target.wants/kola-check.service"
}

build_root_image() {
  local img=$cache/root.img stamp=$cache/root.img.inputs
  local inputs
  inputs=$(cat "$repo/tests/kola/build-os.sh" "$repo/tests/kola/kola-check" "$repo/tests/kola/kola-check.service" | sha256sum)
  if [ -f "$img" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
    return
  fi
  echo "build-os: root image"
  local work=$cache/rootfs.work
  rm -rf "$work"
  cp -a "$cache/rootfs" "$work"
  rm -f "$work/.kola-ready"
  customize "$work"
  rm -f "$img.tmp"
  truncate -s 2G "$img.tmp"
  mkfs.ext4 -q -L root -d "$work" "$img.tmp"
  rm -rf "$work"
  mv "$img.tmp" "$img"
  echo "$inputs" > "$stamp"
}

build_initrd() {
  if [ ! -x "$provision" ]; then
    echo "build-os: $provision missing; run make build" >&2
    exit 1
  fi
  # dracut only looks for modules in its own directory.
  rm -rf /usr/lib/dracut/modules.d/30kindling
  cp -r "$repo/dracut/30kindling" /usr/lib/dracut/modules.d/30kindling
  chmod +x /usr/lib/dracut/modules.d/30kindling/*.sh /usr/lib/dracut/modules.d/30kindling/kindling-generator
  cp "/boot/vmlinuz-$kver" "$cache/vmlinuz"
  echo "build-os: initramfs for $kver"
  KINDLING_PROVISION=$provision dracut --quiet --force --no-hostonly --no-hostonly-cmdline \
    --kver "$kver" --compress zstd \
    --modules "systemd systemd-initrd dracut-systemd systemd-networkd dm kernel-modules rootfs-block udev-rules base fs-lib shutdown kindling" \
    --add-drivers "virtio_blk virtio_pci virtio_net virtio_scsi qemu_fw_cfg ext4" \
    "$cache/initrd.img.tmp" "$kver"
  mv "$cache/initrd.img.tmp" "$cache/initrd.img"
}

build_rootfs
build_root_image
build_initrd
echo "build-os: ready in $cache"
