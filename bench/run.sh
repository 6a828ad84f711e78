#!/usr/bin/env bash
# Prints Kindling's speed and size figures (run as root from anywhere; the
# disk and boot figures need loop devices and the VM tool chain, see
# scripts/deps.sh). Targets are in each issue; this only measures.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export GOFLAGS="${GOFLAGS:--tags=nethttpomithttp2}"

section() { printf '\n== %s\n' "$1"; }

section "binary sizes (CGO_ENABLED=0, -trimpath, -ldflags '-s -w'; target for provision: at most 9 MiB)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cmd in provision transpile; do
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/$cmd" "./cmd/$cmd"
  size=$(stat -c %s "$tmp/$cmd")
  awk -v c="$cmd" -v s="$size" 'BEGIN { printf "%-10s %10d bytes  %6.2f MiB\n", c, s, s / 1048576 }'
done

section "provision: what each library adds (symbol sizes from go tool nm -size of the unstripped binary)"
CGO_ENABLED=0 go build -trimpath -o "$tmp/provision.syms" ./cmd/provision
go tool nm -size "$tmp/provision.syms" | awk -f bench/libsize.awk

section "config: parse and validate 1 MB, 5,000 files (target under 100 ms)"
go test -run '^$' -bench 'ParseLarge|MergeLarge' -benchmem ./config | grep -E '^Benchmark'

section "transpile: 1.7 MB YAML, 5,000 inline files (target under 300 ms)"
go test -run '^$' -bench 'Translate' -benchmem ./transpile | grep -E '^Benchmark'

section "peak RSS of provision validate on 64 MiB JSON and transpile on 25 MiB YAML (issue #12: 2 GB and 1.7 GB before)"
go run ./bench/peakrss

section "fetch: 1 GiB over loopback HTTP with sha512 (peak RSS target under 64 MB)"
go test -run '^$' -bench 'Fetch1GiB' -benchtime 1x ./internal/resource | grep -vE '^(goos|goarch|pkg|cpu|PASS|ok)'

section "files stage: 5,000 files, 500 dirs, 500 links, 300 units (target under 0.6 s)"
go test -run '^$' -bench 'FilesStage|CreateBaseline' -benchtime 3x ./stages/files | grep -E '^Benchmark'

section "disks stage: 4 partitions with ext4, xfs, vfat, swap on a 2 GiB loop image"
go test -run '^$' -bench 'Disks4Partitions' -benchtime 2x ./stages/disks | grep -E '^Benchmark|SKIP|skip' || true

section "boot: what provisioning adds to the boot of the demo config (target under 2 s), three boot pairs"
go run ./bench/boot -runs 3

# ---- fleets (h-fleet): templates rendered per node ----
section "fleet: 10,000 per-node configs from one template in one process (goal under 3 s, bar 10 s; peak RSS reported)"
go test -run '^$' -bench 'Fleet10k' -benchtime 1x ./transpile/fleet | grep -E '^Benchmark'
