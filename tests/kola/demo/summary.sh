# Runs inside the demo VM after boot: shows what Kindling provisioned.
section() { printf '\n--- %s\n' "$1"; }
echo
echo "=================== the provisioned machine ==================="
section "hostname"; cat /etc/hostname
section "user demo"; getent passwd demo; id demo
section "ssh keys of demo"; for f in /home/demo/.ssh/authorized_keys.d/*; do echo "$f:"; cat "$f"; done
section "files"; ls -l /etc/motd /usr/local/bin/demo-heartbeat; ls -ld /var/lib/demo/www
section "/etc/motd"; cat /etc/motd
section "data disk"; findmnt -o TARGET,SOURCE,FSTYPE,LABEL /var/lib/demo || true
section "service"; systemctl --no-pager is-enabled demo-heartbeat.service; systemctl --no-pager is-active demo-heartbeat.service
sleep 1; echo "heartbeat: $(cat /var/lib/demo/heartbeat 2>/dev/null || echo none)"
section "provisioning result (/etc/.kindling-result.json)"; cat /etc/.kindling-result.json; echo
section "provisioning timeline (journal)"
journalctl -b -o short-monotonic --no-pager -q -t kindling 2>/dev/null | tail -n 15 || true
echo "================================================================"
