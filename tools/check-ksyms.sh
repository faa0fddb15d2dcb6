#!/bin/sh
# Checks that the second kernel link left every function where the first put it.
set -eu
a=$(nm -n --defined-only "$1" | awk '$2 ~ /^[Tt]$/')
b=$(nm -n --defined-only "$2" | awk '$2 ~ /^[Tt]$/')
if [ "$a" != "$b" ]; then
    echo "check-ksyms: code moved between the two links of the kernel" >&2
    exit 1
fi
