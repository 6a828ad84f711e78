#!/usr/bin/env bash
# Installs what building and testing Kindling needs on Debian 12, as root.
# Idempotent and quick when everything is present. Usage: deps.sh GROUP...
# Groups: build (Go toolchain check), disks (partitioning, filesystem, RAID,
# LUKS tools), vm (QEMU, dracut, debootstrap, a Debian kernel).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/go/bin"

packages=()
for group in "$@"; do
  case "$group" in
    build) ;;
    disks) packages+=(gdisk fdisk dosfstools mtools genisoimage xfsprogs btrfs-progs e2fsprogs mdadm cryptsetup-bin util-linux udev tang clevis clevis-luks jose curl) ;;
    vm) packages+=(qemu-system-x86 qemu-utils dracut-core dracut-network debootstrap linux-image-cloud-amd64 cpio zstd busybox-static systemd-container) ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  echo "deps.sh: Go 1.26 is required (expected at /usr/local/go/bin/go)" >&2
  exit 1
fi
