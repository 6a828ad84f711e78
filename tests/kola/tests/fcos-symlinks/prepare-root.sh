# Fedora CoreOS's layout: /usr/local and /opt are symlinks into /var, and
# their targets do not exist until something creates them.
rm -rf "$ROOT/usr/local" "$ROOT/opt"
ln -s ../var/usrlocal "$ROOT/usr/local"
ln -s var/opt "$ROOT/opt"
rm -rf "$ROOT/var/usrlocal" "$ROOT/var/opt"
