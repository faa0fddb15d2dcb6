#!/usr/bin/env bash
# Runs every test (host unit tests, then system tests in QEMU) and prints one summary line.
# Usage: run-all.sh KERNEL_ELF
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$1
logdir=$top/build/test-logs
mkdir -p "$logdir"
start=$SECONDS

echo "== unit tests (host, CUnit)"
make --no-print-directory -C "$top/tests/unit" check 2>&1 | tee "$logdir/unit.log"
unit_rc=${PIPESTATUS[0]}

echo "== system tests (QEMU, TCG)"
"$top/tests/system/run.sh" "$kernel" 2>&1 | tee "$logdir/system.log"
system_rc=${PIPESTATUS[0]}

count() {   # count WHICH LOG: the N of the last "WHAT: N passed, M failed" line
    sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p" "$2" | tail -n 1
}
read -r up uf <<< "$(count unit "$logdir/unit.log")"
read -r sp sf <<< "$(count system "$logdir/system.log")"
# A suite that printed no summary (it crashed or did not build) counts as one failure.
[ -n "${up:-}" ] || { up=0; uf=1; }
[ -n "${sp:-}" ] || { sp=0; sf=1; }
[ "$unit_rc" -eq 0 ] || [ "$uf" -gt 0 ] || uf=1
[ "$system_rc" -eq 0 ] || [ "$sf" -gt 0 ] || sf=1

echo "== done in $((SECONDS - start)) s: unit $up passed, $uf failed; system $sp passed, $sf failed"
echo "$((up + sp)) passed, $((uf + sf)) failed"
[ $((uf + sf)) -eq 0 ]
