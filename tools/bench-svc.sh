#!/usr/bin/env bash
# make bench's driver-supervisor figures (servers/supervisor, issue 7), called by tools/bench.sh:
# svc-bench (tests/svc-bench) as pid 1 with the supervisor, pci, virtio-blk, vfs, ext2 and pm
# on a fresh copy of build/ext2-bench.img. Prints
#   svc_restart_ready              the supervisor's own figure: from learning of the death to
#                                  the new driver's READY (its "serving again, N us after its
#                                  death (T tsc)" lines): instructions under icount (one run,
#                                  the median of its restarts), and _wall in ms (the median)
#   svc_restart_to_served_wall     from `svc kill virtio-blk` to the end of a 64 KiB read of an
#                                  uncached part of a file, served by the new driver: ms, the
#                                  median of BENCH_WALL_RUNS runs (under icount the TSC also
#                                  counts the idle waits skipped, so no instruction figure)
#   svc_workload_slowdown_wall     a 4 MiB write+sync+read-back round while one crash fault is
#                                  armed every 250 ms, against the same round without: percent
#                                  (with svc_workload_faults, the driver restarts it saw)
# Usage: bench-svc.sh KERNEL_ELF; messages other than figures go to stderr; exit 1 on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$1
wall_runs=${BENCH_WALL_RUNS:-3}
userdir=$top/build/user
out=$top/build/bench
failed=0
mkdir -p "$out"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run LOG [QEMU flags]: one boot; fails unless svc-bench said done and pm powered off.
run() {
    local log=$1 status
    cp "$top/build/ext2-bench.img" "$out/svc-bench.img" || return 1
    QEMU_EXTRA="${2:-} -drive file=$out/svc-bench.img,if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0" \
        "$top/tools/qemu.sh" test "$out/svc.iso" "$log" 300
    status=$?
    if [ "$status" != 0 ] || ! tr -d '\r' < "$log" | grep -q '^svc-bench: done$'; then
        echo "bench-svc.sh: svc-bench${2:+ ($2)} ended with QEMU status $status, or not done; its log:" >&2
        tr -d '\r' < "$log" | tail -n 20 | sed 's/^/  | /' >&2
        return 1
    fi
}

"$top/tools/mkiso.sh" "$kernel" "posix_init=/bin/svc-bench" "$out/svc.iso" "$userdir/init.elf" \
    "$userdir/names.elf" "$userdir/supervisor.elf" "$userdir/pci.elf" "$userdir/virtio-blk.elf" \
    "$userdir/vfs.elf" "$userdir/ext2.elf" "$userdir/pm.elf" "$userdir/posix-rootfs.cpio=rootfs.cpio" || exit 1

if run "$out/svc-icount.log" "-icount shift=0,sleep=off"; then
    n=$(tr -d '\r' < "$out/svc-icount.log" |
        sed -n 's/^supervisor: virtio-blk (pid [0-9]*) serving again, [0-9]* us after its death (\([0-9]*\) tsc)$/\1/p' | median)
    echo "bench: svc_restart_ready $n instructions"
else
    failed=1
fi

: > "$out/svc-served.ms"; : > "$out/svc-ready.us"; : > "$out/svc-slowdown.pct"; : > "$out/svc-faults.n"
for i in $(seq "$wall_runs"); do
    log=$out/svc-wall-$i.log
    run "$log" || { failed=1; continue; }
    t=$(tr -d '\r' < "$log")
    mhz=$(sed -n 's/.*timer: .* TSC \([0-9.]*\) MHz.*/\1/p' <<< "$t" | head -n 1)
    awk -v mhz="$mhz" '$1 == "bench:" && $2 == "svc_restart_to_served" { printf "%.1f\n", $3 / mhz / 1000 }' <<< "$t" >> "$out/svc-served.ms"
    sed -n 's/^supervisor: virtio-blk (pid [0-9]*) serving again, \([0-9]*\) us after its death.*/\1/p' <<< "$t" | median >> "$out/svc-ready.us"
    awk '$1 == "bench:" { v[$2] = $3 } END { printf "%.0f\n", (v["svc_workload_faulted"] / v["svc_workload_base"] - 1) * 100 }' <<< "$t" >> "$out/svc-slowdown.pct"
    awk '$1 == "bench:" && $2 == "svc_workload_faults" { print $3 }' <<< "$t" >> "$out/svc-faults.n"
done
if [ -s "$out/svc-served.ms" ]; then
    echo "bench: svc_restart_to_served_wall $(median < "$out/svc-served.ms") ms"
    echo "bench: svc_restart_ready_wall $(awk '{ printf "%.1f\n", $1 / 1000 }' "$out/svc-ready.us" | median) ms"
    echo "bench: svc_workload_slowdown_wall $(median < "$out/svc-slowdown.pct") %"
    echo "bench: svc_workload_faults $(median < "$out/svc-faults.n") restarts"
fi
exit "$failed"
