# The matching filesystem was reused: old data kept, new file added.
mnt=$(mktemp -d)
mount -o ro,loop "$DISK_KEEP" "$mnt"
ok=0
[ "$(cat "$mnt/existing")" = precious ] || ok=1
[ "$(cat "$mnt/added")" = added ] || ok=1
umount "$mnt"; rmdir "$mnt"
exit $ok
