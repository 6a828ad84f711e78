fail() { echo "check failed: $*"; exit 1; }
# The array assembled at boot from its two members and holds the file.
# mdadm in the booted root assembled it from the members udev found.
dev=$(blkid -L kola-raid) || fail no filesystem labelled kola-raid
grep -q "raid1" /proc/mdstat || fail no raid1 in /proc/mdstat
mnt=$(mktemp -d)
mount -o ro "$dev" "$mnt" || fail cannot mount the array
[ "$(cat "$mnt/mirrored")" = twice ] || fail file not on the array
umount "$mnt"
echo "all checks passed"
