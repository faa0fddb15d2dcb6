#!/bin/sh
# Makes the root disk (images/README.md): an ext2 file system holding what a root image
# (a cpio newc archive from tools/mkrootfs.sh) holds, owners 0:0 and hard links kept.
#   mkdisk.sh OUT.img SIZE INODES ROOT.cpio
# SIZE as mke2fs takes it (64M). OUT is written whole (through OUT.tmp): what was on an
# older OUT is gone.
set -eu
[ $# -eq 4 ] || { echo "usage: $0 OUT.img SIZE INODES ROOT.cpio" >&2; exit 2; }
out=$1 size=$2 inodes=$3 cpio=$4
MKE2FS=${MKE2FS:-/usr/sbin/mke2fs}
DEBUGFS=${DEBUGFS:-/usr/sbin/debugfs}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agora-disk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
(cd "$tmp/root" && cpio -idm --quiet --no-absolute-filenames) < "$cpio"
rm -f "$out.tmp"
"$MKE2FS" -q -F -t ext2 -b 1024 -N "$inodes" -E root_owner=0:0 -d "$tmp/root" "$out.tmp" "$size"
# Unpacked by somebody else than root, the files are theirs: give them to root on the disk.
if [ "$(id -u)" != 0 ]; then
    (cd "$tmp/root" && find . -mindepth 1 | sed 's|^\.||' | while read -r path; do
        printf 'set_inode_field "%s" uid 0\nset_inode_field "%s" gid 0\n' "$path" "$path"
    done) > "$tmp/owners"
    "$DEBUGFS" -w -f "$tmp/owners" "$out.tmp" >/dev/null 2>&1
fi
mv "$out.tmp" "$out"
