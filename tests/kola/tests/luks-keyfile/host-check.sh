# The disk is LUKS2 with the config's label and opens with the config's
# key (checked without device-mapper, which the host may lack).
cryptsetup isLuks --type luks2 "$DISK_SECRET"
cryptsetup luksDump "$DISK_SECRET" | grep -q 'Label:.*kola-luks'
grep -q kolacrypt "$ROOT/etc/crypttab"
printf kola-secret-key | cryptsetup open --test-passphrase --key-file - "$DISK_SECRET"
if printf wrong-key | cryptsetup open --test-passphrase --key-file - "$DISK_SECRET" 2>/dev/null; then
    echo "a wrong key opened the volume" >&2
    exit 1
fi
