fail() { echo "check failed: $*"; exit 1; }
[ "$(cat /etc/kola/from-parent)" = parent ] || fail from-parent
[ "$(cat /etc/kola/overridden)" = child ] || fail merge did not let the child win
[ "$(cat /etc/kola/fetched)" = "fetched over http" ] || fail fetched
echo "all checks passed"
