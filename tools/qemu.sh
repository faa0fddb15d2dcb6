#!/bin/sh
# Runs Agora under QEMU (software emulation, TCG; KVM is never needed).
#   qemu.sh run ISO              serial console on this terminal (Ctrl-A X quits QEMU)
#   qemu.sh debug ISO            halted at reset, gdb stub on :1234, gdb attached
#   qemu.sh test ISO LOG SECS [PIPE]
#                                headless; serial output to LOG; exit status is QEMU's, 124 on
#                                timeout. With PIPE, the serial port is also a QEMU pipe
#                                chardev: PIPE.in (a FIFO) feeds its input, PIPE.out (a FIFO)
#                                gets its output besides LOG; the caller makes both FIFOs.
# QEMU_MEM (default 256M) and QEMU_EXTRA add to every command line. With QEMU_DISK (make run
# sets build/disk.img), run and debug attach that file, when it exists, as a virtio-blk disk
# (the ext2 server mounts it at /mnt); what the system writes stays in the file.
set -eu
mode=$1 iso=$2
top=$(cd "$(dirname "$0")/.." && pwd)
mem=${QEMU_MEM:-256M}
base="-machine pc -cpu max -m $mem -no-reboot -cdrom $iso -boot d"
base="$base -device isa-debug-exit,iobase=0xf4,iosize=0x04"

disk=""
if [ -n "${QEMU_DISK:-}" ] && [ -f "$QEMU_DISK" ]; then
    disk="-drive file=$QEMU_DISK,if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0"
fi

case "$mode" in
run)
    echo "qemu: booting $iso (poweroff at the shell halts it, q at init's console; Ctrl-A X quits QEMU)"
    # shellcheck disable=SC2086
    exec qemu-system-x86_64 $base -nographic $disk ${QEMU_EXTRA:-}
    ;;
debug)
    # shellcheck disable=SC2086
    qemu-system-x86_64 $base -display none -serial file:"${iso%.iso}.debug.log" -S -gdb tcp::1234 $disk ${QEMU_EXTRA:-} &
    qemu=$!
    echo "qemu: serial output goes to ${iso%.iso}.debug.log"
    gdb -q -x "$top/tools/gdbinit" || true
    kill "$qemu" 2>/dev/null || true
    ;;
test)
    log=$3 secs=$4 pipe=${5:-}
    set -- -serial file:"$log"
    [ -z "$pipe" ] || set -- -chardev pipe,id=s0,path="$pipe",logfile="$log" -serial chardev:s0
    # exec: the caller's pid is timeout's, and timeout passes a SIGTERM on to QEMU.
    # shellcheck disable=SC2086
    exec timeout --foreground -k 5 "$secs" qemu-system-x86_64 $base -display none -monitor none \
        "$@" ${QEMU_EXTRA:-} </dev/null
    ;;
*)
    echo "usage: $0 run|debug|test ISO [LOG SECS]" >&2
    exit 2
    ;;
esac
