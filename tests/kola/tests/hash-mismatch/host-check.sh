# Contents are verified before the first write: not even the good file.
test ! -e "$ROOT/etc/kola/good"
test ! -e "$ROOT/etc/kola/bad"
test -e "$ROOT/boot/kindling.firstboot"
