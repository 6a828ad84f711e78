fail() { echo "check failed: $*"; exit 1; }
grep -q '^kolacrypt ' /etc/crypttab || fail no crypttab entry
[ "$(stat -c %a /etc/luks/kolacrypt)" = 400 ] || fail key file mode
[ "$(cat /etc/luks/kolacrypt)" = kola-secret-key ] || fail key file contents
# systemd-cryptsetup unlocked the volume from crypttab during this boot.
[ -b /dev/mapper/kolacrypt ] || fail volume not unlocked at boot
mnt=$(mktemp -d)
mount -o ro /dev/mapper/kolacrypt "$mnt" || fail cannot mount the volume
[ "$(cat "$mnt/hidden")" = "encrypted at rest" ] || fail file not inside the volume
umount "$mnt"
echo "all checks passed"
