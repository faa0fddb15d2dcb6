#!/usr/bin/env bash
# make bench: prints figures as "bench: <name> <value> <unit>".
#
# - kbench (tests/kbench) boots as init and times the kernel's paths: IPC call+reply between
#   two address spaces and inside one, notification signal-to-wakeup, page fault to a pager
#   and back, map+unmap of a page. First under -icount shift=0,sleep=off, where the TSC
#   counts guest instructions: figures in instructions, which repeat (run twice here, and
#   checked to be equal). Then BENCH_WALL_RUNS times (default 3) without icount: ns of wall
#   time under TCG, the median of the runs, as <name>_wall.
# - Boot time: wall time from starting QEMU (TCG) to the kernel's first serial line and to
#   the first timer tick, through SeaBIOS and GRUB, the median of BENCH_RUNS (default 5).
# - posix-bench (tests/posix-bench) runs as pid 1 under pm (init, names, vfs, tmpfs, pm and a
#   root with /bin/posix-bench and /bin/posix-bench-true): getpid's IPC to pm, a pipe round
#   trip between two processes, fork+exit+wait, fork+exec+wait, signals, and a 4 KiB read,
#   a 4 KiB write and a stat of a file in vfs's own tree (_root) and on tmpfs (_tmp). It prints raw TSC ticks per
#   operation; under icount (run twice at once, checked to be equal) a tick is an
#   instruction; without icount (BENCH_WALL_RUNS runs, the median) ticks become ns through
#   the TSC rate in the kernel's "timer: ... TSC N MHz" line, as <name>_wall.
# - blk-bench (tests/blk-test/bench) boots with init, names, pci and virtio-blk on a 20 MiB
#   scratch disk (virtio-blk-pci, raw file): sequential READ then WRITE of 8 MiB in 64 KiB
#   requests, 8 in flight, timed by the kernel clock; MB/s, the median of BENCH_WALL_RUNS
#   (no icount figure: QEMU's disk I/O runs outside the guest's instruction count).
# - ext2_*: posix-ext2 (tests/posix-ext2) as pid 1 with the ext2 server at /mnt on a copy of
#   build/ext2-bench.img (64 MiB, 1 KiB blocks), the median of BENCH_WALL_RUNS, by the kernel
#   clock: ext2_seq_write_wall, ext2_seq_read_wall, a file of 32 MiB written in 64 KiB
#   writes then sync(), and read back (MB/s), through the bulk buffers (vfs.h and fs.h
#   BULK_ATTACH: 64 KiB per request client -> vfs -> ext2); ext2_seq_msg_write_wall and
#   ext2_seq_msg_read_wall, the same through 496-byte messages only (the path before the
#   bulk buffers); ext2_create_1000_wall and ext2_unlink_1000_wall, 1,000 small files made
#   (open O_CREAT|O_EXCL, write 16 bytes, close) and removed in one directory (files/s);
#   ext2_ls_l_1000_wall, what ls -l does with that directory: readdir, then lstat and a
#   formatted line per entry (ms).
# - boot_to_shell_prompt_wall: wall time from starting QEMU on build/agora.iso with a copy of
#   the root disk build/disk.img (make run's image: dash comes from the disk) to dash's first
#   "# " prompt, the median of BENCH_WALL_RUNS.
# - vmm_hypercall_round_trip: the test guest (guests/test) times 200 INFO hypercalls with its
#   own rdtsc: VMMCALL, the exit to vmm-server (user level), its answer, VMRUN again; under
#   icount in instructions, and as _wall in ns (the median of BENCH_WALL_RUNS).
#   vm_run_to_first_line_wall: from typing `vm run /guests/test.elf` at dash's prompt to the
#   guest's first console line (fork, exec of vmm-server, loading, the guest's first out),
#   host wall time, the median of BENCH_WALL_RUNS. Both on build/user/vm-rootfs.cpio.
# - svc_*: the driver supervisor (tools/bench-svc.sh): a dead disk driver's replacement
#   serving again, and a file workload's slowdown while faults are injected.
# Messages other than figures go to stderr.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$1
runs=${BENCH_RUNS:-5}
wall_runs=${BENCH_WALL_RUNS:-3}
userdir=$top/build/user
out=$top/build/bench
failed=0
mkdir -p "$out"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---- kbench ----

# run_kbench ISO LOG [QEMU flags]: boots it; prints its "bench:" lines; fails unless it passed.
run_kbench() {
    local iso=$1 log=$2 status
    QEMU_EXTRA="${3:-}" "$top/tools/qemu.sh" test "$iso" "$log" 300
    status=$?
    if [ "$status" != 1 ]; then
        echo "bench.sh: kbench ($iso${3:+, $3}) ended with QEMU status $status, not 1; its log:" >&2
        tr -d '\r' < "$log" | tail -n 20 | sed 's/^/  | /' >&2
        return 1
    fi
    tr -d '\r' < "$log" | grep '^bench: '
}

modules=("$userdir/kbench.elf" "$userdir/kbench-peer.elf")
"$top/tools/mkiso.sh" "$kernel" "test=kbench bench=icount" "$out/kbench-icount.iso" "${modules[@]}" &&
"$top/tools/mkiso.sh" "$kernel" "test=kbench bench=wall" "$out/kbench-wall.iso" "${modules[@]}" || exit 1

icount="-icount shift=0,sleep=off"
if run_kbench "$out/kbench-icount.iso" "$out/kbench-icount-1.log" "$icount" > "$out/icount-1.txt" &&
   run_kbench "$out/kbench-icount.iso" "$out/kbench-icount-2.log" "$icount" > "$out/icount-2.txt"; then
    cat "$out/icount-1.txt"
    if ! cmp -s "$out/icount-1.txt" "$out/icount-2.txt"; then
        echo "bench.sh: the two icount runs differ (the first is printed):" >&2
        diff "$out/icount-1.txt" "$out/icount-2.txt" >&2
    fi
else
    failed=1
fi

: > "$out/wall.txt"
for i in $(seq "$wall_runs"); do
    run_kbench "$out/kbench-wall.iso" "$out/kbench-wall-$i.log" >> "$out/wall.txt" || failed=1
done
# Per name (in first-seen order), the median value.
awk '$1 == "bench:" { if (!($2 in n)) order[++k] = $2; v[$2, ++n[$2]] = $3; unit[$2] = $4 }
     END {
         for (i = 1; i <= k; i++) {
             name = order[i]; c = n[name]
             for (a = 1; a <= c; a++) s[a] = v[name, a]
             for (a = 2; a <= c; a++)
                 for (b = a; b > 1 && s[b - 1] + 0 > s[b] + 0; b--) { t = s[b]; s[b] = s[b - 1]; s[b - 1] = t }
             print "bench:", name, s[int((c + 1) / 2)], unit[name]
         }
     }' "$out/wall.txt"

# ---- boot time ----

"$top/tools/mkiso.sh" "$kernel" "halt_after=1" "$out/boot.iso"

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

# ---- posix-bench ----

# Per name (in first-seen order) of the "bench:" lines on stdin, the median value.
median_per_name() {
    awk '$1 == "bench:" { if (!($2 in n)) order[++k] = $2; v[$2, ++n[$2]] = $3; unit[$2] = $4 }
         END {
             for (i = 1; i <= k; i++) {
                 name = order[i]; c = n[name]
                 for (a = 1; a <= c; a++) s[a] = v[name, a]
                 for (a = 2; a <= c; a++)
                     for (b = a; b > 1 && s[b - 1] + 0 > s[b] + 0; b--) { t = s[b]; s[b] = s[b - 1]; s[b - 1] = t }
                 print "bench:", name, s[int((c + 1) / 2)], unit[name]
             }
         }'
}

# run_posix_bench LOG [QEMU flags]: boots posix.iso; prints its "bench: NAME TICKS tsc"
# lines; fails unless it ended well (pm powers off when pid 1 exits: QEMU status 0).
run_posix_bench() {
    local log=$1 status
    QEMU_EXTRA="${2:-}" "$top/tools/qemu.sh" test "$out/posix.iso" "$log" 300
    status=$?
    if [ "$status" != 0 ] || ! tr -d '\r' < "$log" | grep -q '^posix-bench: done$'; then
        echo "bench.sh: posix-bench${2:+ ($2)} ended with QEMU status $status, or not done; its log:" >&2
        tr -d '\r' < "$log" | tail -n 20 | sed 's/^/  | /' >&2
        return 1
    fi
    tr -d '\r' < "$log" | grep '^bench: '
}

if "$top/tools/mkiso.sh" "$kernel" "posix_init=/bin/posix-bench" "$out/posix.iso" \
        "$userdir/init.elf" "$userdir/names.elf" "$userdir/vfs.elf" "$userdir/tmpfs.elf" "$userdir/pm.elf" \
        "$userdir/posix-bench-rootfs.cpio=rootfs.cpio"; then
    # Instruction counts do not depend on the host's load: both icount runs at once.
    run_posix_bench "$out/posix-icount-1.log" "$icount" > "$out/posix-icount-1.txt" & p1=$!
    run_posix_bench "$out/posix-icount-2.log" "$icount" > "$out/posix-icount-2.txt" & p2=$!
    if wait "$p1" && wait "$p2"; then
        sed 's/ tsc$/ instructions/' "$out/posix-icount-1.txt"
        if ! cmp -s "$out/posix-icount-1.txt" "$out/posix-icount-2.txt"; then
            echo "bench.sh: the two posix-bench icount runs differ (the first is printed):" >&2
            diff "$out/posix-icount-1.txt" "$out/posix-icount-2.txt" >&2
        fi
    else
        failed=1
    fi

    : > "$out/posix-wall.txt"
    for i in $(seq "$wall_runs"); do
        log=$out/posix-wall-$i.log
        if run_posix_bench "$log" > "$out/posix-wall-$i.txt"; then
            # "timer: ... TSC 2100.381 MHz": ns = ticks * 1000 / MHz.
            mhz=$(tr -d '\r' < "$log" | sed -n 's/.*timer: .* TSC \([0-9.]*\) MHz.*/\1/p' | head -n 1)
            awk -v mhz="$mhz" '{ printf "bench: %s_wall %d ns\n", $2, $3 * 1000 / mhz + 0.5 }' \
                "$out/posix-wall-$i.txt" >> "$out/posix-wall.txt"
        else
            failed=1
        fi
    done
    median_per_name < "$out/posix-wall.txt"
else
    failed=1
fi

# ---- the raw block device ----

# run_blk_bench LOG: boots blk.iso on a fresh scratch disk; prints its "bench:" lines.
run_blk_bench() {
    local log=$1 status
    "$top/build/tools/diskpattern" make "$out/blk.img" 40960 || return 1
    QEMU_EXTRA="-drive file=$out/blk.img,if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0" \
        "$top/tools/qemu.sh" test "$out/blk.iso" "$log" 120
    status=$?
    if [ "$status" != 1 ] || ! tr -d '\r' < "$log" | grep -q '^blk-bench: done$'; then
        echo "bench.sh: blk-bench ended with QEMU status $status, or not done; its log:" >&2
        tr -d '\r' < "$log" | tail -n 20 | sed 's/^/  | /' >&2
        return 1
    fi
    tr -d '\r' < "$log" | grep '^bench: '
}

if "$top/tools/mkiso.sh" "$kernel" "test=blkbench" "$out/blk.iso" "$userdir/init.elf" "$userdir/names.elf" \
        "$userdir/pci.elf" "$userdir/virtio-blk.elf" "$userdir/blk-bench.elf"; then
    : > "$out/blk-wall.txt"
    for i in $(seq "$wall_runs"); do
        run_blk_bench "$out/blk-wall-$i.log" >> "$out/blk-wall.txt" || failed=1
    done
    median_per_name < "$out/blk-wall.txt"
else
    failed=1
fi

# ---- a file on ext2 ----

# run_ext2_bench LOG: posix-ext2 as pid 1 on a fresh copy of build/ext2-bench.img (ext2 at
# /mnt): 8 MiB written in 64 KiB writes and synced, then read back; prints its "bench:" lines.
run_ext2_bench() {
    local log=$1 status
    cp "$top/build/ext2-bench.img" "$out/ext2-bench.img" || return 1
    QEMU_EXTRA="-drive file=$out/ext2-bench.img,if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0" \
        "$top/tools/qemu.sh" test "$out/ext2.iso" "$log" 240
    status=$?
    if [ "$status" != 0 ] || ! tr -d '\r' < "$log" | grep -q '^posix-ext2: bench done$'; then
        echo "bench.sh: the ext2 bench ended with QEMU status $status, or not done; its log:" >&2
        tr -d '\r' < "$log" | tail -n 20 | sed 's/^/  | /' >&2
        return 1
    fi
    tr -d '\r' < "$log" | grep '^bench: '
}

if "$top/tools/mkiso.sh" "$kernel" "posix_init=/bin/posix-ext2" "$out/ext2.iso" "$userdir/init.elf" \
        "$userdir/names.elf" "$userdir/pci.elf" "$userdir/virtio-blk.elf" "$userdir/vfs.elf" "$userdir/ext2.elf" \
        "$userdir/pm.elf" "$userdir/posix-rootfs.cpio=rootfs.cpio"; then
    : > "$out/ext2-wall.txt"
    for i in $(seq "$wall_runs"); do
        run_ext2_bench "$out/ext2-wall-$i.log" >> "$out/ext2-wall.txt" || failed=1
    done
    median_per_name < "$out/ext2-wall.txt"
else
    failed=1
fi

# ---- boot to the shell's prompt ----

# The wall time to dash's first "# " prompt after the motd on make run's image. (No icount
# figure: the prompt carries no TSC stamp, and most of the instructions before it are the
# kernel's 150 ms timer calibration and GRUB's.)
if [ -f "$top/build/agora.iso" ] && [ -f "$userdir/dash.elf" ] && [ -f "$top/build/disk.img" ]; then
    : > "$out/prompt.ms"
    fifo=$out/prompt.fifo
    for _ in $(seq "$wall_runs"); do
        rm -f "$fifo" && mkfifo "$fifo"
        cp "$top/build/disk.img" "$out/root-disk.img"
        start=$(date +%s%N)
        qemu-system-x86_64 -machine pc -cpu max -m 256M -no-reboot -display none -monitor none \
            -drive file="$out/root-disk.img",if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0 \
            -cdrom "$top/build/agora.iso" -boot d -serial stdio </dev/null > "$fifo" 2>/dev/null &
        qpid=$!
        # Chunks end at spaces: the prompt "# " ends one as "\n#".
        welcome=
        while IFS= read -r -d ' ' chunk; do
            case $chunk in *Welcome*) welcome=1 ;; esac
            if [ -n "$welcome" ]; then
                case $chunk in
                    *$'\n#' | '#')
                        echo $((($(date +%s%N) - start) / 1000000)) >> "$out/prompt.ms"
                        break ;;
                esac
            fi
        done < <(timeout 60 cat "$fifo")
        kill "$qpid" 2>/dev/null
        wait "$qpid" 2>/dev/null
    done
    rm -f "$fifo"
    if [ -s "$out/prompt.ms" ]; then
        echo "bench: boot_to_shell_prompt_wall $(median < "$out/prompt.ms") ms"
    else
        echo "bench.sh: build/agora.iso never showed a shell prompt" >&2
        failed=1
    fi
else
    echo "bench.sh: no build/agora.iso with dash and build/disk.img: boot_to_shell_prompt_wall skipped" >&2
fi
# ---- a guest under vmm-server ----

# wait_log LOG REGEX SECS: until a line of LOG matches (0) or SECS pass (1).
wait_log() {
    local end=$((SECONDS + $3))
    until tr -d '\r' < "$1" | grep -Eq -- "$2"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.05
    done
}

# run_vm_bench LOG [QEMU flags]: boots vm.iso, types `vm run /guests/test.elf` at the prompt;
# prints the ms from typing to the guest's first line and the guest's "round trip" ticks.
run_vm_bench() {
    local log=$1 pipe=$out/vm-serial qpid t0 t1 ticks fd
    rm -f "$pipe.in" "$pipe.out" && mkfifo "$pipe.in" "$pipe.out" && : > "$log"
    QEMU_EXTRA="${2:-}" "$top/tools/qemu.sh" test "$out/vm.iso" "$log" 300 "$pipe" & qpid=$!
    exec {fd}<>"$pipe.in"
    cat "$pipe.out" > /dev/null &
    if wait_log "$log" 'Welcome to Agora' 120; then
        sleep 1
        t0=$(date +%s%N)
        printf 'vm run /guests/test.elf\n' >&"$fd"
        wait_log "$log" '^test guest: started' 120 && t1=$(date +%s%N)
        wait_log "$log" '^vm: [0-9]+ ended' 200
        printf 'poweroff\n' >&"$fd"
    fi
    wait "$qpid" 2>/dev/null
    exec {fd}>&-
    ticks=$(tr -d '\r' < "$log" | sed -n 's/^test guest: hypercall round trip \([0-9]*\) tsc$/\1/p' | head -n 1)
    if [ -z "${t1:-}" ] || [ -z "$ticks" ] || ! tr -d '\r' < "$log" | grep -q '^vm: [0-9]* ended: shut down, status 0$'; then
        echo "bench.sh: the test guest did not run through${2:+ ($2)}; its log:" >&2
        tr -d '\r' < "$log" | tail -n 20 | sed 's/^/  | /' >&2
        return 1
    fi
    echo "$(((t1 - t0) / 1000000)) $ticks"
}

if [ -f "$userdir/dash.elf" ] && "$top/tools/mkiso.sh" "$kernel" "posix_init=/bin/sh posix_login=1" "$out/vm.iso" \
        "$userdir/init.elf" "$userdir/names.elf" "$userdir/serial.elf" "$userdir/tty.elf" "$userdir/vfs.elf" \
        "$userdir/tmpfs.elf" "$userdir/pm.elf" "$userdir/vm-rootfs.cpio=rootfs.cpio"; then
    if r=$(run_vm_bench "$out/vm-icount.log" "$icount"); then
        echo "bench: vmm_hypercall_round_trip ${r#* } instructions"
    else
        failed=1
    fi
    : > "$out/vm-first-line.ms"
    : > "$out/vm-hypercall.ns"
    for i in $(seq "$wall_runs"); do
        log=$out/vm-wall-$i.log
        if r=$(run_vm_bench "$log"); then
            mhz=$(tr -d '\r' < "$log" | sed -n 's/.*timer: .* TSC \([0-9.]*\) MHz.*/\1/p' | head -n 1)
            echo "${r% *}" >> "$out/vm-first-line.ms"
            awk -v mhz="$mhz" -v t="${r#* }" 'BEGIN { printf "%d\n", t * 1000 / mhz + 0.5 }' >> "$out/vm-hypercall.ns"
        else
            failed=1
        fi
    done
    if [ -s "$out/vm-first-line.ms" ]; then
        echo "bench: vmm_hypercall_round_trip_wall $(median < "$out/vm-hypercall.ns") ns"
        echo "bench: vm_run_to_first_line_wall $(median < "$out/vm-first-line.ms") ms"
    fi
else
    echo "bench.sh: no dash or no vm image: the VMM figures are skipped" >&2
fi

# ---- the driver supervisor: restart time, slowdown under faults (tools/bench-svc.sh) ----
"$top/tools/bench-svc.sh" "$kernel" || failed=1
exit "$failed"
