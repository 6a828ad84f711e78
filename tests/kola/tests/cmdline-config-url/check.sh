# The platform is qemu but QEMU carries no config: it came from the URL on
# the kernel command line.
fail() { echo "check failed: $*"; cat /etc/.kindling-result.json 2>&1; exit 1; }
[ ! -e /sys/firmware/qemu_fw_cfg/by_name/opt/com.coreos/config ] || fail "QEMU carries a config"
[ "$(cat /etc/kola/from-url)" = "served by the host" ] || fail "/etc/kola/from-url: $(cat /etc/kola/from-url 2>&1)"
grep -q '"platform": "qemu"' /etc/.kindling-result.json || fail "not provisioned as platform qemu"
grep -q '"userConfigProvided": true' /etc/.kindling-result.json || fail "no user config recorded"
echo "all checks passed"
