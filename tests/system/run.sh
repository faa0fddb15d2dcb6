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
#            build/user/NAME.elf (`make user`), the first as module 0 (init); none by default;
#            a NAME with a '.' is a data module, build/user/NAME as it is (rootfs.cpio);
#            FILE=NAME boots build/user/FILE under the module name NAME
#   count: N REGEX   exactly N serial lines match the extended regex (any number of these)
#   optional: NAME   build/user/NAME.elf is built only when its third-party source could be
#            fetched (dash: userland/ports); without it the case is skipped, not failed
#   iso: FILE        boot build/FILE as it is (agora.iso: the image `make run` boots, with
#            its own modules and command line) instead of one made from modules: and cmdline:
#   disk: SECTORS [modern]  a scratch disk: build/systest/NAME.img, SECTORS sectors of 512
#            bytes filled with the pattern of tests/blk-test/pattern.h by build/tools/diskpattern,
#            made afresh for every run and attached as a virtio-blk PCI device (transitional,
#            device id 0x1001; with "modern" the virtio 1.0-only 0x1042)
#   disk: copy:FILE [modern]  the same with a fresh copy of build/FILE (an ext2 image, say):
#            the case may write to it, the original stays as it was
#   disk: after:CASE [modern]  a copy of the disk case CASE left behind (build/systest/CASE.img):
#            a second boot of the same disk; CASE must have run first (cases run in name
#            order, so name this case after it), else this case fails
#   check: COMMAND   after QEMU exits, run COMMAND (bash, from the top directory, with DISK set
#            to the scratch disk's path and LOG to the serial log's text); the case fails
#            if it fails (any number)
# Driving the serial console like a person, in file order, within the case's timeout:
#   wait: REGEX      until the serial output after the previous wait's match matches
#                    (the match may end mid-line, e.g. at a prompt)
#   send: TEXT       type TEXT into the serial port, with printf %b escapes: \n, \r, \t,
#                    \xHH (\x04 is ^D), \\; the rest of the line is the text, spaces too
#   sleep: SECONDS   pause (fractions allowed)
# A case with none of these boots with its serial port on a plain log file, as always; one
# with them gets a QEMU pipe chardev (tools/qemu.sh) that logs the output to the same file
# and takes input from a FIFO. A wait that times out (or QEMU exits first) fails the case,
# stops QEMU and skips the remaining steps.
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
skipped=0

field() { sed -n "s/^$1: //p" "$2"; }

# The serial output so far, without carriage returns.
serial_text() { tr -d '\r' < "$1"; }

# Runs the wait/send/sleep steps of case file $1 against QEMU (pid $2) whose serial output
# goes to $3 and input to the FIFO open on fd $4, until the deadline $5 (in $SECONDS);
# adds to the caller's problems array.
run_steps() {
    local file=$1 qpid=$2 log=$3 fd=$4 deadline=$5 line key value consumed=0 hit n=0 off text
    while IFS= read -r line; do
        key=${line%%: *} value=${line#*: }
        n=$((n + 1))
        case $key in
        send) printf '%b' "$value" >&"$fd" ;;
        sleep) sleep "$value" ;;
        wait)
            hit=""
            local last=""
            while :; do
                hit=$(serial_text "$log" | tail -c +$((consumed + 1)) |
                      LC_ALL=C grep -Eob -m1 -- "$value" | head -n 1)
                [ -n "$hit" ] || [ -n "$last" ] && break
                # QEMU may have written the line just before it exited: look once more.
                if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$qpid" 2>/dev/null; then
                    last=1
                    continue
                fi
                sleep 0.05
            done
            if [ -z "$hit" ]; then
                problems+=("step $n: waited in vain for: $value")
                kill -TERM "$qpid" 2>/dev/null
                return
            fi
            off=${hit%%:*} text=${hit#*:}
            consumed=$((consumed + off + $(LC_ALL=C; echo ${#text})))
            ;;
        esac
    done < <(grep -E '^(send|wait|sleep): ' "$file")
}

run_case() {
    local file=$1 name cmdline memory timeout want log iso status problems=() modules=() m f
    name=$(basename "$file" .test)
    cmdline=$(field cmdline "$file")
    memory=$(field memory "$file"); memory=${memory:-256M}
    timeout=$(field timeout "$file"); timeout=${timeout:-60}
    want=$(field status "$file")
    log=$out/$name.log
    iso=$out/$name.iso
    : > "$log"
    local disk_spec disk="" extra=${QEMU_EXTRA:-}
    disk_spec=$(field disk "$file")
    if [ -n "$disk_spec" ]; then
        disk=$out/$name.img
        local source=${disk_spec%% *} legacy=""
        case $disk_spec in *" modern") legacy=",disable-legacy=on" ;; esac
        case $source in
        copy:*)
            cp "$top/build/${source#copy:}" "$disk" || problems+=("no disk image build/${source#copy:}") ;;
        after:*)
            cp "$out/${source#after:}.img" "$disk" ||
                problems+=("no disk left by case ${source#after:} (run it first)") ;;
        *)
            "$top/build/tools/diskpattern" make "$disk" "$source" ||
                problems+=("could not make the disk $disk (make user builds build/tools/diskpattern)") ;;
        esac
        extra="$extra -drive file=$disk,if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0$legacy"
    fi
    for m in $(field optional "$file"); do
        if [ ! -f "$userdir/$m.elf" ]; then
            echo "SKIP  $name ($m was not built: its source could not be fetched)"
            skipped=$((skipped + 1))
            return
        fi
    done
    for m in $(field modules "$file"); do
        local as=""
        case $m in *=*) as="=${m##*=}" m=${m%=*} ;; esac   # FILE=NAME: booted under NAME
        case $m in
        *.*) f=$userdir/$m ;;           # data (rootfs.cpio): the file as it is
        *) f=$userdir/$m.elf ;;
        esac
        [ -f "$f" ] || problems+=("no user program or data $f (make user)")
        modules+=("$f$as")
    done

    local given_iso
    given_iso=$(field iso "$file")
    if [ -n "$given_iso" ]; then
        iso=$top/build/$given_iso
        [ -f "$iso" ] || problems+=("no image $iso (make image)")
        [ -z "$(field modules "$file")$cmdline" ] || problems+=("iso: with modules: or cmdline:")
    fi

    if [ ${#problems[@]} -gt 0 ]; then
        :
    elif [ -z "$given_iso" ] && ! "$top/tools/mkiso.sh" "$kernel" "$cmdline" "$iso" "${modules[@]}"; then
        problems+=("could not build the ISO")
    else
        local start=$SECONDS
        if grep -Eq '^(send|wait|sleep): ' "$file"; then
            local pipe=$out/$name.serial qpid infd outfd drain
            rm -f "$pipe.in" "$pipe.out"
            mkfifo "$pipe.in" "$pipe.out"
            # Read-write opens of a FIFO never block, whether or not QEMU has opened it yet.
            exec {infd}<>"$pipe.in" {outfd}<>"$pipe.out"
            cat <&"$outfd" >/dev/null &
            drain=$!
            QEMU_MEM=$memory QEMU_EXTRA=$extra "$top/tools/qemu.sh" test "$iso" "$log" "$timeout" "$pipe" &
            qpid=$!
            run_steps "$file" "$qpid" "$log" "$infd" $((start + timeout))
            wait "$qpid"
            status=$?
            kill "$drain" 2>/dev/null
            wait "$drain" 2>/dev/null
            exec {infd}>&- {outfd}>&-
            rm -f "$pipe.in" "$pipe.out"
        else
            QEMU_MEM=$memory QEMU_EXTRA=$extra "$top/tools/qemu.sh" test "$iso" "$log" "$timeout"
            status=$?
        fi
        if [ "$status" = 124 ] || [ "$status" = 137 ]; then
            problems+=("timed out after ${timeout}s (a hang)")
        elif [ -n "$want" ] && [ "$status" != "$want" ]; then
            problems+=("QEMU exit status $status, expected $want")
        fi
        # Match against a cleaned copy, never a pipe: with pipefail, grep -q leaving early
        # would kill tr with SIGPIPE and turn a match into a failure.
        local text=$log.text
        tr -d '\r' < "$log" > "$text"
        while IFS= read -r re; do
            grep -aEq -- "$re" "$text" || problems+=("no line matches: $re")
        done < <(field expect "$file")
        while IFS= read -r re; do
            grep -aEq -- "$re" "$text" && problems+=("a line matches: $re")
        done < <(field reject "$file")
        local want_n got_n
        while read -r want_n re; do
            got_n=$(grep -aEc -- "$re" "$text")
            [ "$got_n" = "$want_n" ] || problems+=("$got_n lines match, not $want_n: $re")
        done < <(field count "$file")
        [ -n "$(field expect "$file")" ] || problems+=("the case expects nothing: it could not fail")
        local cmd
        while IFS= read -r cmd; do
            (cd "$top" && DISK=$disk LOG=$text bash -c "$cmd") > "$log.check" 2>&1 ||
                problems+=("check failed: $cmd: $(tail -n 3 "$log.check" | tr '\n' ' ')")
        done < <(field check "$file")
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
[ "$skipped" -eq 0 ] || echo "system: $skipped skipped"
echo "system: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
