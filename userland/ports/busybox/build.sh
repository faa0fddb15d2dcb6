#!/usr/bin/env bash
# Builds busybox (Debian's source package) for Agora: build/user/busybox.elf and
# build/user/busybox.applets. userland/ports/busybox/README.md.
#
#   build.sh           fetch (once, into the cache), unpack, patch, configure, build
#   build.sh --fetch   only make sure the Debian source is in the cache
#
# Exit status 0: built; 2: the Debian source is not in the cache and could not be fetched
# (no deb-src line and no root to add one, or no network): the caller may skip busybox;
# anything else: a real build failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
port=$top/userland/ports/busybox
cache=${AGORA_CACHE:-$HOME/.cache/agora}/src/busybox
work=$top/build/ports/busybox
out=$top/build/user/busybox.elf
applets=$top/build/user/busybox.applets
log=$work/build.log
host_cc=${AGORA_HOST_CC:-gcc}

say() { echo "busybox: $*" >&2; }

. "$top/userland/ports/debian-source.sh"

dsc=$(debsrc_fetch busybox "$cache") || exit 2
[ "${1:-}" = --fetch ] && exit 0

for tool in dpkg-source patch; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool is missing (make deps)"; exit 1; }
done

# Unpack afresh (and configure afresh) when the source package, our patches, the config
# fragment, the shim headers or this script changed; the stamp holds a hash of them all.
key=$( { cat "$dsc" "$port"/patches/*.patch "$port/agora.config" "$0";
         find "$port/include" -type f | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)
src=$work/src
mkdir -p "$work"
if [ "$(cat "$work/unpacked" 2>/dev/null)" != "$key" ]; then
    rm -rf "$src" "$work/unpacked"
    say "unpacking $(basename "$dsc") (Debian's patches applied by dpkg-source)"
    dpkg-source -x "$dsc" "$src" > "$log" 2>&1
    for p in "$port"/patches/*.patch; do
        say "applying $(basename "$p")"
        patch -d "$src" -p1 --quiet < "$p"
    done

    # Configure: allnoconfig, then the fragment's lines set, then oldconfig to settle the
    # dependencies (a symbol the fragment sets whose dependencies fail is reported).
    # CC must be agora-cc already here: busybox decides PLATFORM_LINUX by asking $(CC)
    # whether __linux__ is defined (it is not: agora-cc removes it).
    say "configuring (allnoconfig + agora.config)"
    mk=(make -C "$src" CC="$top/tools/agora-cc" HOSTCC="$host_cc")
    "${mk[@]}" allnoconfig >> "$log" 2>&1
    while IFS= read -r line; do
        case $line in
        CONFIG_*=*) k=${line%%=*} ;;
        "# CONFIG_"*" is not set") k=${line#\# }; k=${k%% *} ;;
        *) continue ;;
        esac
        grep -v -E "^(# )?$k( is not set|=)" "$src/.config" > "$src/.config.tmp" || true
        echo "$line" >> "$src/.config.tmp"
        mv "$src/.config.tmp" "$src/.config"
    done < "$port/agora.config"
    "${mk[@]}" oldconfig < /dev/null >> "$log" 2>&1 || { say "oldconfig failed: $log"; exit 1; }
    bad=0
    while IFS= read -r line; do
        case $line in CONFIG_*=*) ;; *) continue ;; esac
        grep -qxF "$line" "$src/.config" || { say "config: $line did not stick (a dependency is off)"; bad=1; }
    done < "$port/agora.config"
    [ $bad = 0 ] || exit 1
    echo "$key" > "$work/unpacked"
fi

# newlib's regex (regcomp, regexec, regerror, regfree), fnmatch and dirname: they are in
# the newlib tarball, but newlib's configure does not build libc/posix and libc/unix for
# x86_64-elf, so libc.a lacks them (grep, sed and test need them). Built here from the same
# tarball posix/newlib/build.sh uses, into libnewlibposix.a; when that script builds them
# into libc.a, this step goes.
nlposix=$work/newlib-posix
tarball=$(ls -1 /usr/src/newlib/newlib-*.tar.* 2>/dev/null | tail -n 1)
[ -n "$tarball" ] || { say "no /usr/src/newlib/newlib-*.tar.* (newlib-source)"; exit 1; }
if [ ! -f "$nlposix/libnewlibposix.a" ] || [ "$(cat "$nlposix/key" 2>/dev/null)" != "$key" ]; then
    rm -rf "$nlposix"; mkdir -p "$nlposix/obj"
    say "building newlib's regex, fnmatch, dirname from $(basename "$tarball")"
    tar -xf "$tarball" -C "$nlposix" --wildcards '*/newlib/libc/posix/*' '*/newlib/libc/unix/dirname.c'
    nlsrc=$(echo "$nlposix"/*/newlib/libc)
    for f in posix/regcomp posix/regexec posix/regerror posix/regfree posix/fnmatch \
             posix/collate posix/collcmp unix/dirname; do
        "$top/tools/agora-cc" -O2 -g -ffunction-sections -fdata-sections -D_GNU_SOURCE \
            -I"$nlsrc/posix" -c "$nlsrc/$f.c" -o "$nlposix/obj/${f#*/}.o" >> "$log" 2>&1 ||
            { say "compiling newlib's $f.c failed: $log"; exit 1; }
    done
    ar rcs "$nlposix/libnewlibposix.a" "$nlposix"/obj/*.o
    echo "$key" > "$nlposix/key"
fi

# Build. The shim headers (include/README.md) come after agora-cc's own include path.
# LD=ld: busybox links each directory's built-in.o with `$(LD) -r`, LD defaulting to
# `$(CC) -nostdlib`; agora-cc would add the runtime to those partial links.
# busybox's link step (scripts/trylink) passes its own -Wl,--gc-sections and -static;
# agora-cc adds the runtime, libc, libm and libgcc; `-u main` because busybox's main sits
# in libbb/lib.a, which is scanned before the runtime's start.o asks for it.
rm -f "$src/busybox" "$src/busybox_unstripped"
say "building"
make -C "$src" -j"$(nproc)" CC="$top/tools/agora-cc" HOSTCC="$host_cc" SKIP_STRIP=y \
    LD=ld EXTRA_CFLAGS="-isystem $port/include" LDFLAGS="-L$nlposix -u main" LDLIBS="newlibposix m" >> "$log" 2>&1 ||
    { say "build failed: $log"; grep -E 'error|undefined reference' "$log" | sort -u | tail -n 40 >&2; exit 1; }

mkdir -p "$(dirname "$out")"
cp "$src/busybox_unstripped" "$out.tmp"
mv "$out.tmp" "$out"
# The applet names, one a line: busybox's own list (make busybox.links writes their
# install paths, /bin/ls etc.).
make -C "$src" CC="$top/tools/agora-cc" HOSTCC="$host_cc" busybox.links >> "$log" 2>&1
sed 's|.*/||; /^$/d' "$src/busybox.links" | LC_ALL=C sort -u > "$applets.tmp"
mv "$applets.tmp" "$applets"
say "built $out ($(wc -l < "$applets") applets: $applets)"
