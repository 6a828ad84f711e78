# Runs inside the provisioned VM.
fail() { echo "check failed: $*"; exit 1; }
[ "$(cat /etc/kola/plain)" = "hello kola" ] || fail plain
[ "$(stat -c %a /etc/kola/plain)" = 644 ] || fail plain mode
[ "$(cat /etc/kola/gzipped)" = "hello world" ] || fail gzipped "$(cat /etc/kola/gzipped)"
[ "$(stat -c %a /etc/kola/gzipped)" = 600 ] || fail gzipped mode
[ "$(cat /etc/kola/appended)" = "one
two" ] || fail appended
[ "$(readlink /etc/kola/link)" = /etc/kola/plain ] || fail symlink
[ "$(stat -c %i /etc/kola/hardlink)" = "$(stat -c %i /etc/kola/plain)" ] || fail hardlink
[ "$(stat -c '%a %U %G' /srv/app)" = "750 alice ops" ] || fail dir owner "$(stat -c '%a %U %G' /srv/app)"
[ "$(stat -c '%a %U %G' /srv/app/owned)" = "640 alice ops" ] || fail file owner
[ "$(stat -c %a /usr/local/bin/kola-setuid)" = 4755 ] || fail setuid "$(stat -c %a /usr/local/bin/kola-setuid)"
id alice | grep -q '(ops)' || fail alice groups "$(id alice)"
[ "$(id -u alice)" = 2001 ] || fail uid
getent passwd alice | grep -q ':/bin/bash$' || fail shell
grep -rq 'alice@kola' /home/alice/.ssh/authorized_keys.d/ || fail ssh key
[ "$(stat -c %U /home/alice/.ssh)" = alice ] || fail ssh dir owner
[ "$(systemctl is-enabled kola-hello.service)" = enabled ] || fail enabled
[ "$(cat /run/kola-hello)" = ran ] || fail unit did not run
[ "$(systemctl is-enabled systemd-timesyncd.service 2>/dev/null)" = masked ] || fail masked
systemctl show -p Environment systemd-journald.service | grep -q KOLA_DROPIN=1 || fail dropin
[ -f /etc/.kindling-result.json ] || fail result file
echo "all checks passed"
