fail() { echo "check failed: $*"; exit 1; }
[ "$(findmnt -n -o FSTYPE /var/data)" = xfs ] || fail data disk not mounted
[ "$(cat /var/data/hello)" = "on the data disk" ] || fail file not on the data disk
echo "all checks passed"
