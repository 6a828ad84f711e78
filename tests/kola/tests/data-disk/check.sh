fail() { echo "check failed: $*"; exit 1; }
[ "$(findmnt -n -o FSTYPE /var/data)" = xfs ] || fail data disk not mounted
[ "$(cat /var/data/hello)" = "on the data disk" ] || fail file not on the data disk
# The config leaves the root's disk alone: the root was mounted while the
# disks stage worked, not after it.
journalctl -b -q -t kindling | grep -q "the root is mounted while the disks stage runs" ||
    fail "the root gate did not let the root mount alongside the disks stage"
echo "all checks passed"
