# Nothing was written and the first-boot stamp is still there, so the next
# boot tries again.
test ! -e "$ROOT/etc/kola-should-not-exist"
test -e "$ROOT/boot/kindling.firstboot"
