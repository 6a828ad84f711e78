fail() { echo "check failed: $*"; exit 1; }
# Runs on the boot after Kindling's reboot: the entry has the new argument,
# lost the removed one, kept the present one once, and the first boot's
# provisioning was complete before it rebooted.
entry=/boot/loader/entries/kola.conf
grep -q '^options .*kola\.karg=yes' "$entry" || fail kola.karg=yes missing
if grep -q '^options .*\bquiet\b' "$entry"; then fail quiet still present; fi
[ "$(grep -o 'console=ttyS0' "$entry" | wc -l)" = 1 ] || fail console=ttyS0 duplicated
[ "$(cat /etc/kola/kargs)" = provisioned ] || fail files stage did not run
[ ! -e /boot/kindling.firstboot ] || fail stamp not consumed
echo "all checks passed"
