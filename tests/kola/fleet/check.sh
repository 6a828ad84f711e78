# Runs inside the provisioned VM of node $1 (fleet-a or fleet-b).
fail() { echo "check failed: $*"; exit 1; }
node=$1
case $node in fleet-a) role=web ;; fleet-b) role=db ;; *) fail "unknown node $node" ;; esac
[ "$(cat /etc/hostname)" = "$node" ] || fail hostname "$(cat /etc/hostname)"
[ "$(hostname)" = "$node" ] || fail running hostname "$(hostname)"
[ "$(cat /etc/kola/fleet-node)" = "name=$node
role=$role" ] || fail node file
[ "$(systemctl is-enabled kola-fleet.service)" = enabled ] || fail enabled
[ "$(cat /run/kola-fleet)" = "$role" ] || fail unit did not run
echo "all checks passed"
