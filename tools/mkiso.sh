#!/bin/sh
# Builds a bootable GRUB ISO: mkiso.sh KERNEL_ELF "KERNEL COMMAND LINE" OUT.iso
set -eu
[ $# -eq 3 ] || { echo "usage: $0 KERNEL_ELF CMDLINE OUT.iso" >&2; exit 2; }
kernel=$1 cmdline=$2 out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/agora-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$(dirname "$out")"
cp "$kernel" "$stage/boot/agora.elf"
# '|' cannot appear in a command line we generate; escape sed's other specials.
escaped=$(printf '%s' "$cmdline" | sed 's/[&\\|]/\\&/g')
sed "s|@CMDLINE@|$escaped|" "$top/images/grub.cfg" > "$stage/boot/grub/grub.cfg"
# Only the BIOS platform: QEMU's default firmware is SeaBIOS.
if ! grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out" "$stage" >"$stage.log" 2>&1; then
    cat "$stage.log" >&2
    rm -f "$stage.log"
    exit 1
fi
rm -f "$stage.log"
