#!/bin/sh
# Builds newlib's libc and libm for Agora from Debian's newlib-source, once per version and flags.
#
#   build.sh          build if needed; prints the install directory (include/, lib/)
#   build.sh --dir    only prints where the install directory is (or will be)
#
# The result is cached outside the clone, in $AGORA_CACHE (default ~/.cache/agora), under
# newlib-<version>-<key>: the key hashes the tarball, this script (it holds every flag and
# option), our patches (patches/*.patch, applied in order) and the host compiler's version,
# so a change to any of them builds afresh. The source is unpacked and built under
# build/newlib/ (removed after a successful build, but for its log); nothing third-party is
# ever written into the source tree. The compiler is $AGORA_HOST_CC (default gcc): not $CC,
# which may well be agora-cc itself.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CC=${AGORA_HOST_CC:-gcc}
tarball=
for t in /usr/src/newlib/newlib-*.tar.*; do
    [ -f "$t" ] && tarball=$t   # the last in glob order: the newest version
done
if [ -z "$tarball" ]; then
    echo "newlib: no /usr/src/newlib/newlib-*.tar.*: install Debian's newlib-source (tools/deps.sh)" >&2
    exit 1
fi
version=$(basename "$tarball" | sed 's/^newlib-//; s/\.tar\..*$//')

# Compiler flags for the library: the psABI (SSE registers carry doubles; the kernel saves
# FPU/SSE state per thread), small code model, static, position-dependent, no stack
# protector (nothing sets up its guard), and the host compiler's Linux macros removed.
TARGET_CFLAGS="-O2 -g -mcmodel=small -fno-pic -fno-pie -fno-stack-protector \
-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections \
-U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D__agora__"

# newlib's own options (posix/README.md says why each).
CONFIGURE_OPTIONS="--target=x86_64-elf --disable-multilib --disable-nls \
--disable-newlib-supplied-syscalls --enable-newlib-io-long-long --enable-newlib-io-c99-formats"

key=$( {
    sha256sum < "$tarball"
    cat "$0"
    cat "$here"/patches/*.patch 2>/dev/null || true
    "$CC" --version | head -n 1
} | sha256sum | cut -c1-12)
cache=${AGORA_CACHE:-${HOME:-/tmp}/.cache/agora}
dest=$cache/newlib-$version-$key

if [ "${1:-}" = "--dir" ]; then
    echo "$dest"
    exit 0
fi
if [ -f "$dest/.complete" ]; then
    echo "$dest"
    exit 0
fi

# One build at a time per cache (two makes may start together); the winner's result serves both.
mkdir -p "$cache"
exec 9>"$cache/.newlib.lock"
flock 9
if [ -f "$dest/.complete" ]; then
    echo "$dest"
    exit 0
fi

work=$top/build/newlib
start=$(date +%s)
echo "newlib: building $version ($tarball) into $dest; about a minute, once" >&2
rm -rf "$work"
mkdir -p "$work/obj"
tar -xf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name obj | head -n 1)
for p in "$here"/patches/*.patch; do
    [ -f "$p" ] || continue
    echo "newlib: applying $(basename "$p")" >&2
    patch -d "$src" -p1 -s < "$p"
done

stage=$dest.tmp.$$
rm -rf "$stage"
trap 'rm -rf "$stage"' EXIT
log=$work/build.log
jobs=$(nproc 2>/dev/null || echo 2)
(
    cd "$work/obj"
    # A calling make's flags and variables (MAKEFLAGS carries `make CC=...` overrides) and the
    # caller's CFLAGS are not newlib's.
    unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS CPPFLAGS LDFLAGS
    # The host compiler and binutils stand in for an x86_64-elf cross toolchain.
    # shellcheck disable=SC2086
    "$src/configure" --prefix="$stage" $CONFIGURE_OPTIONS \
        CC_FOR_TARGET="$CC" CFLAGS_FOR_TARGET="$TARGET_CFLAGS" \
        AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld NM_FOR_TARGET=nm \
        RANLIB_FOR_TARGET=ranlib READELF_FOR_TARGET=readelf OBJCOPY_FOR_TARGET=objcopy \
        OBJDUMP_FOR_TARGET=objdump STRIP_FOR_TARGET=strip
    make -j"$jobs" all-target-newlib
    make install-target-newlib
) > "$log" 2>&1 || {
    tail -n 40 "$log" >&2
    echo "newlib: build failed; full log in $log" >&2
    exit 1
}
# Flatten <prefix>/x86_64-elf/{include,lib} to include/ and lib/.
mv "$stage/x86_64-elf/include" "$stage/include"
mv "$stage/x86_64-elf/lib" "$stage/lib"
rm -rf "$stage/x86_64-elf" "$stage/share"
{
    echo "newlib $version from $tarball"
    echo "configure: $CONFIGURE_OPTIONS"
    echo "CFLAGS_FOR_TARGET: $TARGET_CFLAGS"
    echo "built in $(( $(date +%s) - start )) s with $("$CC" --version | head -n 1)"
} > "$stage/BUILD-INFO"
touch "$stage/.complete"
rm -rf "$dest"
mv "$stage" "$dest"
trap - EXIT
find "$work" -mindepth 1 -maxdepth 1 ! -name build.log -exec rm -rf {} +
echo "newlib: done in $(( $(date +%s) - start )) s" >&2
echo "$dest"
