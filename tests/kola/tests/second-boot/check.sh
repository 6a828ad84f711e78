fail() { echo "check failed: $*"; exit 1; }
if [ ! -e /var/lib/kola-first-boot-done ]; then
    [ "$(cat /etc/kola/once)" = provisioned ] || fail first boot not provisioned
    [ ! -e /boot/kindling.firstboot ] || fail stamp not consumed
    echo changed > /etc/kola/once
    touch /var/lib/kola-first-boot-done
else
    # Provisioning again would have overwritten the file.
    [ "$(cat /etc/kola/once)" = changed ] || fail provisioned twice
fi
echo "all checks passed"
