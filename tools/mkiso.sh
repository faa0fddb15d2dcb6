#!/bin/sh
# Builds a bootable GRUB ISO:
#   mkiso.sh KERNEL_ELF "KERNEL COMMAND LINE" OUT.iso [MODULE_FILE[=NAME] ...]
# Each MODULE_FILE becomes a Multiboot2 boot module, in the order given (the first is
# module 0, which the kernel starts as init), at /boot/NAME with NAME as its command line
# (what init sees in agora_boot_info). NAME defaults to the file's name without ".elf";
# it is made of letters, digits, '.', '_' and '-'. The last '=' separates file and name.
set -eu
usage() { echo "usage: $0 KERNEL_ELF CMDLINE OUT.iso [MODULE_FILE[=NAME] ...]" >&2; exit 2; }
[ $# -ge 3 ] || usage
kernel=$1 cmdline=$2 out=$3
shift 3
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agora-iso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/iso
mkdir -p "$stage/boot/grub" "$(dirname "$out")"
cp "$kernel" "$stage/boot/agora.elf"

: > "$tmp/modules.cfg"
for arg in "$@"; do
    case $arg in
    *=*) file=${arg%=*} name=${arg##*=} ;;
    *) file=$arg name=$(basename "$arg" .elf) ;;
    esac
    case $name in
    "" | .* | *[!A-Za-z0-9._-]* | grub | agora.elf)
        echo "mkiso: bad module name '$name' (for $file)" >&2; exit 2 ;;
    esac
    [ -f "$file" ] || { echo "mkiso: no module file $file" >&2; exit 2; }
    [ ! -e "$stage/boot/$name" ] || { echo "mkiso: two modules named $name" >&2; exit 2; }
    cp "$file" "$stage/boot/$name"
    printf '    module2 /boot/%s %s\n' "$name" "$name" >> "$tmp/modules.cfg"
done

# '|' cannot appear in a command line we generate; escape sed's other specials.
escaped=$(printf '%s' "$cmdline" | sed 's/[&\\|]/\\&/g')
sed -e "s|@CMDLINE@|$escaped|" -e "/@MODULES@/{r $tmp/modules.cfg" -e 'd}' \
    "$top/images/grub.cfg" > "$stage/boot/grub/grub.cfg"
# Only the BIOS platform: QEMU's default firmware is SeaBIOS.
if ! grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out" "$stage" >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    exit 1
fi
