#!/usr/bin/env bash
# make bench: prints figures as "bench: <name> <value> <unit>" (medians of several runs).
# Today: wall time from starting QEMU (TCG) to the kernel's first serial line and to
# the first timer tick, through SeaBIOS and GRUB.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$1
runs=${BENCH_RUNS:-5}
out=$top/build/bench
mkdir -p "$out"
"$top/tools/mkiso.sh" "$kernel" "halt_after=1" "$out/boot.iso"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$out/banner.ms"
: > "$out/tick.ms"
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    timeout 30 qemu-system-x86_64 -machine pc -cpu max -m 256M -no-reboot -display none \
        -monitor none -cdrom "$out/boot.iso" -boot d -serial stdio </dev/null |
    while IFS= read -r line; do
        now=$(date +%s%N)
        case "$line" in
            "Agora microkernel"*) echo $(((now - start) / 1000000)) >> "$out/banner.ms" ;;
            *"timer: tick 100 "*) echo $(((now - start) / 1000000)) >> "$out/tick.ms" ;;
        esac
    done
done
echo "bench: boot_to_banner_wall $(median < "$out/banner.ms") ms"
echo "bench: boot_to_first_second_tick_wall $(median < "$out/tick.ms") ms"
