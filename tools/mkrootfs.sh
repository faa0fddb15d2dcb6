#!/bin/sh
# Packs a root file system image for vfs (a cpio newc archive, images/README.md):
#   mkrootfs.sh OUT.cpio ITEM...
# Each ITEM is, in order (later ones win):
#   DIR            a staging tree copied to / (images/rootfs, images/system); .keep files are left out
#   FILE=PATH      FILE installed at PATH (e.g. build/user/dash.elf=bin/sh), mode 755
#   ?FILE=PATH     the same, skipped when FILE does not exist (an optional port)
#   applets:LIST   for each name in the file LIST (busybox's applets), /bin/NAME as a
#                  one-line script running /bin/busybox NAME; skipped when LIST does not
#                  exist, never replacing a file already there (dash is /bin/sh)
#   links:LIST     the same as hard links to /bin/busybox (for an ext2 root; vfs's own tree
#                  has no hard links)
# Files are owned by 0:0 with the time 0 and the archive is sorted, so the same inputs give
# the same bytes; OUT is replaced only when its bytes change (make then rebuilds nothing
# that depends on it).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 OUT.cpio [DIR | FILE=PATH | ?FILE=PATH | applets:LIST | links:LIST]..." >&2; exit 2; }
out=$1
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agora-rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/root
mkdir -p "$stage" "$(dirname "$out")"
for item in "$@"; do
    case $item in
    applets:*)
        list=${item#applets:}
        [ -f "$list" ] || continue
        mkdir -p "$stage/bin"
        for name in $(cat "$list"); do
            [ -e "$stage/bin/$name" ] && continue
            # No #!: the shell runs a file it cannot exec as a script of its own.
            printf 'exec /bin/busybox %s "$@"\n' "$name" > "$stage/bin/$name"
            chmod 755 "$stage/bin/$name"
        done
        ;;
    links:*)
        list=${item#links:}
        [ -f "$list" ] && [ -f "$stage/bin/busybox" ] || continue
        for name in $(cat "$list"); do
            [ -e "$stage/bin/$name" ] || ln "$stage/bin/busybox" "$stage/bin/$name"
        done
        ;;
    *=*)
        file=${item%=*} path=${item##*=} optional=
        case $file in "?"*) file=${file#?} optional=1 ;; esac
        if [ ! -f "$file" ]; then
            [ -n "$optional" ] && continue
            echo "mkrootfs: no file $file" >&2; exit 2
        fi
        mkdir -p "$stage/$(dirname "$path")"
        cp "$file" "$stage/$path"
        chmod 755 "$stage/$path"
        ;;
    *)
        [ -d "$item" ] || { echo "mkrootfs: no directory $item" >&2; exit 2; }
        cp -R "$item/." "$stage/"
        ;;
    esac
done
find "$stage" -name .keep -exec rm -f {} +
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --renumber-inodes --ignore-devno --quiet) > "$tmp/out.cpio"
if ! cmp -s "$tmp/out.cpio" "$out"; then
    mv "$tmp/out.cpio" "$out"
fi
