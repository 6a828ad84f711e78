# The disk is LUKS2, opens with the key from the config, and holds the file.
cryptsetup isLuks --type luks2 "$DISK_SECRET"
cryptsetup luksDump "$DISK_SECRET" | grep -q 'Label:.*kola-luks'
grep -q kolacrypt "$ROOT/etc/crypttab"
name=kola-check-$$
printf kola-secret-key | cryptsetup open --readonly --key-file - "$DISK_SECRET" "$name"
mnt=$(mktemp -d)
mount -o ro "/dev/mapper/$name" "$mnt"
ok=0; [ "$(cat "$mnt/hidden")" = "encrypted at rest" ] || ok=1
umount "$mnt"; cryptsetup close "$name"; rmdir "$mnt"
exit $ok
