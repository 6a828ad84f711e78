# The file landed on the data disk, not in the root's /var/data.
test ! -e "$ROOT/var/data/hello"
sgdisk -p "$DISK_DATA" | grep -q kola-data
sgdisk -p "$DISK_DATA" | grep -q kola-swap
