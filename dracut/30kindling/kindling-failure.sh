#!/bin/sh
# Run by kindling-failure.service when the boot entered the emergency
# target: if a Kindling stage failed, tell the person at the console which
# one and why. The real root is never reached after that.
for unit in kindling-fetch-offline kindling-fetch kindling-disks kindling-kargs \
    kindling-mount kindling-files kindling-firstboot-done; do
    systemctl -q is-failed "$unit.service" 2>/dev/null || continue
    stage="${unit#kindling-}"
    result=$(systemctl show -p Result --value "$unit.service" 2>/dev/null)
    status=$(systemctl show -p ExecMainStatus --value "$unit.service" 2>/dev/null)
    {
        echo
        echo "kindling: provisioning FAILED in stage '$stage' (${result:-failed}, status ${status:-?})."
        echo "kindling: the boot stops here; the real root was not switched to."
        if [ -s /run/kindling/failure ]; then
            echo "kindling: reason:"
            sed 's/^/kindling:   /' /run/kindling/failure
        else
            echo "kindling: last messages:"
            journalctl -q -o cat --no-pager -n 15 -u "$unit.service" 2>/dev/null | sed 's/^/kindling:   /'
        fi
        echo "kindling: run 'journalctl -u $unit.service' in the emergency shell for more."
        echo
    } > /dev/console 2>&1
    break
done
exit 0
