# The files went where the symlinks point, as if the root were /, and the
# symlinks are still symlinks (not replaced by directories).
fail() { echo "check failed: $*"; ls -la / /usr /var /var/usrlocal /var/opt 2>&1 | head -60; exit 1; }
[ -L /usr/local ] && [ "$(readlink /usr/local)" = ../var/usrlocal ] || fail "/usr/local is not the symlink ../var/usrlocal"
[ -L /opt ] && [ "$(readlink /opt)" = var/opt ] || fail "/opt is not the symlink var/opt"
for d in /var/usrlocal /var/usrlocal/bin /var/opt /var/opt/app; do
    [ -d "$d" ] && [ ! -L "$d" ] || fail "$d is not a directory"
    [ "$(stat -c '%u:%g' "$d")" = 0:0 ] || fail "$d is not owned by root"
done
f=/var/usrlocal/bin/hello
[ -f $f ] && [ ! -L $f ] || fail "$f is not a regular file"
[ "$(stat -c %a $f)" = 755 ] || fail "$f has mode $(stat -c %a $f), want 755"
[ "$(/usr/local/bin/hello)" = hello ] || fail "/usr/local/bin/hello does not run"
[ "$(cat /var/opt/app/conf)" = listen=8080 ] || fail "/var/opt/app/conf: $(cat /var/opt/app/conf 2>&1)"
[ "$(cat /opt/app/conf)" = listen=8080 ] || fail "/opt/app/conf is not reached through the symlink"
echo "all checks passed"
