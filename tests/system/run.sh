#!/usr/bin/env bash
# System tests: boots the kernel under QEMU once per case file and checks the serial
# log and QEMU's exit status. Usage: run.sh KERNEL_ELF [CASE...]
#
# A case file (tests/system/cases/*.test) holds lines of "key: value":
#   cmdline: kernel command line        memory: QEMU -m (default 256M)
#   timeout: seconds (default 60)       status: expected QEMU exit status
#   expect: extended regex that some serial line must match (any number)
#   reject: extended regex that no serial line may match (any number)
#   modules: user programs to boot as Multiboot2 modules, space separated names of
#            build/user/NAME.elf (`make user`), the first as module 0 (init); none by default
# isa-debug-exit turns the kernel's code v into status (v << 1) | 1: 1 pass, 3 fail,
# 5 panic. A case that times out fails and its serial log is printed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$1
shift
out=$top/build/systest
userdir=$top/build/user
mkdir -p "$out"
if [ $# -gt 0 ]; then cases=("$@"); else cases=("$top"/tests/system/cases/*.test); fi

passed=0
failed=0

field() { sed -n "s/^$1: //p" "$2"; }

run_case() {
    local file=$1 name cmdline memory timeout want log iso status problems=() modules=() m
    name=$(basename "$file" .test)
    cmdline=$(field cmdline "$file")
    memory=$(field memory "$file"); memory=${memory:-256M}
    timeout=$(field timeout "$file"); timeout=${timeout:-60}
    want=$(field status "$file")
    log=$out/$name.log
    iso=$out/$name.iso
    : > "$log"
    for m in $(field modules "$file"); do
        [ -f "$userdir/$m.elf" ] || problems+=("no user program $userdir/$m.elf (make user)")
        modules+=("$userdir/$m.elf")
    done

    if [ ${#problems[@]} -gt 0 ]; then
        :
    elif ! "$top/tools/mkiso.sh" "$kernel" "$cmdline" "$iso" "${modules[@]}"; then
        problems+=("could not build the ISO")
    else
        local start=$SECONDS
        QEMU_MEM=$memory "$top/tools/qemu.sh" test "$iso" "$log" "$timeout"
        status=$?
        if [ "$status" = 124 ] || [ "$status" = 137 ]; then
            problems+=("timed out after ${timeout}s (a hang)")
        elif [ -n "$want" ] && [ "$status" != "$want" ]; then
            problems+=("QEMU exit status $status, expected $want")
        fi
        while IFS= read -r re; do
            tr -d '\r' < "$log" | grep -Eq -- "$re" || problems+=("no line matches: $re")
        done < <(field expect "$file")
        while IFS= read -r re; do
            tr -d '\r' < "$log" | grep -Eq -- "$re" && problems+=("a line matches: $re")
        done < <(field reject "$file")
        [ -n "$(field expect "$file")" ] || problems+=("the case expects nothing: it could not fail")
    fi

    if [ ${#problems[@]} -eq 0 ]; then
        echo "PASS  $name ($((SECONDS - start)) s)"
        passed=$((passed + 1))
    else
        echo "FAIL  $name"
        printf '      %s\n' "${problems[@]}"
        echo "      ---- serial log ($log) ----"
        tr -d '\r' < "$log" | sed 's/^/      | /' | tail -n 60
        failed=$((failed + 1))
    fi
}

for c in "${cases[@]}"; do
    run_case "$c"
done
echo "system: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
