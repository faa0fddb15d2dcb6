#!/bin/sh
# Installs the Debian packages Agora's build and tests need; quick when all are present.
set -eu

# package:command-or-file that proves it is installed (a path where the command is outside
# a user's PATH: e2fsprogs puts mke2fs, e2fsck and debugfs in /sbin)
NEEDED="
gcc:gcc
make:make
binutils:ld
qemu-system-x86:qemu-system-x86_64
grub-pc-bin:/usr/lib/grub/i386-pc/multiboot2.mod
grub-common:grub-mkrescue
xorriso:xorriso
mtools:mformat
e2fsprogs:/sbin/mke2fs
libcunit1-dev:/usr/include/CUnit/Basic.h
gawk:awk
newlib-source:/usr/src/newlib
cpio:cpio
dpkg-dev:dpkg-source
autoconf:autoreconf
automake:automake
patch:patch
"

missing=""
for entry in $NEEDED; do
    pkg=${entry%%:*}
    probe=${entry#*:}
    case "$probe" in
        /*) [ -e "$probe" ] && continue ;;
        *) command -v "$probe" >/dev/null 2>&1 && continue ;;
    esac
    missing="$missing $pkg"
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "deps: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
