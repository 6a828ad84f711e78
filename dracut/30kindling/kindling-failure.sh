#!/bin/sh
# ExecStopPost of every stage: when the stage did not succeed, tell the
# person at the console which stage failed and why. The unit's OnFailure
# then isolates the emergency target, so the real root is never reached.
unit="$1"
[ "${SERVICE_RESULT:-success}" = success ] && exit 0
stage="${unit#kindling-}"
stage="${stage%.service}"
{
    echo
    echo "kindling: provisioning FAILED in stage '$stage' ($SERVICE_RESULT, status ${EXIT_STATUS:-?})."
    echo "kindling: the boot stops here; the real root was not switched to."
    if [ -s /run/kindling/failure ]; then
        echo "kindling: reason:"
        sed 's/^/kindling:   /' /run/kindling/failure
    else
        echo "kindling: last messages:"
        journalctl -q -o cat --no-pager -n 15 -u "$unit" 2>/dev/null | sed 's/^/kindling:   /'
    fi
    echo "kindling: run 'journalctl -u $unit' in the emergency shell for more."
    echo
} > /dev/console 2>&1
exit 0
