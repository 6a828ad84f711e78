fail() { echo "check failed: $*"; exit 1; }
# The config names the root filesystem itself, so the root had to wait
# for the disks stage before it was checked and mounted.
journalctl -b -q -t kindling | grep -q "the root waits for the disks stage" ||
    fail "the root gate did not hold the root for the disks stage"
at() { # at PATTERN: monotonic time of PID 1's first journal line matching it
    journalctl -b -q -o short-monotonic _PID=1 | grep -m1 "$1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/'
}
disks=$(at "Finished kindling-disks.service")
root=$(at "Mounted sysroot.mount")
[ -n "$disks" ] && [ -n "$root" ] || fail "no journal lines for the disks stage ($disks) or the root mount ($root)"
awk -v d="$disks" -v r="$root" 'BEGIN { exit !(r > d) }' ||
    fail "the root was mounted at $root, before the disks stage finished at $disks"
echo "all checks passed"
