# Sums `go tool nm -size` symbol sizes by the library they belong to and
# prints each library's share; the rest is Kindling and the standard
# library. Only code and read-only data (types T, t, R, r) count: bss is
# not in the file. Symbols the linker pools (go:func.*, type names) are
# not attributed, so the shares are a lower bound. Libraries are data: the
# list of prefixes below.
BEGIN {
  n = split("cloud.google.com/go/compute/metadata github.com/aws/aws-sdk-go-v2 github.com/aws/smithy-go github.com/vincent-petithory/dataurl github.com/pin/tftp github.com/google/uuid github.com/coreos/go-systemd go.yaml.in/yaml github.com/vmware/vmw-guestinfo golang.org/x/sys golang.org/x/net github.com/kindling-dev/kindling", libs, " ")
}
{
  if ($3 !~ /^[TtRr]$/) next
  size = $2; name = $4
  for (i = 1; i <= n; i++) {
    if (index(name, libs[i]) > 0) { sum[libs[i]] += size; next }
  }
  sum["(standard library and runtime)"] += size
}
END {
  for (k in sum) printf "%-45s %9d bytes  %6.2f MiB\n", k, sum[k], sum[k] / 1048576 | "sort -k2 -n -r"
}
